"""``embedlab models``: which model names work offline, and what a name resolves to."""

from __future__ import annotations

import typer

from embedlab.utils.console import console


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


models_app = typer.Typer(help="List offline models and resolve model names.", no_args_is_help=True)


@models_app.command("list")
def list_models() -> None:
    """List the model names available offline (built-in and user aliases)."""
    from rich.table import Table

    from embedlab.models import available_models

    table = Table(title="Models available offline")
    table.add_column("name")
    table.add_column("path")
    for name, path in sorted(available_models().items()):
        table.add_row(name, path)
    console.print(table)


@models_app.command("resolve")
def resolve(name: str = typer.Argument(..., help="A folder, file, alias or Hugging Face id.")) -> None:
    """Show what a model argument resolves to."""
    from embedlab.models import resolve_model

    r = resolve_model(name)
    console.print(f"{r.name} -> {r.path} [dim]({r.kind}, {r.source})[/dim]")
    if r.kind in ("sentence-transformers", "transformer"):
        from embedlab.utils.pickle_guard import pickled_weights

        pickled = pickled_weights(r.path)
        if pickled:
            # Say it here, before a command refuses the model: these files can run code when loaded.
            console.print(f"[yellow]weights only as PyTorch pickles ({pickled[0].name}): loading needs --trust-pickle")
