"""``embedlab distill``: a static model that plain sentence-transformers and every embedlab command load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("model2vec")


def test_bad_pca_dims_is_refused_before_any_work(cli, tmp_path: Path) -> None:
    code, _, err = cli("distill", "all-MiniLM-L6-v2", "-o", tmp_path / "out", "--pca-dims", "1")
    assert code == 2
    assert err.strip().endswith("option --pca-dims: must be at least 2, got 1")
    assert not (tmp_path / "out").exists()


def test_too_small_corpus_is_refused(cli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("one text\nanother text\n")
    code, _, err = cli("distill", "all-MiniLM-L6-v2", "-o", tmp_path / "out", "--corpus", corpus)
    assert code == 2
    assert "option --corpus:" in err and "has 2 texts; refining needs at least 20" in err


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.slow
def test_distilled_and_refined_model_loads_everywhere(cli, shared_data: Path, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    from embedlab.models import load_encoder

    lines = (shared_data / "stsb" / "sts-train.csv").read_text(encoding="utf-8").splitlines()[:400]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(p for line in lines for p in line.split("\t")[5:7]) + "\n", encoding="utf-8")
    out = tmp_path / "static"
    code, stdout, err = cli("distill", "all-MiniLM-L6-v2", "-o", out, "--pca-dims", "64", "--corpus", corpus)
    assert code == 0, err
    assert "x 64 dimensions, refined on 800 texts" in stdout.replace("\n", " ")

    plain = SentenceTransformer(str(out), device="cpu")
    assert type(plain[0]).__name__ == "StaticEmbedding"
    vecs = plain.encode(["A man is playing a guitar.", "A man plays the guitar.", "Stock markets fell sharply."])
    assert vecs.shape == (3, 64)
    # Still a sentence embedding: a paraphrase is nearer than an unrelated sentence.
    assert _cos(vecs[0], vecs[1]) > _cos(vecs[0], vecs[2]) + 0.2

    enc = load_encoder(str(out))
    assert enc.backend == "torch" and enc.dim == 64
    assert np.allclose(enc.encode_queries(["A man plays the guitar."])[0], vecs[1], atol=1e-5)
