"""Demo part: Sentence embeddings: fine-tune MiniLM on pairs from unlabeled text (to be built)."""

from __future__ import annotations

from embedlab.demo import DemoContext

TITLE = "Sentence embeddings: fine-tune MiniLM on pairs from unlabeled text"


def run(ctx: DemoContext) -> None:
    ctx.console.print("[yellow]not built yet[/yellow]")
