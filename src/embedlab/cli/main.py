"""Entry point of the ``embedlab`` command.

Each capability has its own CLI module with a ``register(app)`` function that adds its commands or sub-app. CLI
modules import heavy libraries (torch, gensim...) inside the commands, so ``embedlab --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from embedlab import __version__
from embedlab.cli import data, demo, distill, evaluate, explore, export, index, models, rerank, serve, train, words
from embedlab.cli.flags import cli_message
from embedlab.errors import EmbedlabError, ParameterError
from embedlab.utils.console import err_console

app = typer.Typer(
    name="embedlab",
    help="From raw text to a trained, measured text-embedding model and a retrieval pipeline built on it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Markdown, not rich markup: help texts show defaults and examples in [brackets] that rich would swallow as tags.
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)

for _module in (words, train, data, evaluate, explore, index, rerank, serve, models, export, distill, demo):
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
    try:
        app(args=args, prog_name="embedlab")
    except SystemExit:
        raise
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


def _os_error_line(exc: OSError) -> str:
    what = {
        FileNotFoundError: "no such file or folder",
        IsADirectoryError: "is a folder, expected a file",
        NotADirectoryError: "is not a folder",
        PermissionError: "permission denied",
    }.get(type(exc), exc.strerror or str(exc))
    return f"{exc.filename}: {what}" if exc.filename else f"{what}: {exc}"
