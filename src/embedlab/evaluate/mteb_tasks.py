"""MTEB tasks through the mteb package, on the Hub's data or on a local copy of it.

``run_mteb_task(model, "STSBenchmark")`` runs a task exactly as ``mteb.evaluate`` does. Offline, the task's data
cannot be downloaded, so ``data=`` supplies a local copy and the task's own scoring code runs on it: the data is
put in the layout the task class expects (``task.dataset``) and marked loaded. Supported task types and local data:

* Classification (e.g. ``Banking77Classification``): a CSV/JSONL with text and label (split into train/test,
  stratified, when no test file exists), or a folder with ``train.*`` and ``test.*``;
* STS (e.g. ``STSBenchmark``, ``SICK-R``): STS Benchmark/SICK TSV or CSV/JSONL with a score column;
* Retrieval (e.g. ``SciFact``): IR JSON, a BEIR folder, or query/passage pairs.

Example:
    >>> run_mteb_task(model, "Banking77Classification", data="banking77/train.csv")["accuracy"]
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

SUPPORTED_LOCAL = ("Classification", "STS", "Retrieval")


def get_task(name: str) -> Any:
    """The mteb task object for ``name``; :class:`ParameterError` with close names when it does not exist."""
    from embedlab.utils.optional import require

    mteb = require("mteb", "eval")
    try:
        return mteb.get_task(name)
    except Exception as exc:  # mteb raises KeyError/ValueError with a long message
        import difflib

        names = [t.metadata.name for t in mteb.get_tasks()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ParameterError("tasks", f"unknown MTEB task {name!r}{hint}") from exc


def task_type(name: str) -> str:
    """The task's type (Classification, STS, Retrieval, Clustering...)."""
    return str(get_task(name).metadata.type)


def check_local_data(name: str, data: str | Path) -> Any:
    """Read and validate the local data for a task before any model is loaded; returns what :func:`load_local`
    puts into the task."""
    task = get_task(name)
    kind = str(task.metadata.type)
    split = task.metadata.eval_splits[0]
    path = Path(data)
    if kind == "Classification":
        from datasets import Dataset, DatasetDict

        from embedlab.data import load_labeled_texts
        from embedlab.evaluate.classification import split_train_test

        if path.is_dir():
            files = {p.stem: p for p in path.iterdir() if p.suffix in (".csv", ".jsonl", ".tsv", ".json")}
            if "train" not in files or split not in files:
                raise InputError(f"expected train and {split} files (.csv/.jsonl) in the folder", path=path)
            train = load_labeled_texts(files["train"])
            test = load_labeled_texts(files[split])
        else:
            train, test = split_train_test(*load_labeled_texts(path))
        ds = DatasetDict(
            {
                "train": Dataset.from_dict({"text": train[0], "label": train[1]}),
                split: Dataset.from_dict({"text": test[0], "label": test[1]}),
            }
        )
        return {"default": ds}
    if kind == "STS":
        from datasets import Dataset, DatasetDict

        from embedlab.data import load_scored_pairs

        pairs = load_scored_pairs(path)
        col1, col2 = task.column_names if isinstance(task.column_names[0], str) else ("sentence1", "sentence2")
        ds = Dataset.from_dict({col1: pairs.sentence1, col2: pairs.sentence2, "score": pairs.scores})
        return {"default": DatasetDict({split: ds})}
    if kind == "Retrieval":
        from datasets import Dataset

        from embedlab.data import load_ir

        ir = load_ir(path, split=split)
        corpus = Dataset.from_dict({"id": list(ir.corpus), "text": list(ir.corpus.values())})
        queries = Dataset.from_dict({"id": list(ir.queries), "text": list(ir.queries.values())})
        return {
            "default": {
                split: {"corpus": corpus, "queries": queries, "relevant_docs": ir.relevant, "top_ranked": None}
            }
        }
    raise ParameterError(
        "tasks",
        f"{name} is a {kind} task; local data is supported for {', '.join(SUPPORTED_LOCAL)} tasks "
        "(other tasks run with their Hub data when it can be downloaded)",
    )


def run_mteb_task(
    model: SentenceTransformer,
    name: str,
    *,
    data: str | Path | Any | None = None,
    batch_size: int = 32,
    **task_attributes: Any,
) -> dict[str, float]:
    """Run one MTEB task with mteb's own evaluation code and return its scores (first evaluation split).

    Args:
        model: a sentence-transformers model (mteb wraps it).
        name: the MTEB task name, e.g. ``Banking77Classification``.
        data: a local copy of the task's data (path, or what :func:`check_local_data` returned); None downloads
            the task's data from the Hub as mteb does.
        batch_size: encoding batch size.
        **task_attributes: task attributes to override, e.g. ``n_experiments=3`` for a classification task.

    Returns:
        The numeric scores mteb reports (``main_score`` included), averaged over subsets.

    Example:
        >>> run_mteb_task(model, "STSBenchmark", data="stsb/sts-dev.csv")["main_score"]
    """
    from embedlab.utils.optional import require

    mteb = require("mteb", "eval")
    task = get_task(name)
    for attr, value in task_attributes.items():
        if not hasattr(task, attr):
            raise ParameterError("task_attributes", f"task {name} has no attribute {attr!r}")
        setattr(task, attr, value)
    if data is not None:
        task.dataset = check_local_data(name, data) if isinstance(data, (str, Path)) else data
        task.data_loaded = True
    try:
        # mteb warns about superseded task versions, renamed ST methods and ill-defined per-class metrics on every
        # run; the scores are what matters here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = mteb.evaluate(
                model, task, cache=None, show_progress_bar=False, encode_kwargs={"batch_size": batch_size}
            )
    except Exception as exc:
        if data is None:
            raise InputError(
                f"MTEB task {name}: its data could not be loaded ({type(exc).__name__}); offline, pass a local copy "
                f"(--mteb {name}=PATH)"
            ) from exc
        raise
    scores = result.task_results[0].scores
    split = task.metadata.eval_splits[0]
    rows = scores.get(split) or next(iter(scores.values()))
    out: dict[str, float] = {}
    for key in rows[0]:
        values = [r[key] for r in rows if isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool)]
        if values and not any(isinstance(v, float) and math.isnan(v) for v in values):
            out[key] = float(sum(values) / len(values))
    return out
