"""Helpers that test modules import by name (``from testsupport import shared_path``).

They live here rather than in ``conftest.py`` because several test folders have their own ``conftest.py``, and
``from conftest import ...`` would pick whichever of them Python imported first.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


# Short and long, question and statement: what the encoder-backend tests embed on every backend.
SAMPLE_SENTENCES = [
    "A man is playing a guitar.",
    "How do I reset my password?",
    "ok",
    "Two dogs run through a field of fresh snow near the old mill, chasing each other past the frozen river bank.",
    "What is the capital of Australia?",
]


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; the test is skipped with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data set not found: {path} (../shared/data beside the checkout)")
    return path


def save_tiny_kv(words: dict[str, list[float]], path: Path) -> str:
    """Save ``words`` (word -> vector) as a word2vec binary file (named as given); returns its path as a str."""
    import numpy as np
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=len(next(iter(words.values()))))
    kv.add_vectors(list(words), np.array(list(words.values()), dtype=np.float32))
    kv.save_word2vec_format(str(path), binary=True)  # not kv.save(): a pickle, refused without trust_pickle
    return str(path)


# A tiny word-vector vocabulary: cats and dogs, cars and roads (the evaluation and model tests use it).
WORDS = {
    "cat": [1.0, 0.1, 0.0, 0.0],
    "kitten": [0.9, 0.2, 0.0, 0.1],
    "dog": [0.8, 0.0, 0.3, 0.0],
    "puppy": [0.7, 0.1, 0.4, 0.0],
    "car": [0.0, 1.0, 0.0, 0.2],
    "truck": [0.1, 0.9, 0.1, 0.3],
    "road": [0.0, 0.7, 0.0, 0.6],
    "sleeps": [0.3, 0.0, 0.0, 0.9],
    "drives": [0.0, 0.5, 0.0, 0.8],
    "the": [0.1, 0.1, 0.1, 0.1],
    "a": [0.1, 0.1, 0.1, 0.1],
}
