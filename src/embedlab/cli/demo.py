"""``embedlab demo``: the guided tour on bundled data."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Path = typer.Option(
        Path("demo-output"), "-o", "--out", help="Folder for the demo's models, plots and indexes."
    ),
    part: list[str] = typer.Option(None, "--part", help="Run only these parts (words, sentence, retrieval)."),
    quick: bool = typer.Option(False, "--quick", help="Smaller, faster versions of each part."),
) -> None:
    """Train, query, evaluate and plot on bundled data: the guided tour of embedlab."""
    from embedlab.demo import PARTS, run_demo
    from embedlab.errors import OptionError
    from embedlab.utils.console import console

    parts = tuple(part) if part else PARTS
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise OptionError("--part", f"unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}")
    run_demo(out, parts=parts, quick=quick, console=console)
