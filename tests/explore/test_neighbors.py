"""Nearest neighbours of a query, best first, through the CLI."""

from __future__ import annotations

from embedlab.explore import nearest_neighbors
from embedlab.models.encoder import SentenceEncoder

CORPUS = ["Cats purr when they are happy.", "The train leaves at noon.", "Kittens like to play.", "Stocks fell."]


def test_neighbors(minilm, minilm_path, cli, tmp_path):
    hits = nearest_neighbors(SentenceEncoder(minilm, "minilm", minilm_path), CORPUS, "a young cat", k=2)
    assert [t for _, t in hits] == ["Kittens like to play.", "Cats purr when they are happy."]
    assert hits[0][0] >= hits[1][0]
    f = tmp_path / "c.txt"
    f.write_text("\n".join(CORPUS) + "\n")
    code, stdout, stderr = cli("explore", "neighbors", minilm_path, "a young cat", "--corpus", f, "-k", "1")
    assert code == 0, stderr
    assert "Kittens" in stdout and "Stocks" not in stdout
