"""Pooling comparison on real STS pairs: the sentence-trained model beats CLS pooling of the raw network."""

from __future__ import annotations

import pytest

from embedlab.explore import pooling_comparison
from testsupport import shared_path


@pytest.mark.slow
def test_pooling_on_stsb(cli, minilm_path):
    res = pooling_comparison(minilm_path, shared_path("stsb", "sts-dev.csv"), limit=50)
    names = [r[0] for r in res.rows]
    assert len(res.rows) == 3 and "sentence-trained" in names[0] and "CLS" in names[1] and "mean" in names[2]
    trained, cls = res.rows[0][1], res.rows[1][1]
    assert trained > cls  # CLS of the same network, never trained as a sentence vector, ranks pairs worse
    # MiniLM's own pooling is the mean (then normalised): naive mean pooling of its network gives the same Spearman
    assert res.rows[2][1] == pytest.approx(trained, abs=1e-6) and res.same_weights
