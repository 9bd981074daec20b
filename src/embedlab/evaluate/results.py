"""Evaluation results: one table of (model, task, metric, value), saved as JSON, CSV and Markdown.

A results folder holds ``results.json`` (everything, with model info and speed), ``results.csv`` (long format, one
metric per row) and ``results.md`` (the comparison table). :func:`compare` merges several folders or files; a later
result for the same model, task and metric replaces an earlier one.

Example:
    >>> res = load_results("results/")
    >>> res.table(metrics="main")
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from embedlab.errors import InputError
from embedlab.utils.atomic import atomic_dir, atomic_write_json, atomic_write_text

# The headline metric of each task kind (used for tables, bar charts and the quality axis of the speed plot).
MAIN_METRICS = {
    "retrieval": "cosine_ndcg@10",
    "sts": "spearman_cosine",
    "classification": "accuracy",
    "clustering": "v_measure",
    "mteb": "main_score",
    # a retrieval pipeline served by an index (:func:`embedlab.evaluate.pipeline.evaluate_search`)
    "pipeline": "ndcg@10",
}
# Info columns shown beside quality; True = higher is better.
SPEED_COLUMNS = {
    "backend": None,
    "texts_per_s": True,
    "latency_ms": False,
    "params": False,
    "dim": None,
    "model_mb": False,
}
LOWER_IS_BETTER: set[str] = {"ms_per_query"}


@dataclass
class Results:
    """Scores of models on tasks.

    Attributes:
        scores: ``{model: {task: {metric: value}}}``.
        tasks: ``{task: {"kind": ..., "path": ..., "size": ...}}``.
        models: ``{model: info}`` (kind, backend, params, dim, texts_per_s, latency_ms, training_run...); for a
            pipeline evaluation one row per search setting (``{"index": ..., "settings": {...}}``).
        created: when the run finished (ISO 8601, UTC).
        warnings: what a reader of the numbers must know (a model scored on its training file...).
        no_best: ``{task: reason}``: tasks whose rows were measured on different data sizes, so no best is marked.
    """

    scores: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    warnings: list[str] = field(default_factory=list)
    no_best: dict[str, str] = field(default_factory=dict)

    def add(self, model: str, task: str, metrics: dict[str, float]) -> None:
        self.scores.setdefault(model, {}).setdefault(task, {}).update(metrics)

    def main_metric(self, task: str) -> str:
        kind = self.tasks.get(task, {}).get("kind", "")
        metric = MAIN_METRICS.get(kind)
        if metric is None:
            first = next((m for s in self.scores.values() for m in s.get(task, {})), "")
            return first
        return metric

    def columns(self, metrics: Literal["main", "all"] = "main") -> list[tuple[str, str]]:
        """``(task, metric)`` columns in task order."""
        cols: list[tuple[str, str]] = []
        for task in self.tasks:
            if metrics == "main":
                cols.append((task, self.main_metric(task)))
            else:
                seen: list[str] = []
                for s in self.scores.values():
                    seen += [m for m in s.get(task, {}) if m not in seen]
                cols += [(task, m) for m in seen]
        return cols

    def best(self, task: str, metric: str) -> float | None:
        """The best value of a column, or None (no values, or rows measured on different sizes: see ``no_best``)."""
        if task in self.no_best:
            return None
        values = [s[task][metric] for s in self.scores.values() if metric in s.get(task, {})]
        values = [v for v in values if isinstance(v, (int, float)) and not math.isnan(v)]
        if not values:
            return None
        return min(values) if metric in LOWER_IS_BETTER else max(values)

    def rows(
        self, metrics: Literal["main", "all"] = "main", *, speed: bool = True
    ) -> tuple[list[str], list[list[Any]]]:
        """A header and one row per model: model, quality columns, then speed/size columns."""
        cols = self.columns(metrics)
        header = ["model", *[f"{t} {m}" for t, m in cols]]
        speed_cols = [c for c in SPEED_COLUMNS if any(c in info for info in self.models.values())] if speed else []
        header += speed_cols
        rows = []
        for model in self.scores or self.models:
            row: list[Any] = [model]
            row += [self.scores.get(model, {}).get(t, {}).get(m) for t, m in cols]
            row += [self.models.get(model, {}).get(c) for c in speed_cols]
            rows.append(row)
        return header, rows

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"created": self.created, "tasks": self.tasks, "models": self.models}
        out["scores"] = self.scores
        if self.warnings:
            out["warnings"] = self.warnings
        if self.no_best:
            out["no_best"] = self.no_best
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        return cls(
            scores=data.get("scores", {}),
            tasks=data.get("tasks", {}),
            models=data.get("models", {}),
            created=data.get("created", ""),
            warnings=list(data.get("warnings", [])),
            no_best=dict(data.get("no_best", {})),
        )

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["model", "task", "kind", "metric", "value"])
        for model, tasks in self.scores.items():
            for task, metrics in tasks.items():
                for metric, value in metrics.items():
                    writer.writerow([model, task, self.tasks.get(task, {}).get("kind", ""), metric, value])
        return buf.getvalue()

    def to_markdown(self, metrics: Literal["main", "all"] = "main") -> str:
        header, rows = self.rows(metrics)
        cols = self.columns(metrics)
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        for row in rows:
            cells = [str(row[0])]
            for i, value in enumerate(row[1:]):
                text = format_value(value)
                if i < len(cols) and value is not None and value == self.best(*cols[i]) and len(rows) > 1:
                    text = f"**{text}**"
                cells.append(text)
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def format_value(value: Any) -> str:
    """Scores with 4 decimals, big counts with thousands separators."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def save_results(results: Results, folder: str | Path, *, mteb: bool = False) -> Path:
    """Write ``results.json``, ``results.csv`` (long format), ``results.md`` and ``results-all.md`` atomically.

    With ``mteb=True`` (and mteb installed), each model's task scores are also written as mteb ``TaskResult`` files
    under ``mteb/`` (:func:`embedlab.evaluate.mteb_results.write_mteb_results`; ``mteb.ResultCache(FOLDER/"mteb")``).
    """
    with atomic_dir(folder, kind="eval-results", recognize=lambda p: (p / "results.json").is_file()) as tmp:
        atomic_write_json(tmp / "results.json", results.to_dict())
        atomic_write_text(tmp / "results.csv", results.to_csv())
        atomic_write_text(tmp / "results.md", results.to_markdown("main"))
        atomic_write_text(tmp / "results-all.md", results.to_markdown("all"))
        if mteb and any(info.get("kind") != "pipeline" for info in results.models.values()):
            import importlib.util

            if importlib.util.find_spec("mteb") is not None:
                from embedlab.evaluate.mteb_results import write_mteb_results

                write_mteb_results(results, tmp / "mteb")
    return Path(folder)


def load_results(path: str | Path) -> Results:
    """Read a results folder (or its ``results.json``)."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    if not p.exists():
        raise InputError(
            "no results here (expected a folder written by `embedlab eval` or its results.json)", path=path
        )
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", path=p, line=exc.lineno) from exc
    if not isinstance(data, dict) or "scores" not in data:
        raise InputError("not an embedlab results file (no 'scores')", path=p)
    return Results.from_dict(data)


def compare(paths: list[str | Path]) -> Results:
    """Merge several results into one; later ones win for the same model, task and metric.

    Rows of one task measured on different data sizes (e.g. one run with ``--limit 50``, one without) are not
    comparable: the merged results name the task in ``no_best`` with the sizes, and no best is marked for it.

    Example:
        >>> compare(["results-base", "results-finetuned"]).to_markdown()
    """
    merged = Results()
    sizes: dict[str, dict[Any, list[str]]] = {}
    for path in paths:
        res = load_results(path)
        for task, meta in res.tasks.items():
            merged.tasks.setdefault(task, {}).update(meta)
            key = (meta.get("size"), meta.get("limit"))
            sizes.setdefault(task, {}).setdefault(key, []).append(str(path))
        for model, info in res.models.items():
            merged.models.setdefault(model, {}).update(info)
        for model, tasks in res.scores.items():
            for task, metrics in tasks.items():
                merged.add(model, task, metrics)
        merged.warnings += [w for w in res.warnings if w not in merged.warnings]
        merged.no_best.update(res.no_best)
    for task, by_size in sizes.items():
        if len(by_size) > 1:
            described = "; ".join(
                f"{size if size is not None else '?'} texts{f' (limit {limit})' if limit else ''} in {', '.join(ps)}"
                for (size, limit), ps in by_size.items()
            )
            merged.no_best[task] = f"task {task} was measured on different sizes ({described}): no best is marked"
    return merged
