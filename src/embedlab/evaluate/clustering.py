"""Clustering: does k-means on the embeddings recover the labels?

k-means with as many clusters as labels, scored by V-measure (the harmonic mean of homogeneity, each cluster holds
one label, and completeness, each label falls in one cluster; 1.0 is perfect, independent of cluster numbering).
scikit-learn's ``KMeans`` (``n_init=10``) with a fixed seed, so a run is repeatable.

Example:
    >>> texts, labels = load_labeled_texts("banking77/train.csv")
    >>> clustering_metrics(enc.encode(texts), labels)["v_measure"]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAIN_METRIC = "v_measure"


def clustering_metrics(
    embeddings: np.ndarray, labels: Sequence[str], *, n_clusters: int | None = None, seed: int = 42, n_init: int = 10
) -> dict[str, float]:
    """V-measure (and homogeneity, completeness) of k-means clusters against the labels.

    Args:
        embeddings: one row per text.
        labels: the gold label of each text.
        n_clusters: default the number of distinct labels.
        seed: k-means random state.
        n_init: k-means restarts (the best inertia wins).

    Example:
        >>> clustering_metrics(emb, ["a", "a", "b", "b"])["v_measure"]
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import homogeneity_completeness_v_measure

    k = n_clusters or len(set(labels))
    pred = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(np.asarray(embeddings, dtype=np.float64))
    h, c, v = homogeneity_completeness_v_measure(list(labels), pred)
    return {"v_measure": float(v), "homogeneity": float(h), "completeness": float(c)}
