"""The loss follows from the data's shape; the selectable variants build on the real model."""

from __future__ import annotations

import pytest

from embedlab.errors import ParameterError
from embedlab.train.losses import build_loss, resolve_loss_name
from embedlab.train.recipe import Recipe


@pytest.mark.parametrize(
    ("shape", "loss"),
    [("pairs", "mnrl"), ("triplets", "mnrl"), ("scored", "cosent"), ("nli", "softmax"), ("text", "tsdae")],
)
def test_auto_loss_by_shape(shape, loss):
    assert resolve_loss_name(shape, "auto") == loss


def test_a_loss_that_does_not_fit_the_data_is_refused():
    with pytest.raises(ParameterError, match="loss: 'cosent' does not fit pairs data"):
        resolve_loss_name("pairs", "cosent")
    with pytest.raises(ParameterError, match="set nli_as_triplets"):
        resolve_loss_name("nli", "mnrl")


def test_variants_build_with_reasons(minilm):
    pairs = build_loss(minilm, "pairs", Recipe(train="x"))
    assert type(pairs.loss).__name__ == "MultipleNegativesRankingLoss" and pairs.no_duplicates
    assert "in-batch" in pairs.reason or "negatives" in pairs.reason
    cached = build_loss(minilm, "pairs", Recipe(train="x", loss="cached-mnrl", mini_batch_size=4))
    assert type(cached.loss).__name__ == "CachedMultipleNegativesRankingLoss" and cached.loss.mini_batch_size == 4
    gist = build_loss(minilm, "triplets", Recipe(train="x", loss="gist"), guide=minilm)
    assert type(gist.loss).__name__ == "GISTEmbedLoss" and "false negatives" in gist.reason
    mat = build_loss(minilm, "scored", Recipe(train="x", matryoshka_dims=[128, 64]))
    assert type(mat.loss).__name__ == "MatryoshkaLoss" and list(mat.loss.matryoshka_dims) == [384, 128, 64]
    assert not mat.no_duplicates
    soft = build_loss(minilm, "nli", Recipe(train="x"))
    assert soft.loss.classifier.out_features == 3
    with pytest.raises(ParameterError, match="matryoshka_dims: dimensions must be at most"):
        build_loss(minilm, "pairs", Recipe(train="x", matryoshka_dims=[1024]))
