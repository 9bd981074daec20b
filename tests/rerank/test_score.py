"""Cross-encoder loading and scoring, and the `embedlab rerank score` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlab.errors import InputError, ModelNotFoundError
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
