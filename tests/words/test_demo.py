from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console


@pytest.mark.slow
def test_words_demo_quick(tmp_path: Path) -> None:
    from embedlab.demo import run_demo

    buf = io.StringIO()
    ctx = run_demo(tmp_path, parts=("words",), quick=True, console=Console(file=buf, width=120))
    text = buf.getvalue()
    assert "Nearest neighbours" in text
    assert "GloVe 6B 50d" in text and "wordsim353.tsv Spearman" in text
    assert "king - man + woman = queen" in text
    assert (ctx.artifacts["word_vectors"] / "vectors.npy").exists()
    assert ctx.artifacts["word_plot"].exists()
