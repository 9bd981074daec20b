"""Entry point of the ``embedlab`` command.

Each capability has its own CLI module with a ``register(app)`` function that adds its commands or sub-app. CLI
modules import heavy libraries (torch, gensim...) inside the commands, so ``embedlab --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

try:  # typer 0.29+ carries its own copy of click; its usage errors are that copy's classes
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer on the click package
    from click import exceptions as click_exceptions

from embedlab import __version__
from embedlab.cli import (
    data,
    demo,
    distill,
    evaluate,
    explore,
    export,
    index,
    models,
    rerank,
    serve,
    train,
    tune,
    words,
)
from embedlab.cli.flags import cli_message
from embedlab.errors import EmbedlabError, ParameterError
from embedlab.utils.console import err_console
from embedlab.utils.progress import quiet_libraries

app = typer.Typer(
    name="embedlab",
    help="From raw text to a trained, measured text-embedding model and a retrieval pipeline built on it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help (click's layout): it reads at 80 columns, where rich's table squeezed every help text into a narrow
    # column and showed a type such as <bool> after each flag; [brackets] in help texts are shown as written.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

for _module in (words, train, data, evaluate, tune, explore, index, rerank, serve, models, export, distill, demo):
    _module.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"embedlab {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    """embedlab: word and sentence embeddings, evaluation and retrieval, offline first."""
    if debug:
        os.environ["EMBEDLAB_DEBUG"] = "1"


# Errors a user can cause that come from the standard library rather than from embedlab's own checks.
_USER_OS_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and a non-zero exit, ``--debug`` shows the traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere on the line, not only before the sub-command.
    if "--debug" in args:
        args.remove("--debug")
        os.environ["EMBEDLAB_DEBUG"] = "1"
    debug = os.environ.get("EMBEDLAB_DEBUG", "") not in ("", "0")
    quiet_libraries()
    try:
        # standalone_mode=False: click's usage errors come back here to be told in one line, like ours.
        code = app(args=args, prog_name="embedlab", standalone_mode=False)
    except SystemExit:
        raise
    except typer.Abort:
        err_console.print("[red]interrupted[/red]")
        sys.exit(130)
    except click_exceptions.NoArgsIsHelpError as exc:
        exc.show()  # a command group called bare: its help, as before
        sys.exit(exc.exit_code)
    except click_exceptions.ClickException as exc:
        if debug:
            traceback.print_exc()
        err_console.print(
            f"[bold red]error:[/bold red] {_click_line(exc)}", markup=True, highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[red]interrupted[/red]")
        sys.exit(130)
    except (EmbedlabError, *_USER_OS_ERRORS) as exc:
        if debug:
            traceback.print_exc()
        code = exc.exit_code if isinstance(exc, EmbedlabError) else 2
        if isinstance(exc, ParameterError):
            message = cli_message(exc)
        else:
            message = str(exc) if isinstance(exc, EmbedlabError) else _os_error_line(exc)
        err_console.print(f"[bold red]error:[/bold red] {message}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(code)
    if isinstance(code, int) and code:
        sys.exit(code)


def _click_line(exc: click_exceptions.ClickException) -> str:
    """click's usage error as one line: ``option --algorithm: 'glove' is not one of ...`` and where to find help."""
    message = exc.format_message().replace("Value error, ", "")
    param = getattr(exc, "param", None)
    bad_value = isinstance(exc, click_exceptions.BadParameter) and not isinstance(
        exc, click_exceptions.MissingParameter
    )
    if bad_value and param is not None:
        names = [o for o in param.opts if o.startswith("--")] or list(param.opts)
        where = f"option {names[0]}" if param.param_type_name == "option" else f"argument {param.name.upper()}"
        message = f"{where}: {exc.message.replace('Value error, ', '')}"
    ctx = getattr(exc, "ctx", None)
    hint = f" (see {ctx.command_path} -h)" if ctx is not None else ""
    return " ".join(message.split()) + hint


def _os_error_line(exc: OSError) -> str:
    what = {
        FileNotFoundError: "no such file or folder",
        IsADirectoryError: "is a folder, expected a file",
        NotADirectoryError: "is not a folder",
        PermissionError: "permission denied",
    }.get(type(exc), exc.strerror or str(exc))
    return f"{exc.filename}: {what}" if exc.filename else f"{what}: {exc}"
