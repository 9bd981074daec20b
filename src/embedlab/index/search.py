"""Search: dense, lexical (BM25) and hybrid retrieval, then optional cross-encoder reranking and MMR.

The stages, in order:

1. **Retrieve** candidates: *dense* (the query's embedding against the document vectors, by ANN or exactly), *bm25*
   (term matching, strong on names, codes and rare words that embeddings blur), or *hybrid* (both, fused).
2. **Fuse** (hybrid only): *reciprocal rank fusion* ``sum 1 / (rrf_k + rank)`` uses only ranks, so it needs no score
   calibration; *weighted* min-max-normalises each list's scores to [0, 1] and mixes them, ``alpha * dense +
   (1 - alpha) * bm25``, a document missing from a list scoring 0 there.
3. **Rerank** the top N with a cross-encoder, which reads query and passage together: slower, much sharper.
4. **MMR** (maximal marginal relevance) picks results one at a time maximising
   ``lambda * relevance - (1 - lambda) * max cosine to the results already picked``: ``lambda=1`` keeps the order,
   lower values trade relevance for diversity (fewer near-duplicates).

Every hit carries the score of each stage it went through, so results can be explained.

Example:
    >>> index = Index.load("wiki-index")
    >>> for hit in index.search("who wrote hamlet", mode="hybrid", mmr=0.7, k=5):
    ...     print(hit.id, hit.scores)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from embedlab.errors import ParameterError
from embedlab.index.settings import FUSIONS, MODES, Fusion, Mode, SearchSettings  # noqa: F401 - re-exported
from embedlab.index.store import FirstStage, Store


@dataclass
class Hit:
    """One search result.

    Attributes:
        id: chunk id (the document id when documents are not chunked).
        doc_id: the document it comes from.
        text: the chunk text.
        score: the final score (of the last stage that ranked it).
        scores: score of each stage: ``dense``, ``bm25``, ``hybrid``, ``rerank``, ``mmr``.
        metadata: the document's other fields.
        start: character offset of the chunk in its document.
        end: character offset one past its end.
    """

    id: str
    doc_id: str
    text: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rrf(lists: Sequence[Sequence[tuple[str, float]]], *, k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked lists: ``score(d) = sum over lists of 1 / (k + rank of d)`` (rank from 1).

    Example:
        >>> rrf([[("a", 0.9), ("b", 0.5)], [("b", 7.0), ("c", 3.0)]], k=60)[0][0]
        'b'
    """
    scores: dict[str, float] = {}
    for ranked in lists:
        for rank, (doc, _) in enumerate(ranked, 1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def minmax(ranked: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Scores scaled to [0, 1] within one list (all 1.0 when they are equal)."""
    if not ranked:
        return {}
    values = np.array([s for _, s in ranked], dtype=np.float64)
    lo, hi = values.min(), values.max()
    if hi - lo <= 1e-12:
        return {d: 1.0 for d, _ in ranked}
    return {d: float((s - lo) / (hi - lo)) for d, s in ranked}


def weighted(
    dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]], *, alpha: float = 0.5
) -> list[tuple[str, float]]:
    """Weighted fusion of min-max-normalised scores: ``alpha * dense + (1 - alpha) * bm25``."""
    if not 0.0 <= alpha <= 1.0:
        raise ParameterError("alpha", f"must be between 0 and 1, got {alpha}")
    nd, nl = minmax(dense), minmax(lexical)
    fused = {d: alpha * nd.get(d, 0.0) + (1 - alpha) * nl.get(d, 0.0) for d in {*nd, *nl}}
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def mmr(relevance: Sequence[float], vectors: np.ndarray, k: int, *, lambda_: float = 0.5) -> list[tuple[int, float]]:
    """Maximal marginal relevance: pick ``k`` of the candidates, balancing relevance against redundancy.

    Args:
        relevance: relevance of each candidate to the query (cosine similarity or a normalised score).
        vectors: candidate vectors (rows), compared by cosine similarity.
        k: how many to pick.
        lambda_: 1 = relevance only (the input order), 0 = diversity only.

    Returns:
        ``(candidate position, mmr score)`` in pick order.

    Example:
        >>> mmr([0.9, 0.89, 0.5], np.array([[1, 0], [1, 0.01], [0, 1]]), 2, lambda_=0.5)
        [(0, 0.45), (2, 0.25)]
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ParameterError("mmr", f"lambda must be between 0 and 1, got {lambda_}")
    rel = np.asarray(relevance, dtype=np.float64)
    n = len(rel)
    if n == 0:
        return []
    v = np.asarray(vectors, dtype=np.float64)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    sim = v @ v.T
    picked: list[tuple[int, float]] = []
    max_sim = np.full(n, -np.inf)
    free = np.ones(n, dtype=bool)
    for _ in range(min(k, n)):
        redundancy = np.where(np.isinf(max_sim), 0.0, max_sim)
        score = lambda_ * rel - (1 - lambda_) * redundancy
        score[~free] = -np.inf
        best = int(np.argmax(score))  # first of equal scores: ties keep the input order
        picked.append((best, round(float(score[best]), 6)))
        free[best] = False
        max_sim = np.maximum(max_sim, sim[best])
    return picked


def run_search(
    store: Store,
    query: str,
    query_vector: np.ndarray | None,
    settings: SearchSettings | None = None,
    *,
    conditions: Sequence[Any] = (),
    reranker: Any = None,
) -> list[Hit]:
    """Run the search stages over a :class:`~embedlab.index.store.Store` (the store may do a stage natively).

    ``query_vector`` must be given for dense and hybrid modes. ``settings.candidates`` is how deep each first-stage
    list goes (default: enough for k, the reranker's top N and MMR's pool, and at least 50 for hybrid fusion).

    Args:
        store: where the chunks, vectors and BM25 index live.
        query: the query text.
        query_vector: its embedding (None for ``bm25``).
        settings: k, mode, fusion, alpha, rrf_k, candidates, mmr, rerank_top, exact (None: the defaults).
        conditions: typed metadata filters every stage honours.
        reranker: ``texts -> scores`` of the query against each text, or None.

    Example:
        >>> run_search(store, "capital of France", vec, SearchSettings(k=5, mode="hybrid"))  # doctest: +SKIP
    """
    s = (settings if settings is not None else SearchSettings()).validate()  # candidates >= 1 included
    request = _first_stage(s, query, query_vector, conditions, reranked=reranker is not None)
    stage: dict[str, dict[str, float]] = {}
    ranked = store.native_search(request, stage)
    mmr_done = ranked is not None and request.mmr_lambda is not None
    if ranked is None:
        ranked = _client_first_stage(store, request, s, stage)
    last = s.mode  # the stage whose scores MMR reads as relevance
    if reranker is not None and ranked:
        ranked = _rerank(store, ranked, reranker, s.rerank_top, stage)
        last = "rerank"
    if s.mmr is not None and not mmr_done and ranked:
        ranked = _diversify(store, ranked[: max(request.depth, s.k)], s.k, s.mmr, stage, last)
    ranked = ranked[: s.k]
    chunks = store.get([d for d, _ in ranked])
    hits = []
    for (d, score), c in zip(ranked, chunks, strict=False):
        scores = {name: values[d] for name, values in stage.items() if d in values}
        hits.append(Hit(c.id, c.doc_id, c.text, float(score), scores, dict(c.metadata), c.start, c.end))
    return hits


def _first_stage(
    s: SearchSettings, query: str, query_vector: np.ndarray | None, conditions: Sequence[Any], *, reranked: bool
) -> FirstStage:
    """The first stage a search asks of its store: how deep each list goes (enough for k, the reranker's top N and
    MMR's pool, and at least 50 for hybrid fusion, unless ``candidates`` says), and MMR's lambda when no reranker
    comes between them."""
    depth = max(s.k, s.rerank_top if reranked else 0, 3 * s.k if s.mmr is not None else 0)
    if s.mode == "hybrid":
        depth = max(depth, 50)
    if s.candidates is not None:
        depth = max(s.candidates, s.k)
    return FirstStage(
        query,
        query_vector,
        k=s.k,
        depth=depth,
        mode=s.mode,
        fusion=s.fusion,
        exact=s.exact,
        conditions=conditions,
        mmr_lambda=s.mmr if not reranked else None,
        rrf_k=s.rrf_k,
    )


def _client_first_stage(
    store: Store, r: FirstStage, s: SearchSettings, stage: dict[str, dict[str, float]]
) -> list[tuple[str, float]]:
    """Dense and BM25 lists from the store, fused here for hybrid (what the store did not do natively)."""
    dense = store.dense(r.query_vector, r.depth, r.conditions, exact=r.exact) if r.mode in ("dense", "hybrid") else []
    lexical = store.lexical(r.query, r.depth, r.conditions) if r.mode in ("bm25", "hybrid") else []
    stage["dense"], stage["bm25"] = dict(dense), dict(lexical)
    if r.mode == "dense":
        return list(dense)
    if r.mode == "bm25":
        return list(lexical)
    ranked = rrf([dense, lexical], k=s.rrf_k) if r.fusion == "rrf" else weighted(dense, lexical, alpha=s.alpha)
    stage["hybrid"] = dict(ranked)
    return ranked


def _rerank(
    store: Store, ranked: list[tuple[str, float]], reranker: Any, top: int, stage: dict[str, dict[str, float]]
) -> list[tuple[str, float]]:
    """The top ``top`` candidates rescored by the cross-encoder; the rest keep their first-stage order below them."""
    head, tail = ranked[:top], ranked[top:]
    chunks = store.get([d for d, _ in head])
    scores = reranker([c.text for c in chunks])
    stage["rerank"] = {d: float(s) for (d, _), s in zip(head, scores, strict=False)}
    head = sorted(head, key=lambda ds: -stage["rerank"][ds[0]])
    return [(d, stage["rerank"][d]) for d, _ in head] + list(tail)


def _diversify(
    store: Store,
    pool: list[tuple[str, float]],
    k: int,
    lambda_: float,
    stage: dict[str, dict[str, float]],
    last: str,
) -> list[tuple[str, float]]:
    """MMR over ``pool``: relevance is the last stage's score (min-max normalised unless it is the dense cosine)."""
    ids = [d for d, _ in pool]
    vectors = store.get_vectors(ids)
    if last == "dense":
        relevance = [s for _, s in pool]  # cosine similarity: the classic MMR formulation
    else:
        norm = minmax([(d, stage[last][d]) if d in stage.get(last, {}) else (d, s) for d, s in pool])
        relevance = [norm[d] for d in ids]
    picked = mmr(relevance, vectors, k, lambda_=lambda_)
    stage["mmr"] = {ids[i]: s for i, s in picked}
    return [(ids[i], s) for i, s in picked]
