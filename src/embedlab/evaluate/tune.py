"""Tune an index's search settings on labelled (or pseudo-labelled) queries, guarding against fitting noise.

:func:`tune` tries a small grid of the pipeline's settings (mode; fusion and its parameters: RRF k, weighted alpha;
the candidate depth of each first-stage list; MMR on top of the best; the rerank depth when a reranker is given),
each through :func:`embedlab.evaluate.pipeline.run_search` (every query through ``Index.search``), and keeps the
per-query rankings.

**The guard.** Picking the best of ~20 settings on the same queries that measure it flatters the winner. So the
choice is cross-validated: the queries are cut into ``folds`` parts; for each part, the setting chosen on the
other parts is scored on it, beside the defaults. That gives every query one held-out difference, "what tuning
chose without seeing this query" minus "the defaults", and their mean is an honest estimate of what tuning adds.
On each fold, and on all queries for the setting saved, the choice follows Breiman's one-standard-error rule: of
the settings within one SE of the best, the one that changes least from the defaults (:func:`_choose`). The index
moves off the defaults only when that held-out gain is both

- at least ``min_gain`` NDCG@10 (0.005 by default: a floor for gains too small to matter to a user), and
- clearly above noise: a one-sided paired t-test over the per-query differences, ``gain > t * SE`` with ``SE`` the
  standard error of their mean and ``t`` Student's quantile at ``confidence`` (0.95: on 100 queries
  ``t = 1.66``). Per-query NDCG differences are bounded and, beyond 30 queries or so, their mean is close to
  normal, so the paired t-test is the plain, deterministic test of "the mean difference is above zero"; it needs
  no resampling, and it is the test whose scale the user can check in the printed line (gain, SE).

Questions about the same passage are not independent (an easy passage makes all its questions easy), so queries
that share a relevant document form one group: folds keep groups whole, and the SE is the cluster-robust one with a
degree of freedom per group. With two questions per passage this widens the bar by about a third; without it, on
aims_qa's 60 dev questions over 30 passages, tune once moved to a setting that lost 0.03 NDCG@10 on the test split.

On a hundred dev queries the SE of a difference between two pipelines is about 0.005-0.03 NDCG@10, so a neighbouring
setting's gain of +0.01 is not enough, and a real gain of a few hundredths is. The setting saved is then the one
chosen on all queries. MMR and rerank depths are tried on top of the first stage chosen on all queries, so their
held-out estimate is slightly optimistic.

**Without labels** (``pseudo_queries=N``): N queries are made from the corpus itself, inverse-cloze style as
``embedlab data pairs-from-corpus`` makes them: a sentence of a document is the query, its document the answer. The
sentence is still in its document, which favours exact term matching (BM25): prefer real dev queries when you have
them.

Example:
    >>> result = tune(Index.load("idx"), load_ir("dev.json"))
    >>> result.adopted, result.chosen
    (True, {'mode': 'hybrid', 'fusion': 'weighted', 'alpha': 0.5})
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedlab.data import IRDataset
from embedlab.errors import InputError, ParameterError
from embedlab.evaluate.pipeline import DEFAULT_DEPTH, SearchRun, _check_ir, run_search

MIN_GAIN = 0.005
CONFIDENCE = 0.95  # one-sided: the held-out gain must be above zero at this level (a paired t-test)
METRIC = "ndcg@10"
DEFAULTS = "defaults"


def search_grid(*, depth: int = DEFAULT_DEPTH) -> dict[str, dict[str, Any]]:
    """The first-stage settings :func:`tune` tries, by row name (``defaults`` first: ties keep the defaults)."""
    grid: dict[str, dict[str, Any]] = {DEFAULTS: {}, "dense": {"mode": "dense"}, "bm25": {"mode": "bm25"}}
    for rrf_k in (10, 30, 60):
        grid[f"hybrid rrf rrf_k={rrf_k}"] = {"mode": "hybrid", "fusion": "rrf", "rrf_k": rrf_k}
    for alpha in (0.3, 0.5, 0.7):
        grid[f"hybrid weighted alpha={alpha}"] = {"mode": "hybrid", "fusion": "weighted", "alpha": alpha}
    deeper = 3 * depth
    grid[f"hybrid rrf rrf_k=60 candidates={deeper}"] = {"mode": "hybrid", "fusion": "rrf", "candidates": deeper}
    grid[f"hybrid weighted alpha=0.5 candidates={deeper}"] = {
        "mode": "hybrid", "fusion": "weighted", "alpha": 0.5, "candidates": deeper,
    }  # fmt: skip
    return grid


@dataclass
class TuneResult:
    """What :func:`tune` tried and chose.

    Attributes:
        rows: per setting, ``{"name", "settings", "ndcg@10", "mrr@10", "recall@10", "ms_per_query"}`` on all queries.
        best: the setting chosen on all queries (the one-SE rule of :func:`_choose`; the defaults when they are
            within one SE of the best).
        chosen: the settings saved (``{}``: the defaults were kept).
        adopted: whether the index moved off the defaults.
        cv_gain: the cross-validated held-out NDCG@10 gain of tuning over the defaults (mean over the queries).
        cv_se: the standard error of that mean (cluster-robust over query groups; ``std / sqrt(n)`` when every
            query has its own relevant documents).
        threshold: the gain required to move: ``max(min_gain, t * cv_se)`` (``cv_gain`` must reach
            ``min_gain`` and exceed ``t * cv_se``).
        min_gain: the minimum gain; ``confidence`` the one-sided level of the noise test.
        queries: how many queries were used; ``pseudo`` whether they were made from the corpus.
        reason: one line that says why the choice was made.
        saved: whether the choice was written into the index.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    best: str = DEFAULTS
    chosen: dict[str, Any] = field(default_factory=dict)
    adopted: bool = False
    cv_gain: float = 0.0
    cv_se: float = 0.0
    threshold: float = MIN_GAIN
    min_gain: float = MIN_GAIN
    confidence: float = CONFIDENCE
    queries: int = 0
    pseudo: bool = False
    reason: str = ""
    saved: bool = False


def tune(
    index: Any,
    ir: IRDataset | None = None,
    *,
    pseudo_queries: int = 0,
    reranker: Any = None,
    min_gain: float = MIN_GAIN,
    confidence: float = CONFIDENCE,
    folds: int = 5,
    seed: int = 0,
    depth: int = DEFAULT_DEPTH,
    grid: Mapping[str, Mapping[str, Any]] | None = None,
    save: bool = True,
    progress: Callable[[str], None] | None = None,
) -> TuneResult:
    """Find the index's best search settings on dev queries and save them when they beat the defaults held-out.

    Args:
        index: an :class:`embedlab.index.Index`.
        ir: labelled dev queries whose corpus ids are the index's document ids (None with ``pseudo_queries``).
        pseudo_queries: without labels, make this many queries from the corpus (a sentence, its document).
        reranker: a cross-encoder (name or loaded): also try reranking the top 10/20/50 of the best first stage.
        min_gain: the held-out NDCG@10 gain over the defaults needed to move off them.
        confidence: the one-sided level at which that gain must also be above noise (paired t-test over the
            queries' held-out differences; 0 turns the test off, leaving ``min_gain`` alone).
        folds: cross-validation folds (at most one per query).
        seed: seed of the fold assignment and of the pseudo-queries.
        depth: hits asked per query (documents at their best chunk).
        grid: the first-stage settings to try (default :func:`search_grid`).
        save: write the choice into the index (``Index.save_search_settings``); search, serve and
            ``evaluate_search`` then use it unless overridden. When the defaults are kept, saved settings are reset.
        progress: called with a line per setting tried.

    Example:
        >>> tune(Index.load("idx"), pseudo_queries=200).reason
    """
    from embedlab.index.settings import SearchSettings

    say = progress or (lambda _m: None)
    _check_args(ir, pseudo_queries, min_gain, folds)
    check_confidence(confidence)
    data = ir if ir is not None else pseudo_query_set(index, pseudo_queries, seed=seed)
    _check_ir(index, data)
    base = SearchSettings()  # tried over the defaults, not over settings an earlier tune saved
    vectors = index.embed([data.queries[q] for q in data.queries])
    runs: dict[str, SearchRun] = {}
    options: dict[str, dict[str, Any]] = {}

    def trial(name: str, opts: Mapping[str, Any]) -> None:
        say(f"trying {name}")
        options[name] = dict(opts)
        runs[name] = run_search(index, data, k=depth, query_vectors=vectors, settings=base, **opts)

    for name, opts in (grid or search_grid(depth=depth)).items():
        trial(name, opts)
    groups = query_groups(runs[DEFAULTS].relevant)
    first = _choose({name: per_query(run) for name, run in runs.items()}, groups=groups)
    for lam in (0.7, 0.9):
        trial(f"{first} + mmr={lam}", {**options[first], "mmr": lam})
    if reranker is not None:
        ce = index.reranker(reranker)
        for top in (10, 20, 50):
            trial(f"{first} + rerank_top={top}", {**options[first], "rerank": ce, "rerank_top": top})
    result = decide(
        runs, options, min_gain=min_gain, confidence=confidence, folds=min(folds, len(data.queries)), seed=seed
    )
    result.queries, result.pseudo = len(data.queries), ir is None
    if save:
        index.save_search_settings(base.merged(**result.chosen) if result.adopted else None)
        result.saved = True
    return result


def _check_args(ir: IRDataset | None, pseudo_queries: int, min_gain: float, folds: int) -> None:
    if ir is None and not pseudo_queries:
        raise ParameterError("ir", "give labelled dev queries, or pseudo_queries=N to make them from the corpus")
    if ir is not None and pseudo_queries:
        raise ParameterError("pseudo_queries", "give either labelled dev queries or pseudo-queries, not both")
    if isinstance(pseudo_queries, bool) or not isinstance(pseudo_queries, int) or pseudo_queries < 0:
        raise ParameterError("pseudo_queries", f"must be a whole number of at least 0, got {pseudo_queries!r}")
    if not isinstance(min_gain, (int, float)) or not math.isfinite(min_gain) or min_gain < 0:
        raise ParameterError("min_gain", f"must be a finite number of at least 0, got {min_gain!r}")
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ParameterError("folds", f"must be a whole number of at least 2, got {folds!r}")


def _choose(
    scores: Mapping[str, np.ndarray], subset: Sequence[int] | None = None, groups: Sequence[int] | None = None
) -> str:
    """The setting to move to, judged on ``subset`` of the queries: Breiman's one-standard-error rule.

    Among the settings whose NDCG@10 is within one standard error of the best one's (the SE of their paired
    per-query difference, cluster-robust over ``groups``), the one closest to the defaults: the smallest mean
    per-query change from them; the defaults themselves when they are within reach. The best by a hair on a
    hundred dev queries is mostly noise, and of two settings that score alike the one that changes less is the
    safer bet on new queries: on aims_qa, argmax moved to weighted alpha 0.3 on 60 dev questions (+0.004 over
    alpha 0.5) and lost 0.031 on the test questions.

    Example:
        >>> _choose({"defaults": np.array([1.0, 0.5]), "bm25": np.array([1.0, 1.0])})
        'defaults'
    """
    names = list(scores)
    rows = np.arange(len(scores[names[0]])) if subset is None else np.asarray(subset, dtype=int)
    labels = None if groups is None else [groups[i] for i in rows]
    means = [float(scores[n][rows].mean()) for n in names]
    best = names[int(np.argmax(means))]  # the first of equals: the grid's order breaks ties
    base = scores[DEFAULTS][rows] if DEFAULTS in scores else scores[names[0]][rows]

    def within_reach(name: str) -> bool:
        diff = scores[best][rows] - scores[name][rows]
        return float(diff.mean()) <= noise_threshold(diff, 0.0, labels)[0] if len(rows) > 1 else name == best

    eligible = [n for n in names if within_reach(n)]
    return min(eligible, key=lambda n: (float(np.abs(scores[n][rows] - base).mean()), names.index(n)))


def check_confidence(confidence: float) -> None:
    """Refuse a noise-test level outside [0, 1)."""
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence < 1:
        raise ParameterError("confidence", f"must be at least 0 and below 1, got {confidence!r}")


def query_groups(relevant: Sequence[Mapping[str, int]]) -> list[int]:
    """A group number per query: queries that share a relevant document are one group.

    Questions written about one passage succeed or fail together (their passage is easy or hard to find), so they
    are one piece of evidence, not several: folds keep a group together and the noise test counts groups.

    Example:
        >>> query_groups([{"d1": 1}, {"d2": 1}, {"d1": 1, "d3": 1}, {"d3": 1}])
        [0, 1, 0, 0]
    """
    parent = list(range(len(relevant)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, docs in enumerate(relevant):
        for doc in docs:
            j = first_with.setdefault(doc, i)
            parent[root(i)] = root(j)
    numbers: dict[int, int] = {}
    return [numbers.setdefault(root(i), len(numbers)) for i in range(len(relevant))]


def held_out_differences(
    runs: Mapping[str, SearchRun],
    *,
    folds: int,
    seed: int,
    groups: Sequence[int] | None = None,
    scores: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Per query, NDCG@10 of the setting chosen on the other folds minus that of the defaults (cross-validated).

    The choice on the other folds is the one :func:`decide` makes on all queries (:func:`_choose`), so the mean is
    an honest estimate of what tuning adds. Folds are made of whole query groups (:func:`query_groups`), so a
    question is never scored by a choice made on a sibling question about the same passage; with one query per
    group this is a shuffle of the queries. ``scores``: each run's :func:`per_query` NDCG@10, when the caller has
    them already.

    Example:
        >>> held_out_differences(runs, folds=5, seed=0).mean()  # what tuning adds, held out
    """
    n = len(runs[DEFAULTS].query_ids)
    if n < 2:
        raise InputError("tuning needs at least 2 queries")
    groups = query_groups(runs[DEFAULTS].relevant) if groups is None else groups
    scores = {name: per_query(run) for name, run in runs.items()} if scores is None else scores
    order = list(range(max(groups) + 1))
    random.Random(seed).shuffle(order)
    fold_of = {g: pos % folds for pos, g in enumerate(order)}
    diffs = np.zeros(n)
    for f in range(min(folds, len(order))):
        held = [i for i in range(n) if fold_of[groups[i]] == f]
        pick = _choose(scores, [i for i in range(n) if fold_of[groups[i]] != f], groups)
        diffs[held] = scores[pick][held] - scores[DEFAULTS][held]
    return diffs


def per_query(run: SearchRun) -> np.ndarray:
    """Each query's NDCG@10 (their mean is the run's NDCG@10)."""
    return np.array([run.metrics([i])[METRIC] for i in range(len(run.query_ids))])


def noise_threshold(diffs: np.ndarray, confidence: float, groups: Sequence[int] | None = None) -> tuple[float, float]:
    """``(se, t * se)``: the standard error of the mean difference and the one-sided paired t-test's bar for it.

    With ``groups``, the standard error is the cluster-robust one (queries of a group are not independent) and the
    test has one degree of freedom per group, less one; with one query per group both equal the plain ones.
    """
    from scipy.stats import t as student

    n = len(diffs)
    labels = np.asarray(groups if groups is not None else range(n))
    sums = np.bincount(labels, weights=diffs - diffs.mean())
    g = int(np.count_nonzero(np.bincount(labels)))
    se = float(math.sqrt(g / (g - 1) * float(np.sum(sums**2))) / n) if g > 1 else 0.0
    return se, (float(student.ppf(confidence, g - 1)) * se if confidence > 0 and g > 1 else 0.0)


def decide(
    runs: Mapping[str, SearchRun],
    options: Mapping[str, dict[str, Any]],
    *,
    min_gain: float = MIN_GAIN,
    confidence: float = CONFIDENCE,
    folds: int = 5,
    seed: int = 0,
) -> TuneResult:
    """Cross-validated choice: move off the defaults only when the held-out gain is >= ``min_gain`` and above noise.

    Args:
        runs: per setting name, its :class:`SearchRun` on the same queries (one named ``defaults``).
        options: per setting name, its search options (what is saved when it wins).
        min_gain: the held-out NDCG@10 gain needed; confidence: the one-sided level of the paired t-test.
        folds, seed: the cross-validation folds and their shuffle.

    Example:
        >>> decide(runs, options).reason
        'kept the defaults: held-out gain +0.0081 NDCG@10, SE 0.0061 (...): within noise'
    """
    names = list(runs)
    n = len(runs[DEFAULTS].query_ids)
    groups = query_groups(runs[DEFAULTS].relevant)
    scores = {name: per_query(run) for name, run in runs.items()}
    diffs = held_out_differences(runs, folds=folds, seed=seed, groups=groups, scores=scores)
    cv_gain = float(diffs.mean())
    se, noise = noise_threshold(diffs, confidence, groups)
    result = TuneResult(
        cv_gain=cv_gain, cv_se=se, threshold=max(min_gain, noise), min_gain=min_gain, confidence=confidence
    )
    for name in names:
        m = runs[name].metrics()
        keep = ("ndcg@10", "mrr@10", "recall@10", "map@100", "ms_per_query")
        result.rows.append({"name": name, "settings": _printable(options[name]), **{k: m[k] for k in keep}})
    result.best = _choose(scores, groups=groups)
    top = names[int(np.argmax([float(v.mean()) for v in scores.values()]))]
    near = f"; {top} scores higher but within one SE of it" if top != result.best else ""
    best_gain = runs[result.best].metrics()[METRIC] - runs[DEFAULTS].metrics()[METRIC]
    test = f"> {noise:.4f} (one-sided paired t-test at {confidence:g})" if confidence > 0 else "(no noise test)"
    evidence = (
        f"held-out gain {cv_gain:+.4f} NDCG@10, SE {se:.4f} ({folds}-fold cross-validation, {n} queries); "
        f"needed >= {min_gain:g} and {test}"
    )
    if result.best == DEFAULTS or best_gain <= 0:
        result.reason = f"kept the defaults: no setting beats them by more than one SE on the dev queries; {evidence}"
    elif cv_gain < min_gain:
        result.reason = f"kept the defaults: {evidence}: below the minimum gain"
    elif cv_gain <= noise:
        result.reason = f"kept the defaults: {evidence}: within noise"
    else:
        result.adopted = True
        result.chosen = {k: v for k, v in options[result.best].items() if k != "rerank"}
        result.reason = f"{result.best} (NDCG@10 {best_gain:+.4f} over the defaults on all queries{near}): {evidence}"
    return result


def _printable(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, (int, float, str, bool, type(None))) else "reranker") for k, v in options.items()}


def pseudo_query_set(index: Any, n: int, *, seed: int = 0) -> IRDataset:
    """``n`` queries made from the index's own documents: a sentence of a document (5 words or more) as the query,
    its document as the one relevant answer (:func:`embedlab.data.pairs_from_corpus.inverse_cloze_pairs`).

    Example:
        >>> ir = pseudo_query_set(Index.load("idx"), 200)
    """
    from embedlab.data.pairs_from_corpus import Passage, inverse_cloze_pairs, split_sentences

    documents = _documents(index)
    passages = []
    for doc_id, chunks in documents.items():
        sentences: list[str] = []
        for chunk in chunks:
            for s in split_sentences(chunk):
                if s not in sentences:  # overlapping chunks repeat sentences
                    sentences.append(s)
        if len(sentences) >= 3:  # inverse-cloze needs context around the sentence
            text = " ".join(sentences)
            starts = [0]
            for sentence in sentences[:-1]:
                starts.append(starts[-1] + len(sentence) + 1)
            spans = tuple((a, a + len(sentence)) for a, sentence in zip(starts, sentences, strict=True))
            passages.append(Passage(f"{doc_id}#0", doc_id, text, 0, len(text), tuple(sentences), spans))
    per_doc = max(1, math.ceil(n / max(len(passages), 1)))
    pairs = inverse_cloze_pairs(passages, queries_per_passage=per_doc, keep_sentence=1.0, seed=seed)
    random.Random(seed).shuffle(pairs)
    pairs = pairs[:n]
    if len(pairs) < 2:
        raise InputError(
            "could not make pseudo-queries: the documents need 3 sentences or more, with sentences of 5 words or more"
        )
    queries = {f"pq{i}": p["anchor"] for i, p in enumerate(pairs)}
    relevant = {f"pq{i}": {p["doc_id"]: 1} for i, p in enumerate(pairs)}
    corpus = {d: " ".join(c) for d, c in documents.items()}
    return IRDataset(queries, corpus, relevant, name="pseudo-queries")


def _documents(index: Any) -> dict[str, list[str]]:
    """Each live document's chunk texts, in order."""
    store = index.store
    if not all(hasattr(store, a) for a in ("texts", "doc_ids", "deleted")):
        raise ParameterError("pseudo_queries", "pseudo-queries need a local index (give labelled dev queries)")
    out: dict[str, list[str]] = {}
    for doc_id, text, gone in zip(store.doc_ids, store.texts, store.deleted, strict=False):
        if not gone:
            out.setdefault(doc_id, []).append(text)
    return out
