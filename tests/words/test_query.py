from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ParameterError, UnknownWordError
from embedlab.words import analogy, similar, similarity, suggest, vector


def test_similar_and_vector(glove) -> None:
    result = similar(glove, "frog", topn=5)
    assert len(result) == 5 and "frog" not in [w for w, _ in result]
    assert [s for _, s in result] == sorted((s for _, s in result), reverse=True)
    assert "toad" in [w for w, _ in similar(glove, "frog", topn=10)]
    v = vector(glove, "cat")
    assert v.shape == (50,) and np.allclose(v, glove["cat"])
    assert np.isclose(np.linalg.norm(vector(glove, "cat", norm=True)), 1.0, atol=1e-5)
    assert similarity(glove, "cat", "dog") > similarity(glove, "cat", "democracy")


def test_analogy_king_queen(glove) -> None:
    answers = analogy(glove, positive=["king", "woman"], negative=["man"], topn=3)
    assert answers[0][0] == "queen"
    assert not {"king", "woman", "man"} & {w for w, _ in answers}


def test_unknown_word_suggests_spellings(glove) -> None:
    with pytest.raises(UnknownWordError) as info:
        similar(glove, "Froggg")
    assert "'Froggg' is not in the vocabulary" in str(info.value)
    assert "frog" in info.value.suggestions
    assert suggest(glove, "Paris")[0] == "paris"  # the case variant first
    with pytest.raises(UnknownWordError, match="qqqzzzxxy"):
        analogy(glove, ["king", "qqqzzzxxy"], ["man"])


def test_bad_query_options(glove) -> None:
    with pytest.raises(ParameterError, match=r"^topn:"):
        similar(glove, "cat", topn=0)
    with pytest.raises(ParameterError, match=r"^positive:"):
        analogy(glove, [], ["man"])
