"""``embedlab demo``: the guided tour on bundled data."""

from __future__ import annotations

from pathlib import Path

import typer

from embedlab.cli.options import choices
from embedlab.demo import PARTS

# The parts as a choice Typer validates and lists in the help (the names live once, in embedlab.demo.PARTS).
DemoPart = choices("DemoPart", PARTS)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Path = typer.Option(Path("demo-output"), "-o", "--output", help="Folder for the demo's models and plots."),
    part: list[DemoPart] = typer.Option(None, "--part", help="Run only this part (repeat for several)."),  # type: ignore[valid-type]
    quick: bool = typer.Option(False, "--quick", help="Smaller, faster versions of each part."),
) -> None:
    """Train, query, evaluate and plot on bundled data: the guided tour of embedlab."""
    from embedlab.demo import run_demo
    from embedlab.utils.console import console

    parts = tuple(dict.fromkeys(p.value for p in part)) if part else PARTS
    run_demo(out, parts=parts, quick=quick, console=console)
