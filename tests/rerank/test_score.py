"""Cross-encoder loading and scoring, and the `embedlab rerank score` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlab.errors import InputError, ModelNotFoundError, OptionError
from embedlab.rerank.score import load_cross_encoder, rerank, score_pairs


@pytest.fixture(scope="module")
def ce(minilm_path):
    return load_cross_encoder(minilm_path, max_length=64)


def test_scores_match_the_cross_encoder(ce):
    passages = ["Paris is the capital of France.", "Bananas are yellow.", "Berlin is in Germany."]
    scores = score_pairs(ce, "capital of france", passages)
    expected = ce.predict([("capital of france", p) for p in passages])
    assert scores == pytest.approx([float(x) for x in expected], abs=1e-6)
    order = rerank(ce, "capital of france", passages, top_k=2)
    assert [i for i, _ in order] == list(np.argsort(-np.array(scores))[:2])


def test_heads_of_a_fresh_cross_encoder_and_their_round_trip(ce, minilm_path, tmp_path):
    from sentence_transformers.cross_encoder import CrossEncoder

    # mean head: sentence-transformers modules (encoder, mean pooling, a 1-output linear layer)
    assert [type(m).__name__ for m in ce] == ["Transformer", "Pooling", "Dense"] and ce.num_labels == 1
    assert ce.max_length == 64
    pairs = [("capital of france", "Paris is the capital of France."), ("capital of france", "Bananas.")]
    ce.save_pretrained(str(tmp_path / "mean"))
    again = load_cross_encoder(tmp_path / "mean")  # a saved cross-encoder: no second fresh head
    plain = CrossEncoder(str(tmp_path / "mean"))  # and plain sentence-transformers loads it too
    assert again.max_length == 64
    np.testing.assert_allclose(again.predict(pairs), ce.predict(pairs), atol=1e-6)
    np.testing.assert_allclose(plain.predict(pairs), ce.predict(pairs), atol=1e-6)
    cls = load_cross_encoder(minilm_path, max_length=64, head="cls")
    assert type(cls.model).__name__ == "BertForSequenceClassification" and cls.num_labels == 1
    with pytest.raises(OptionError, match="--head"):
        load_cross_encoder(minilm_path, head="max")  # type: ignore[arg-type]


def test_bad_input(ce):
    with pytest.raises(InputError, match="at least one passage"):
        score_pairs(ce, "q", [])
    with pytest.raises(InputError, match="query is empty"):
        score_pairs(ce, " ", ["p"])
    with pytest.raises(ModelNotFoundError):
        load_cross_encoder("no/such-model-offline")
    with pytest.raises(ModelNotFoundError, match="word-vector model"):
        load_cross_encoder("glove-6B-50d")


def test_cli_score(cli, minilm_path):
    code, stdout, stderr = cli(
        "rerank", "score", minilm_path, "capital of france", "Paris is the capital.", "Bananas.", "--json", "--sort"
    )
    assert code == 0, stderr
    rows = json.loads(stdout)
    assert len(rows) == 2 and rows[0]["score"] >= rows[1]["score"]
    code, _, stderr = cli("rerank", "score", "no-such-model", "q", "p")
    assert code == 2 and "error: model 'no-such-model'" in stderr
