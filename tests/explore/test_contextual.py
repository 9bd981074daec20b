"""Contextual vectors: 'bat' the animal vs 'bat' the club differ in MiniLM; a static vector's self-similarity is 1."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InputError
from embedlab.explore import contextual_similarity

ANIMAL = "The bat flew out of the cave at night."
CLUB = "He swung the bat and hit a home run."
ANIMAL2 = "A bat hung upside down in the dark barn."


def test_contextual_vectors_differ_by_sense(minilm):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=3)
    kv.add_vectors(["bat"], np.array([[0.1, 0.2, 0.3]], dtype=np.float32))
    res = contextual_similarity(minilm, "bat", [ANIMAL, CLUB, ANIMAL2], static=kv)
    assert res.vectors.shape == (3, 384)
    assert res.matrix[0, 2] > res.matrix[0, 1]  # two animals closer than animal and club
    assert res.matrix[0, 1] < 0.95
    assert res.static_similarity == pytest.approx(1.0)


def test_word_missing_from_sentence(minilm):
    with pytest.raises(InputError, match="does not occur"):
        contextual_similarity(minilm, "bat", [ANIMAL, "No such word here."])
