"""Negative mining with the false-negative guards, on real text with the real MiniLM."""

from __future__ import annotations

import pytest
from datasets import Dataset

from embedlab.data.mine_negatives import mine_negatives
from embedlab.errors import InputError, ParameterError

TOPICS = {
    "cats": ["Cats purr when they are content.", "A kitten drinks milk from a bowl.", "The cat climbed the tree."],
    "rain": ["Heavy rain flooded the streets.", "The storm brought thunder and rain.", "Umbrellas keep you dry."],
    "code": ["Python lists are mutable.", "A compiler turns source code into machine code.", "Git tracks changes."],
    "food": ["Bread is baked in an oven.", "Pasta boils in salted water.", "Apples are crisp and sweet."],
}


def _pairs():
    anchors = [
        "What sound does a happy cat make?",
        "What happens in a storm?",
        "What does a compiler do?",
        "How is bread made?",
    ]
    positives = [TOPICS["cats"][0], TOPICS["rain"][1], TOPICS["code"][1], TOPICS["food"][0]]
    corpus = [t for ts in TOPICS.values() for t in ts]
    return Dataset.from_dict({"anchor": anchors, "positive": positives}), corpus


@pytest.mark.slow
def test_hard_negatives_are_on_topic_and_respect_the_guards(minilm):
    ds, corpus = _pairs()
    out = mine_negatives(ds, corpus=corpus, model=minilm, num_negatives=1, range_max=6, relative_margin=0.05)
    assert out.column_names == ["anchor", "positive", "negative"]
    assert len(out) >= 3
    for row in out:
        assert row["negative"] != row["positive"]
        a, p, n = minilm.encode([row["anchor"], row["positive"], row["negative"]], normalize_embeddings=True)
        assert float(a @ n) <= 0.95 * float(a @ p) + 1e-5  # relative margin of 5 %
    # a hard negative for the cat question is another cat sentence
    cat = [r for r in out if "cat" in r["anchor"]]
    assert cat and cat[0]["negative"] in TOPICS["cats"]
    # n-tuple format with two negatives
    tup = mine_negatives(ds, corpus=corpus, model=minilm, num_negatives=2, output_format="n-tuple")
    assert tup.column_names == ["anchor", "positive", "negative_1", "negative_2"]


@pytest.mark.slow
def test_semi_hard_band_and_easy(minilm):
    ds, corpus = _pairs()
    semi = mine_negatives(ds, corpus=corpus, model=minilm, kind="semi-hard", semi_hard_window=0.5)
    for row in semi:
        a, p, n = minilm.encode([row["anchor"], row["positive"], row["negative"]], normalize_embeddings=True)
        assert float(a @ p) - 0.5 < float(a @ n) < float(a @ p) + 1e-6
    easy = mine_negatives(ds, corpus=corpus, kind="easy", num_negatives=2, seed=1)
    assert len(easy) == 8 and all(r["negative"] != r["positive"] for r in easy)
    assert list(easy) == list(mine_negatives(ds, corpus=corpus, kind="easy", num_negatives=2, seed=1))


def test_bad_options():
    ds, corpus = _pairs()
    with pytest.raises(ParameterError, match=r"^range_max: "):
        mine_negatives(ds, corpus=corpus, kind="easy", num_negatives=3, range_min=2, range_max=4)
    # NaN passes every comparison, so a NaN margin would silently switch the guard off: refused up front.
    with pytest.raises(ParameterError, match=r"^absolute_margin: must be a finite number, got nan"):
        mine_negatives(ds, corpus=corpus, model="no-such-model", absolute_margin=float("nan"))
    with pytest.raises(ParameterError, match=r"^kind: 'medium' is not one of"):
        mine_negatives(ds, corpus=corpus, kind="medium")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="too small"):
        mine_negatives(ds, corpus=corpus[:2], kind="easy", num_negatives=2)
    with pytest.raises(InputError, match="'positive' column"):
        mine_negatives(Dataset.from_dict({"anchor": ["a"]}), kind="easy")


@pytest.mark.slow
def test_any_encoder_ranks_semi_hard_and_hard_needs_sentence_transformers():
    from embedlab.models import load_encoder

    ds, corpus = _pairs()
    glove = load_encoder("glove-6B-50d")  # averaged word vectors: an Encoder that is not a SentenceTransformer
    semi = mine_negatives(ds, corpus=corpus, model=glove, kind="semi-hard", semi_hard_window=1.0)
    assert len(semi) >= 1 and all(r["negative"] != r["positive"] for r in semi)
    a = glove.encode_queries(semi["anchor"], normalize=True)
    p = glove.encode_documents(semi["positive"], normalize=True)
    n = glove.encode_documents(semi["negative"], normalize=True)
    assert ((a * n).sum(axis=1) < (a * p).sum(axis=1) + 1e-6).all()  # below the positive, as the band says
    with pytest.raises(ParameterError, match=r"^kind: hard mining .* use semi-hard or easy"):
        mine_negatives(ds, corpus=corpus, model=glove, kind="hard")
