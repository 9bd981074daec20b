"""Cross-encoder loading and scoring, and the `embedlab rerank score` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlab.errors import InputError, ModelNotFoundError, ParameterError
from embedlab.rerank.score import load_cross_encoder, rerank, score_pairs


@pytest.fixture(scope="module")
def ce(minilm_path):
    return load_cross_encoder(minilm_path, max_length=64, new_head=True)


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
    cls = load_cross_encoder(minilm_path, max_length=64, head="cls", new_head=True)
    assert type(cls.model).__name__ == "BertForSequenceClassification" and cls.num_labels == 1
    with pytest.raises(ParameterError, match=r"^head: unknown head 'max'"):
        load_cross_encoder(minilm_path, head="max", new_head=True)  # type: ignore[arg-type]


def test_a_model_that_is_not_a_trained_cross_encoder_is_refused(minilm_path, tmp_path):
    # a bi-encoder would score with a random head: random scores, so it is refused unless training asks for a head
    with pytest.raises(ModelNotFoundError, match="is not a trained cross-encoder"):
        load_cross_encoder(minilm_path)
    for bad in (0, -5):
        with pytest.raises(ParameterError, match=r"^max_length: must be at least 1 token"):
            load_cross_encoder(minilm_path, max_length=bad)
    kept = tmp_path / "kept-base-order"
    kept.mkdir()
    (kept / "metrics.json").write_text(json.dumps({"shipped": "base-order"}))
    with pytest.raises(ModelNotFoundError, match="holds no reranker: the trained one did not beat"):
        load_cross_encoder(kept)


def test_bad_input(ce):
    with pytest.raises(InputError, match="at least one passage"):
        score_pairs(ce, "q", [])
    with pytest.raises(InputError, match="query is empty"):
        score_pairs(ce, " ", ["p"])
    with pytest.raises(ModelNotFoundError):
        load_cross_encoder("no/such-model-offline")
    with pytest.raises(ModelNotFoundError, match="word-vector model"):
        load_cross_encoder("glove-6B-50d")


def test_cli_score(cli, ce, minilm_path, tmp_path):
    ce.save_pretrained(str(tmp_path / "ce"))
    code, stdout, stderr = cli(
        "rerank",
        "score",
        tmp_path / "ce",
        "capital of france",
        "Paris is the capital.",
        "Bananas.",
        "--json",
        "--sort",
    )
    assert code == 0, stderr
    rows = json.loads(stdout)
    assert len(rows) == 2 and rows[0]["score"] >= rows[1]["score"]
    code, _, stderr = cli("rerank", "score", "no-such-model", "q", "p")
    assert code == 2 and "error: model 'no-such-model'" in stderr
    code, _, stderr = cli("rerank", "score", minilm_path, "q", "p")
    assert code == 2 and "is not a trained cross-encoder" in stderr and len(stderr.strip().splitlines()) == 1
    for bad in ("0", "-5"):
        code, _, stderr = cli("rerank", "score", tmp_path / "ce", "q", "p", "--max-length", bad)
        assert code == 2 and f"option --max-length: must be at least 1 token, got {bad}" in stderr
