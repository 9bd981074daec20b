"""The guided tour end to end in quick mode: the sentence part hands its fine-tuned model to the retrieval part."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from embedlab.demo import run_demo


@pytest.mark.slow
def test_sentence_and_retrieval_parts_chain_through_artifacts(tmp_path: Path, capfd) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=160)
    ctx = run_demo(tmp_path / "demo", parts=("sentence", "retrieval"), quick=True, console=console)
    model_dir = Path(ctx.artifacts["sentence_model"])
    assert (model_dir / "modules.json").is_file()
    assert model_dir.is_relative_to(tmp_path)
    out = buffer.getvalue()
    # The retrieval part indexes with the model the sentence part trained, and prints each search mode.
    assert str(model_dir.name) in out
    for mode in ("dense", "hybrid"):
        assert mode in out.lower()
    # no library progress bars beside embedlab's own output (training, mining)
    err = capfd.readouterr().err
    assert "Computing widget examples" not in err and "Batches:" not in err
