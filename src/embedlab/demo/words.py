"""Demo part: Word embeddings: word2vec on Wikipedia (to be built)."""

from __future__ import annotations

from embedlab.demo import DemoContext

TITLE = "Word embeddings: word2vec on Wikipedia"


def run(ctx: DemoContext) -> None:
    ctx.console.print("[yellow]not built yet[/yellow]")
