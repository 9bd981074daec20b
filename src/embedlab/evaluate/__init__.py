"""Evaluate and compare embedding models: retrieval, similarity, classification, clustering, MTEB, speed.

* :func:`run_evaluation` runs several models on several tasks, encoding each text once per model through an
  on-disk cache, and returns :class:`Results` (save with :func:`save_results`, merge with :func:`compare`).
* The metrics live one per module: :mod:`.retrieval` (equal to sentence-transformers'
  ``InformationRetrievalEvaluator``), :mod:`.similarity` (``EmbeddingSimilarityEvaluator``),
  :mod:`.classification` (MTEB's protocol), :mod:`.clustering`, :mod:`.mteb_tasks`, :mod:`.speed`.
* :func:`evaluate_search` / :func:`evaluate_settings` score an index's search pipeline as it is served (every query
  through ``Index.search``), in the same results schema; :func:`tune` picks its settings on dev queries.
* :mod:`.mteb_results` writes results as mteb ``TaskResult`` files and lets mteb load embedlab models.
* :func:`build_report` writes one self-contained HTML page with tables and charts.

Example:
    >>> from embedlab.evaluate import run_evaluation, save_results
    >>> res = run_evaluation(["all-MiniLM-L6-v2", "glove-6B-50d"], ["sts:../shared/data/stsb/sts-dev.csv"])
    >>> save_results(res, "results")
"""

from __future__ import annotations

from embedlab.evaluate.pipeline import evaluate_search, evaluate_settings
from embedlab.evaluate.results import Results, compare, load_results, save_results
from embedlab.evaluate.runner import TaskSpec, run_evaluation
from embedlab.evaluate.tune import TuneResult, tune

__all__ = [
    "Results",
    "TaskSpec",
    "TuneResult",
    "build_report",
    "compare",
    "evaluate_search",
    "evaluate_settings",
    "load_results",
    "run_evaluation",
    "save_results",
    "tune",
]


def build_report(*args, **kwargs):
    """See :func:`embedlab.evaluate.report.build_report` (imported lazily: it needs plotly)."""
    from embedlab.evaluate.report import build_report as _build

    return _build(*args, **kwargs)
