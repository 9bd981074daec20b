"""k-means V-measure."""

from __future__ import annotations

import numpy as np

from embedlab.evaluate.clustering import clustering_metrics


def test_v_measure_perfect_and_random():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, 16)) * 10
    labels = [f"c{i % 4}" for i in range(80)]
    x = np.stack([centers[i % 4] + rng.normal(size=16) * 0.1 for i in range(80)])
    assert clustering_metrics(x, labels)["v_measure"] == 1.0
    noise = rng.normal(size=(80, 16))
    assert clustering_metrics(noise, labels)["v_measure"] < 0.3
