"""Similarity heatmap: paraphrases closer than unrelated sentences; HTML and PNG written by the CLI."""

from __future__ import annotations

import numpy as np

from embedlab.explore import similarity_heatmap
from embedlab.models.encoder import SentenceEncoder

SENTENCES = ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell sharply today."]


def test_heatmap_matrix(minilm, minilm_path):
    sims, fig = similarity_heatmap(SentenceEncoder(minilm, "minilm", minilm_path), SENTENCES)
    assert sims.shape == (3, 3) and np.allclose(np.diag(sims), 1.0, atol=1e-5)
    assert sims[0, 1] > sims[0, 2] + 0.3
    assert fig.data[0].type == "heatmap"


def test_heatmap_cli(cli, tmp_path, minilm_path):
    f = tmp_path / "s.txt"
    f.write_text("\n".join(SENTENCES) + "\n")
    code, stdout, stderr = cli("explore", "heatmap", minilm_path, "--sentences", f, "-o", tmp_path / "out" / "hm")
    assert code == 0, stderr
    assert "Someone plays" in stdout
    assert (tmp_path / "out" / "hm.html").stat().st_size > 1_000_000  # plotly.js inline
    assert (tmp_path / "out" / "hm.png").read_bytes()[:4] == b"\x89PNG"


def test_heatmap_needs_two_sentences(cli, tmp_path):
    f = tmp_path / "one.txt"
    f.write_text("only one\n")
    code, _, stderr = cli("explore", "heatmap", "all-MiniLM-L6-v2", "--sentences", f)
    assert code == 2 and "at least two sentences" in stderr
