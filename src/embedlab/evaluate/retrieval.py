"""Retrieval metrics: how high do the relevant documents rank when queries and documents are embedded?

Every document is scored against every query (cosine and/or dot product), the top ``max_k`` documents are ranked by
score with ties broken by ascending document id, and the ranking is judged against the relevance labels:

* ``accuracy@k``: share of queries with at least one relevant document in the top k;
* ``precision@k`` / ``recall@k``: relevant documents in the top k, over k / over all relevant documents;
* ``mrr@10``: mean reciprocal rank of the first relevant document (0 when none is in the top 10);
* ``ndcg@10``: discounted cumulative gain (gain = relevance grade, discount log2(rank + 1)) over the ideal one;
* ``map@100``: mean average precision, normalised by min(k, number of relevant documents).

The definitions and the tie-breaking are those of sentence-transformers' ``InformationRetrievalEvaluator``, so
on binary relevance the numbers are equal to it; with graded relevance (grades > 1) NDCG uses the grades as gains,
as ``pytrec_eval``'s ``ndcg_cut`` does, and a document counts as relevant for the other metrics when its grade is
at least 1. The ranking and metrics are written here, vectorised with NumPy, because the evaluator can only encode
with a model itself while embedlab reuses cached embeddings; scores come from sentence-transformers' own
``cos_sim`` / ``dot_score``.

Example:
    >>> ds = load_ir("aims_qa/train_dataset.json")
    >>> q = enc.encode(list(ds.queries.values())); d = enc.encode(list(ds.corpus.values()))
    >>> retrieval_metrics(ds, q, d)["cosine_ndcg@10"]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from embedlab.data import IRDataset

ScoreFunction = Literal["cosine", "dot"]
ACCURACY_AT_K = (1, 3, 5, 10)
PRECISION_RECALL_AT_K = (1, 3, 5, 10)
MRR_AT_K = (10,)
NDCG_AT_K = (10,)
MAP_AT_K = (100,)
MAIN_METRIC = "cosine_ndcg@10"


def _scores(query_emb: np.ndarray, doc_emb: np.ndarray, fn: ScoreFunction) -> np.ndarray:
    import torch
    from sentence_transformers.util import cos_sim, dot_score

    q = torch.from_numpy(np.ascontiguousarray(query_emb, dtype=np.float32))
    d = torch.from_numpy(np.ascontiguousarray(doc_emb, dtype=np.float32))
    return (cos_sim(q, d) if fn == "cosine" else dot_score(q, d)).numpy()


def rank(scores: np.ndarray, doc_ids: Sequence[str], top_k: int) -> list[list[int]]:
    """Top ``top_k`` document indices per query, by score descending then document id ascending.

    Ties at the cut-off are resolved by id too, so the ranking does not depend on the corpus order.
    """
    n = scores.shape[1]
    top_k = min(top_k, n)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")] = np.arange(n)
    out: list[list[int]] = []
    for row in scores:
        if top_k < n:
            part = np.argpartition(-row, top_k - 1)[:top_k]
            threshold = row[part].min()
            cand = np.nonzero(row >= threshold)[0]
        else:
            cand = np.arange(n)
        order = np.lexsort((id_rank[cand], -row[cand]))
        out.append(cand[order][:top_k].tolist())
    return out


def ranking_metrics(
    rankings: Sequence[Sequence[str]],
    relevant: Sequence[dict[str, int]],
    *,
    accuracy_at_k: Sequence[int] = ACCURACY_AT_K,
    precision_recall_at_k: Sequence[int] = PRECISION_RECALL_AT_K,
    mrr_at_k: Sequence[int] = MRR_AT_K,
    ndcg_at_k: Sequence[int] = NDCG_AT_K,
    map_at_k: Sequence[int] = MAP_AT_K,
) -> dict[str, float]:
    """Metrics of ranked document ids against graded judgements (one ranking and one dict per query).

    Example:
        >>> ranking_metrics([["d2", "d1"]], [{"d1": 1}])["mrr@10"]
        0.5
    """
    max_k = max([*accuracy_at_k, *precision_recall_at_k, *mrr_at_k, *ndcg_at_k, *map_at_k])
    nq = len(rankings)
    grades = np.zeros((nq, max_k), dtype=np.float64)
    for i, (ranked, rel) in enumerate(zip(rankings, relevant, strict=True)):
        for r, doc in enumerate(ranked[:max_k]):
            grades[i, r] = rel.get(doc, 0)
    hit = grades >= 1
    n_rel = np.array([sum(1 for g in rel.values() if g >= 1) for rel in relevant], dtype=np.float64)
    discount = 1.0 / np.log2(np.arange(2, max_k + 2))
    out: dict[str, float] = {}
    for k in accuracy_at_k:
        out[f"accuracy@{k}"] = float(hit[:, :k].any(axis=1).mean())
    for k in precision_recall_at_k:
        correct = hit[:, :k].sum(axis=1)
        out[f"precision@{k}"] = float(np.mean(correct / k))
        out[f"recall@{k}"] = float(np.mean(correct / n_rel))
    for k in mrr_at_k:
        found = hit[:, :k].any(axis=1)
        reciprocal = np.zeros(nq)
        reciprocal[found] = 1.0 / (hit[found, :k].argmax(axis=1) + 1)
        out[f"mrr@{k}"] = float(reciprocal.sum() / nq)
    for k in ndcg_at_k:
        dcg = (grades[:, :k] * discount[:k]).sum(axis=1)
        ideal = np.zeros((nq, k))
        for i, rel in enumerate(relevant):
            best = sorted((g for g in rel.values() if g > 0), reverse=True)[:k]
            ideal[i, : len(best)] = best
        idcg = (ideal * discount[:k]).sum(axis=1)
        out[f"ndcg@{k}"] = float(np.mean(np.divide(dcg, idcg, out=np.zeros_like(dcg), where=idcg > 0)))
    for k in map_at_k:
        h = hit[:, :k]
        precision_at_hits = np.cumsum(h, axis=1) / np.arange(1, k + 1) * h
        out[f"map@{k}"] = float(np.mean(precision_at_hits.sum(axis=1) / np.minimum(k, n_rel)))
    return out


def retrieval_metrics(
    dataset: IRDataset,
    query_embeddings: np.ndarray,
    doc_embeddings: np.ndarray,
    *,
    score_functions: Sequence[ScoreFunction] = ("cosine", "dot"),
) -> dict[str, float]:
    """All retrieval metrics for each score function, named ``<function>_<metric>@k`` as sentence-transformers does.

    Args:
        dataset: the queries, corpus and judgements.
        query_embeddings: one row per query, in ``dataset.queries`` order.
        doc_embeddings: one row per document, in ``dataset.corpus`` order.
        score_functions: ``cosine`` and/or ``dot``.

    Example:
        >>> m = retrieval_metrics(ds, q, d)
        >>> m["cosine_accuracy@1"], m["dot_map@100"]
    """
    doc_ids = list(dataset.corpus)
    query_ids = list(dataset.queries)
    relevant = [dataset.relevant[q] for q in query_ids]
    max_k = max(*ACCURACY_AT_K, *PRECISION_RECALL_AT_K, *MRR_AT_K, *NDCG_AT_K, *MAP_AT_K)
    out: dict[str, float] = {}
    for fn in score_functions:
        scores = _scores(query_embeddings, doc_embeddings, fn)
        ranked = [[doc_ids[j] for j in row] for row in rank(scores, doc_ids, max_k)]
        for name, value in ranking_metrics(ranked, relevant).items():
            out[f"{fn}_{name}"] = value
    return out
