"""STS metrics equal sentence-transformers' EmbeddingSimilarityEvaluator on the STS Benchmark dev split."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.data import load_scored_pairs
from embedlab.evaluate.similarity import SIMILARITIES, pair_scores, similarity_metrics
from testsupport import shared_path


def test_pair_scores_by_hand():
    a = np.array([[3.0, 4.0], [1.0, 0.0]], dtype=np.float32)
    b = np.array([[3.0, 4.0], [0.0, 2.0]], dtype=np.float32)
    assert pair_scores(a, b, "cosine").tolist() == pytest.approx([1.0, 0.0])
    assert pair_scores(a, b, "dot").tolist() == pytest.approx([25.0, 0.0])
    assert pair_scores(a, b, "euclidean").tolist() == pytest.approx([0.0, -(5**0.5)])
    assert pair_scores(a, b, "manhattan").tolist() == pytest.approx([0.0, -3.0])


@pytest.mark.slow
def test_stsb_dev_equals_embedding_similarity_evaluator(minilm, minilm_path):
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

    from embedlab.models.cache import CachedEncoder
    from embedlab.models.encoder import SentenceEncoder

    # 250 of the 1,500 dev pairs keep the test within its time budget; equality holds pair by pair.
    sts = load_scored_pairs(shared_path("stsb", "sts-dev.csv")).subset(250)
    enc = CachedEncoder(SentenceEncoder(minilm, "minilm", minilm_path), None)
    ours = similarity_metrics(enc.encode(sts.sentence1), enc.encode(sts.sentence2), sts.scores)
    ref = EmbeddingSimilarityEvaluator(
        sts.sentence1, sts.sentence2, sts.normalized(), similarity_fn_names=list(SIMILARITIES), write_csv=False
    )(minilm)
    for sim in SIMILARITIES:
        for corr in ("pearson", "spearman"):
            key = f"{corr}_{sim}"
            assert ours[key] == pytest.approx(float(ref[key]), abs=1e-6), key
    assert ours["spearman_cosine"] > 0.8
