"""Semantic textual similarity (STS): do embedding similarities order sentence pairs as people do?

Each pair is scored four ways (cosine similarity, dot product, negative Euclidean and negative Manhattan distance,
with sentence-transformers' own pairwise functions) and each score list is correlated with the gold scores:
Pearson (linear) and Spearman (rank; the usual headline number, e.g. 0.8203 for all-MiniLM-L6-v2 on the STS
Benchmark test split). The metric names and values are those of sentence-transformers'
``EmbeddingSimilarityEvaluator``.

Example:
    >>> sts = load_scored_pairs("stsb/sts-dev.csv")
    >>> similarity_metrics(enc.encode(sts.sentence1), enc.encode(sts.sentence2), sts.scores)["spearman_cosine"]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

Similarity = Literal["cosine", "dot", "euclidean", "manhattan"]
SIMILARITIES: tuple[Similarity, ...] = ("cosine", "dot", "euclidean", "manhattan")
MAIN_METRIC = "spearman_cosine"


def pair_scores(emb1: np.ndarray, emb2: np.ndarray, similarity: Similarity) -> np.ndarray:
    """Row-wise similarity of two equally long embedding matrices (higher = more similar)."""
    import torch
    from sentence_transformers.util import (
        pairwise_cos_sim,
        pairwise_dot_score,
        pairwise_euclidean_sim,
        pairwise_manhattan_sim,
    )

    fn = {
        "cosine": pairwise_cos_sim,
        "dot": pairwise_dot_score,
        "euclidean": pairwise_euclidean_sim,
        "manhattan": pairwise_manhattan_sim,
    }[similarity]
    a = torch.from_numpy(np.ascontiguousarray(emb1, dtype=np.float32))
    b = torch.from_numpy(np.ascontiguousarray(emb2, dtype=np.float32))
    return fn(a, b).detach().cpu().numpy()


def similarity_metrics(
    emb1: np.ndarray,
    emb2: np.ndarray,
    gold: Sequence[float],
    *,
    similarities: Sequence[Similarity] = SIMILARITIES,
) -> dict[str, float]:
    """``pearson_<sim>`` and ``spearman_<sim>`` for each similarity.

    Args:
        emb1, emb2: embeddings of the first and second sentence of each pair.
        gold: the gold scores (raw or normalised; correlations do not care).
        similarities: which scores to correlate.

    Example:
        >>> similarity_metrics(e1, e2, [0.0, 2.5, 5.0], similarities=["cosine"])
        {'pearson_cosine': ..., 'spearman_cosine': ...}
    """
    from scipy.stats import pearsonr, spearmanr

    out: dict[str, float] = {}
    for sim in similarities:
        scores = pair_scores(emb1, emb2, sim)
        out[f"pearson_{sim}"] = float(pearsonr(gold, scores)[0])
        out[f"spearman_{sim}"] = float(spearmanr(gold, scores)[0])
    return out
