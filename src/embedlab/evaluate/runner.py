"""Run several models on several tasks in one go.

The runner first reads and validates every task's data (so a bad file fails before any model is loaded), then, per
model: loads it once, gathers the texts of all tasks, encodes each distinct text once (through the on-disk cache, so
a repeated run encodes nothing), scores every task on those embeddings, measures speed, and frees the model.

Task specs are ``KIND:PATH`` strings (or :class:`TaskSpec`):

* ``retrieval:aims_qa/train_dataset.json`` (IR JSON, BEIR folder, query/passage pairs);
* ``sts:stsb/sts-dev.csv`` (STS Benchmark, SICK, CSV/JSONL with a score);
* ``classification:banking77/train.csv`` (text + label; split 70/30 stratified unless ``TRAIN,TEST`` are given);
* ``clustering:banking77/train.csv`` (text + label);
* ``mteb:Banking77Classification`` or ``mteb:Banking77Classification=banking77/train.csv`` (local data).

Example:
    >>> res = run_evaluation(["all-MiniLM-L6-v2", "glove-6B-50d"], ["sts:stsb/sts-dev.csv"])
    >>> res.scores["glove-6B-50d"]["sts-dev"]["spearman_cosine"]
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embedlab.errors import ParameterError
from embedlab.evaluate.results import Results
from embedlab.models.encoder import Role

TaskKind = Literal["retrieval", "sts", "classification", "clustering", "mteb"]
TASK_KINDS: tuple[TaskKind, ...] = ("retrieval", "sts", "classification", "clustering", "mteb")


@dataclass
class TaskSpec:
    """One task: its kind, its data and a name for tables.

    Attributes:
        kind: retrieval, sts, classification, clustering or mteb.
        path: the data file/folder (for mteb: local data or None).
        name: the column name in results (default: the file's stem, or the MTEB task name).
        test_path: a separate test file for classification.
        mteb_task: the MTEB task name.
        limit: use only the first N items (pairs, queries, texts) for quick runs.
    """

    kind: TaskKind
    path: str | None = None
    name: str = ""
    test_path: str | None = None
    mteb_task: str | None = None
    limit: int | None = None
    data: Any = field(default=None, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, spec: str, *, limit: int | None = None) -> TaskSpec:
        """Parse ``KIND:PATH`` (``classification:TRAIN,TEST``; ``mteb:NAME[=PATH]``).

        Example:
            >>> TaskSpec.parse("sts:stsb/sts-dev.csv").name
            'sts-dev'
        """
        if ":" not in spec:
            raise ParameterError("tasks", f"{spec!r} is not KIND:PATH (kinds: {', '.join(TASK_KINDS)})")
        kind, rest = spec.split(":", 1)
        if kind not in TASK_KINDS:
            raise ParameterError("tasks", f"unknown task kind {kind!r} in {spec!r} (kinds: {', '.join(TASK_KINDS)})")
        if kind == "mteb":
            name, _, path = rest.partition("=")
            return cls("mteb", path or None, name=name, mteb_task=name, limit=limit)
        test = None
        if kind == "classification" and "," in rest:
            rest, test = rest.split(",", 1)
        name = Path(rest).stem if Path(rest).suffix else Path(rest).name
        return cls(kind, rest, name=name, test_path=test, limit=limit)  # type: ignore[arg-type]


def load_task_data(spec: TaskSpec) -> TaskSpec:
    """Read and validate a task's data (raises :class:`InputError` naming file and row); returns the spec with
    ``data`` filled in."""
    from embedlab import data as D

    n = spec.limit
    if spec.kind == "retrieval":
        ds = D.load_ir(spec.path)  # type: ignore[arg-type]
        if n:
            keep = list(ds.queries)[:n]
            ds = D.IRDataset({q: ds.queries[q] for q in keep}, ds.corpus, {q: ds.relevant[q] for q in keep}, ds.name)
        spec.data = ds
    elif spec.kind == "sts":
        pairs = D.load_scored_pairs(spec.path)  # type: ignore[arg-type]
        spec.data = pairs.subset(n) if n else pairs
    elif spec.kind in ("classification", "clustering"):
        texts, labels = D.load_labeled_texts(spec.path)  # type: ignore[arg-type]
        if spec.kind == "clustering":
            spec.data = _take_stratified(texts, labels, n) if n else (texts, labels)
        elif spec.test_path:
            spec.data = ((texts, labels), D.load_labeled_texts(spec.test_path))
        else:
            from embedlab.evaluate.classification import split_train_test

            train, test = split_train_test(texts, labels)
            if n:
                test = _take_stratified(*test, n)
            spec.data = (train, test)
    elif spec.kind == "mteb":
        from embedlab.evaluate.mteb_tasks import check_local_data, get_task

        get_task(spec.mteb_task or spec.name)
        spec.data = check_local_data(spec.mteb_task or spec.name, spec.path) if spec.path else None
    return spec


def _take_stratified(texts: list[str], labels: list[str], n: int) -> tuple[list[str], list[str]]:
    if n >= len(texts):
        return texts, labels
    from sklearn.model_selection import train_test_split

    _, x, _, y = train_test_split(texts, labels, test_size=n, random_state=42, stratify=labels)
    return list(x), list(y)


def task_inputs(spec: TaskSpec) -> list[tuple[Role, list[str]]]:
    """Every text a task will encode, with the role it is encoded in.

    Retrieval embeds its queries as queries and its corpus as documents (a two-tower or prompted model embeds
    them differently); symmetric tasks embed plain texts.
    """
    d = spec.data
    if spec.kind == "retrieval":
        return [("query", list(d.queries.values())), ("document", list(d.corpus.values()))]
    if spec.kind == "sts":
        return [("text", [*d.sentence1, *d.sentence2])]
    if spec.kind == "classification":
        (xtr, _), (xte, _) = d
        return [("text", [*(xtr[i] for i in _few_shot_pool(spec)), *xte])]
    if spec.kind == "clustering":
        return [("text", list(d[0]))]
    return []


def task_texts(spec: TaskSpec) -> list[str]:
    """Every text a task will encode (all roles)."""
    return [t for _, texts in task_inputs(spec) for t in texts]


def _few_shot_pool(spec: TaskSpec) -> list[int]:
    """Indices of the training texts drawn by any of MTEB's experiments (sorted)."""
    from embedlab.evaluate.classification import undersample_indices

    if "pool" not in spec.cache:
        spec.cache["pool"] = sorted(set().union(*undersample_indices(spec.data[0][1])))
    return spec.cache["pool"]


Embed = Callable[..., np.ndarray]


def score_task(spec: TaskSpec, embed: Embed, model: Any = None) -> dict[str, float]:
    """Score one task given ``embed(texts, role=...)`` from texts to (cached) embeddings."""
    from embedlab.evaluate import classification, clustering, retrieval, similarity

    d = spec.data
    if spec.kind == "retrieval":
        queries = embed(list(d.queries.values()), role="query")
        return retrieval.retrieval_metrics(d, queries, embed(list(d.corpus.values()), role="document"))
    if spec.kind == "sts":
        return similarity.similarity_metrics(embed(d.sentence1), embed(d.sentence2), d.scores)
    if spec.kind == "classification":
        (xtr, ytr), (xte, yte) = d
        # Like MTEB, encode only the training texts some experiment draws (a few per label), not the whole pool.
        pool = _few_shot_pool(spec)
        train_emb = np.zeros((len(xtr), embed(xtr[:1]).shape[1]), dtype=np.float32)
        train_emb[pool] = embed([xtr[i] for i in pool])
        return classification.classification_metrics(train_emb, ytr, embed(xte), yte)
    if spec.kind == "clustering":
        return clustering.clustering_metrics(embed(d[0]), d[1])
    from embedlab.evaluate.mteb_tasks import run_mteb_task

    if model is None:
        raise ParameterError("tasks", "MTEB tasks need a sentence-transformers model, not averaged word vectors")
    return run_mteb_task(model, spec.mteb_task or spec.name, data=spec.data)


def run_evaluation(
    models: Sequence[str],
    tasks: Sequence[str | TaskSpec],
    *,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    speed: bool = True,
    batch_size: int = 32,
    device: str | None = None,
    backend: str = "torch",
    backends: Sequence[str] | None = None,
    limit: int | None = None,
    progress: Callable[[str], None] | None = None,
    progress_every: float = 10.0,
) -> Results:
    """Evaluate every model on every task.

    Retrieval embeds queries with the model's query role (``encode_queries``: query prompt or query tower) and the
    corpus with its document role; STS, classification and clustering embed plain texts.

    Args:
        models: model arguments (sentence-transformers folders, aliases, hub ids, word-vector models). A training
            run folder (with ``curves.csv``) is recorded so the report can plot its curves.
        tasks: ``KIND:PATH`` strings or :class:`TaskSpec`.
        cache_dir: embedding cache folder (default ``~/.cache/embedlab/embeddings``).
        use_cache: False encodes everything afresh and writes nothing.
        speed: also measure throughput, latency and size.
        batch_size: encoding batch size.
        device: torch device for transformer models (``cpu``, ``cuda``, ``cuda:1``, ``mps``).
        backend: what computes the vectors (:func:`embedlab.models.load_encoder`'s backends).
        backends: several backends measured side by side, one row per model and backend (overrides ``backend``).
        limit: use only the first N items of each task (quick runs).
        progress: called with a line of text at each step and periodically during long encodes (the CLI prints it).
        progress_every: seconds between two progress lines of one encode.

    Example:
        >>> run_evaluation(["all-MiniLM-L6-v2"], ["retrieval:aims_qa/train_dataset.json"]).to_markdown()
    """
    from embedlab.evaluate.device import check_device
    from embedlab.evaluate.leakage import training_file_warnings
    from embedlab.models.cache import EmbeddingCache
    from embedlab.models.resolve import resolve_model

    say = progress or (lambda _msg: None)
    if not models:
        raise ParameterError("models", "give at least one model")
    if not tasks:
        raise ParameterError("tasks", "give at least one task (e.g. sts:stsb/sts-dev.csv)")
    _check_batch_size(batch_size)
    device = check_device(device)
    runs = _model_runs(models, backends or [backend])
    specs = [t if isinstance(t, TaskSpec) else TaskSpec.parse(t, limit=limit) for t in tasks]
    names = [s.name for s in specs]
    for s in specs:  # two files with one stem get distinct columns
        if names.count(s.name) > 1:
            s.name = f"{s.kind}:{s.name}"
    # Validate all data and resolve all models before loading any model.
    for s in specs:
        load_task_data(s)
    for m in models:
        kind = resolve_model(m).kind
        if kind in ("word-vectors", "glove-npy") and any(s.kind == "mteb" for s in specs):
            raise ParameterError("tasks", f"MTEB tasks need a sentence-transformers model; {m!r} is word vectors")

    results = Results()
    for s in specs:
        results.tasks[s.name] = {
            "kind": s.kind, "path": s.path, "size": len(task_texts(s)), "mteb_task": s.mteb_task, "limit": s.limit,
        }  # fmt: skip
    cache = EmbeddingCache(cache_dir) if use_cache else None
    for row, m, be in runs:
        for warning in training_file_warnings(m, specs):
            say(f"warning: {warning}")
            results.warnings.append(warning)
        info = _evaluate_model(
            m, be, specs, results, row=row, cache=cache, speed=speed, batch_size=batch_size, device=device,
            say=say, progress_every=progress_every,
        )  # fmt: skip
        results.models[row] = info
        gc.collect()
    return results


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ParameterError("batch_size", f"must be an integer of at least 1, got {batch_size!r}")


def _model_runs(models: Sequence[str], backends: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(row name, model, backend)`` per model and backend; rows are named ``MODEL [BACKEND]`` when several."""
    from embedlab.models.encoder import BACKENDS

    for be in backends:
        if be not in BACKENDS:
            raise ParameterError("backend", f"unknown backend {be!r}; available: {', '.join(BACKENDS)}")
    several = len(backends) > 1
    return [(f"{m} [{be}]" if several else m, m, be) for m in models for be in dict.fromkeys(backends)]


def _evaluate_model(
    name: str,
    backend: str,
    specs: Sequence[TaskSpec],
    results: Results,
    *,
    row: str,
    cache: Any,
    speed: bool,
    batch_size: int,
    device: str | None,
    say: Callable[[str], None],
    progress_every: float,
) -> dict[str, Any]:
    """Load one model on one backend, encode every task's texts by role (through the cache), score, time."""
    from embedlab.evaluate.speed import measure_speed
    from embedlab.models.cache import CachedEncoder
    from embedlab.models.encoder import SentenceEncoder, load_encoder
    from embedlab.models.resolve import resolve_model

    say(f"loading {row}")
    t0 = time.perf_counter()
    encoder = load_encoder(name, backend=backend, device=device)
    cached = CachedEncoder(encoder, cache)
    by_role: dict[str, list[str]] = {}
    for s in specs:
        for role, texts in task_inputs(s):
            by_role.setdefault(role, []).extend(texts)
    t_enc = time.perf_counter()
    total = 0
    for role, texts in by_role.items():
        distinct = list(dict.fromkeys(texts))
        total += len(distinct)
        encode_with_progress(cached, distinct, role, batch_size, say, f"{row}: {role}", progress_every)
    encode_s = time.perf_counter() - t_enc
    info: dict[str, Any] = {"encoded": cached.encoded, "cached": total - cached.encoded}
    embed = partial(cached.encode, batch_size=batch_size)
    st_model = encoder.model if isinstance(encoder, SentenceEncoder) else None
    for s in specs:
        say(f"{row}: scoring {s.name}")
        results.add(row, s.name, score_task(s, embed, st_model))
    if speed:
        say(f"{row}: measuring speed")
        info.update(measure_speed(encoder, [t for texts in by_role.values() for t in texts], batch_size=batch_size))
    else:
        info.update(encoder.info())
    info["backend"] = getattr(encoder, "backend", backend)
    info["model"] = name
    info["fingerprint"] = encoder.fingerprint
    resolved = Path(resolve_model(name).path)
    if (resolved / "curves.csv").exists():
        info["training_run"] = str(resolved)
    info["encode_s"] = round(encode_s, 2)
    info["total_s"] = round(time.perf_counter() - t0, 2)
    return info


def encode_with_progress(
    encoder: Any,
    texts: list[str],
    role: Role,
    batch_size: int,
    say: Callable[[str], None],
    label: str,
    every: float = 10.0,
    step: int = 1024,
) -> np.ndarray:
    """Encode ``texts`` in slices of ``step``, reporting ``label: encoded i/N`` at most every ``every`` seconds.

    The lines are plain text, so a log of piped output shows the encode advancing instead of nothing.
    """
    if not texts:
        return encoder.encode([], role=role, batch_size=batch_size)
    say(f"{label}: encoding {len(texts)} distinct texts")
    parts = []
    last = time.monotonic()
    for start in range(0, len(texts), step):
        parts.append(encoder.encode(texts[start : start + step], role=role, batch_size=batch_size))
        done = min(start + step, len(texts))
        if done < len(texts) and time.monotonic() - last >= every:
            say(f"{label}: encoded {done}/{len(texts)}")
            last = time.monotonic()
    return np.concatenate(parts)
