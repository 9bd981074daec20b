"""``embedlab demo``: the guided tour, one part per capability, run in order on bundled data.

Each part is a module in this package with ``TITLE`` and ``run(ctx) -> None``. Parts share a :class:`DemoContext`:
a part leaves what later parts need in ``ctx.artifacts`` (the retrieval part indexes with the model the training part
fine-tuned, for instance).
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule

PARTS: tuple[str, ...] = ("words", "sentence", "retrieval")


@dataclass
class DemoContext:
    """What demo parts share.

    Attributes:
        out: the folder where parts write their outputs (models, plots, indexes).
        console: where to print.
        quick: run smaller versions (used by the tests).
        artifacts: outputs of earlier parts, by name.
    """

    out: Path
    console: Console
    quick: bool = False
    artifacts: dict[str, Any] = field(default_factory=dict)


def run_demo(
    out: str | Path, *, parts: tuple[str, ...] = PARTS, quick: bool = False, console: Console | None = None
) -> DemoContext:
    """Run the demo parts in order.

    Args:
        out: output folder.
        parts: which parts to run, by name (see :data:`PARTS`).
        quick: smaller, faster versions of each part.
        console: rich console to print to.
    """
    ctx = DemoContext(out=Path(out), console=console or Console(), quick=quick)
    ctx.out.mkdir(parents=True, exist_ok=True)
    for name in parts:
        module = importlib.import_module(f"embedlab.demo.{name}")
        ctx.console.print(Rule(f"[bold]{module.TITLE}"))
        start = time.perf_counter()
        module.run(ctx)
        ctx.console.print(f"[dim]{name} part done in {time.perf_counter() - start:.1f} s[/dim]\n")
    return ctx
