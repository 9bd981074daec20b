"""Demo part: Retrieval: index, search, rerank (to be built)."""

from __future__ import annotations

from embedlab.demo import DemoContext

TITLE = "Retrieval: index, search, rerank"


def run(ctx: DemoContext) -> None:
    ctx.console.print("[yellow]not built yet[/yellow]")
