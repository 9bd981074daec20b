"""Fixtures shared by the exploration tests (import them into a test module): a tiny real word-vector model."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport import save_tiny_kv

WORDS = {
    "cat": [1.0, 0.1, 0.0, 0.0],
    "kitten": [0.9, 0.2, 0.0, 0.1],
    "dog": [0.8, 0.0, 0.3, 0.0],
    "truck": [0.1, 0.9, 0.1, 0.3],
    "car": [0.0, 1.0, 0.0, 0.2],
    "drives": [0.0, 0.5, 0.0, 0.8],
    "sleeps": [0.3, 0.0, 0.0, 0.9],
    "the": [0.1, 0.1, 0.1, 0.1],
    "a": [0.1, 0.1, 0.1, 0.1],
    "what": [0.2, 0.3, 0.1, 0.0],
}


@pytest.fixture()
def tiny_kv(tmp_path: Path) -> str:
    """A small gensim KeyedVectors model saved as .kv."""
    return save_tiny_kv(WORDS, tmp_path / "tiny.kv")
