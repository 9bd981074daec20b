"""Evaluate a retrieval pipeline as it is served: every query through :meth:`embedlab.index.Index.search`.

Model evaluation (:mod:`.runner`) scores embeddings; a user searches an *index*: chunks, BM25, hybrid fusion,
filters, MMR, a reranker, each with settings. :func:`evaluate_search` sends each labelled query through the same
``Index.search`` that ``embedlab search`` and the service's ``/search`` call, maps the chunk hits to documents by
their best chunk (a document ranks where its first chunk ranks), and scores the document rankings with the one
metric function, :func:`embedlab.evaluate.retrieval.ranking_metrics` (NDCG@10, MRR@10, recall@k, MAP@100,
graded relevance), plus milliseconds per query.

Query embeddings are computed by the index in one batch (as the service batches concurrent requests) and handed to
``Index.search`` as ``query_vector``; their time is counted in ``ms_per_query``.

Several settings in one run give one :class:`~embedlab.evaluate.results.Results` (one row per setting, task kind
``pipeline``), saved and shown like model results (``embedlab report`` reads them).

Example:
    >>> index = Index.load("idx")
    >>> evaluate_search(index, load_ir("dev.json"), mode="hybrid", fusion="weighted", alpha=0.5)["ndcg@10"]
    >>> res = evaluate_settings(index, load_ir("dev.json"), {"bm25": {"mode": "bm25"}, "hybrid": {"mode": "hybrid"}})
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.data import IRDataset
from embedlab.errors import InputError, ParameterError
from embedlab.evaluate.results import Results
from embedlab.evaluate.retrieval import ranking_metrics

DEFAULT_DEPTH = 100  # hits per query: MAP@100 needs a ranking of 100


@dataclass
class SearchRun:
    """The document ranking of every query under one setting, and what it cost.

    Attributes:
        query_ids: the queries, in order.
        rankings: per query, document ids best first (each document at its best chunk).
        relevant: per query, ``{doc_id: grade}``.
        seconds: wall time of embedding and searching all queries.
    """

    query_ids: list[str]
    rankings: list[list[str]]
    relevant: list[dict[str, int]]
    seconds: float

    def metrics(self, subset: Sequence[int] | None = None) -> dict[str, float]:
        """The ranking metrics over all queries (or the queries at positions ``subset``)."""
        idx = range(len(self.query_ids)) if subset is None else subset
        out = ranking_metrics([self.rankings[i] for i in idx], [self.relevant[i] for i in idx])
        out["ms_per_query"] = round(1000 * self.seconds / max(len(self.query_ids), 1), 3)
        return out


def doc_ranking(hits: Sequence[Any]) -> list[str]:
    """Document ids in the order of their best (first) chunk among ``hits``.

    Example:
        >>> doc_ranking([Hit("a#0", "a", ...), Hit("b#1", "b", ...), Hit("a#2", "a", ...)])
        ['a', 'b']
    """
    return list(dict.fromkeys(h.doc_id for h in hits))


def parse_setting(text: str) -> dict[str, Any]:
    """``"mode=hybrid,fusion=weighted,alpha=0.5"`` as search options (``mmr=off`` / ``candidates=off``: none).

    Example:
        >>> parse_setting("mode=hybrid,alpha=0.5,rrf_k=30")
        {'mode': 'hybrid', 'alpha': 0.5, 'rrf_k': 30}
    """
    out: dict[str, Any] = {}
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        key, sep, value = part.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ParameterError("settings", f"{part!r} in {text!r} is not KEY=VALUE")
        out[key] = _value(value.strip())
    return out


def _value(text: str) -> Any:
    low = text.lower()
    if low in ("off", "none", "false", "no"):
        return False
    if low in ("true", "yes", "on"):
        return True
    for cast in (int, float):
        try:
            value = cast(text)
        except ValueError:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError("settings", f"{text!r} is not a finite number")
        return value
    return text


def _check_ir(index: Any, ir: IRDataset) -> None:
    """Refuse judgements that name no document of the index (ids that do not join: nothing could be found)."""
    live = index.store.live_doc_ids()
    judged = {d for rel in ir.relevant.values() for d in rel}
    if judged and not (judged & live):
        example = sorted(judged)[0]
        raise InputError(
            f"none of the {len(judged)} judged documents is in the index (e.g. id {example!r}); the index's "
            f"document ids must be the data's corpus ids",
            path=getattr(ir, "name", None),
        )


def run_search(
    index: Any,
    ir: IRDataset,
    *,
    k: int = DEFAULT_DEPTH,
    query_vectors: np.ndarray | None = None,
    settings: Any = None,
    **search_options: Any,
) -> SearchRun:
    """Search every query of ``ir`` with ``index.search(query, k=k, **search_options)``; rankings by document.

    Args:
        index: an :class:`embedlab.index.Index`.
        ir: labelled queries whose judged documents are in the index.
        k: hits asked per query (chunk hits; documents are ranked by their best chunk among them).
        query_vectors: the queries' embeddings in ``ir.queries`` order (computed by the index when None).
        settings: a :class:`~embedlab.index.settings.SearchSettings` to start from instead of the index's saved one.
        **search_options: any other :meth:`Index.search` option (mode, fusion, alpha, filters, mmr, rerank...).
    """
    qids = list(ir.queries)
    texts = [ir.queries[q] for q in qids]
    start = time.perf_counter()
    needs_vectors = (search_options.get("mode") or (settings or index.search_settings).mode) != "bm25"
    if query_vectors is None and needs_vectors:
        query_vectors = index.embed(texts)
    rankings = []
    for i, text in enumerate(texts):
        vector = query_vectors[i] if query_vectors is not None and needs_vectors else None
        hits = index.search(text, k=k, query_vector=vector, settings=settings, **search_options)
        rankings.append(doc_ranking(hits))
    seconds = time.perf_counter() - start
    return SearchRun(qids, rankings, [ir.relevant[q] for q in qids], seconds)


def evaluate_search(index: Any, ir: IRDataset, *, k: int = DEFAULT_DEPTH, **search_options: Any) -> dict[str, float]:
    """Metrics of the served pipeline on labelled queries: NDCG@10, MRR@10, recall@k, MAP@100, ms per query.

    Args:
        index: an :class:`embedlab.index.Index` (its saved search settings apply unless overridden).
        ir: an :class:`~embedlab.data.IRDataset` (``embedlab.data.load_ir``) whose corpus ids are the index's
            document ids; graded judgements are used as NDCG gains.
        k: hits asked per query (default 100; a document counts at its best chunk).
        **search_options: :meth:`Index.search` options: mode, fusion, alpha, rrf_k, candidates, filters, mmr,
            rerank, rerank_top, exact, settings.

    Example:
        >>> evaluate_search(Index.load("idx"), load_ir("dev.json"), mode="bm25")["ndcg@10"]
    """
    _check_ir(index, ir)
    return run_search(index, ir, k=k, **search_options).metrics()


def effective_settings(index: Any, options: Mapping[str, Any]) -> dict[str, Any]:
    """The search settings a query will use: the caller's options over the index's saved settings."""
    known = {k: v for k, v in options.items() if k not in ("filters", "rerank", "settings", "query_vector")}
    base = options.get("settings") or index.search_settings
    out = base.merged(**known).validate().to_dict()
    if options.get("rerank") not in (None, False):
        out["rerank"] = str(options["rerank"])
    else:
        out.pop("rerank_top", None)
    if options.get("filters"):
        out["filters"] = list(options["filters"]) if not isinstance(options["filters"], dict) else options["filters"]
    return out


def evaluate_settings(
    index: Any,
    ir: IRDataset,
    settings: Mapping[str, Mapping[str, Any]],
    *,
    k: int = DEFAULT_DEPTH,
    task: str | None = None,
    progress: Callable[[str], None] | None = None,
    **common: Any,
) -> Results:
    """Evaluate several search settings on one index: one :class:`Results` row per setting.

    Args:
        index: the index.
        ir: labelled queries.
        settings: ``{row name: search options}`` (an empty dict: the index's saved settings).
        k: hits asked per query.
        task: the task (column) name; default the data's name.
        progress: called with a line per setting.
        **common: options every setting shares (filters, rerank...).

    Example:
        >>> evaluate_settings(index, ir, {"bm25": {"mode": "bm25"}, "hybrid": {"mode": "hybrid"}}).to_markdown()
    """
    _check_ir(index, ir)
    say = progress or (lambda _m: None)
    name = task or ir.name
    results = Results()
    results.tasks[name] = {"kind": "pipeline", "path": ir.name, "size": len(ir.queries), "index": str(index.path)}
    needs_vectors = any(
        (dict(common) | dict(o)).get("mode", index.search_settings.mode) != "bm25" for o in settings.values()
    )
    t0 = time.perf_counter()
    vectors = index.embed([ir.queries[q] for q in ir.queries]) if needs_vectors else None
    embed_s = time.perf_counter() - t0
    for row, options in settings.items():
        opts = {**common, **options}
        effective = effective_settings(index, opts)  # checked before any query runs
        say(f"searching {len(ir.queries)} queries with {row}")
        run = run_search(index, ir, k=k, query_vectors=vectors, **opts)
        run.seconds += embed_s if effective["mode"] != "bm25" else 0.0
        results.add(row, name, run.metrics())
        results.models[row] = {"index": str(index.path), "settings": effective, "kind": "pipeline"}
    return results
