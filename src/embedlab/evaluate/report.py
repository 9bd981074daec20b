"""The evaluation report: one self-contained HTML page people want to read, plus a PNG per chart.

``build_report(results, "report.html")`` writes a page with the comparison table (best value per column marked),
a grouped bar chart per task, a quality-versus-speed scatter (mean main score against texts/second), and, for
models that come from a training run (a folder with ``curves.csv``), the training curves: loss and every ``eval_*``
column against the step. plotly.js is embedded inline, so the page opens offline and can be mailed as one file.

Each chart is also exported as PNG into ``<report>-charts/``: with plotly's kaleido when it can start a browser,
otherwise drawn again with matplotlib from the same data (``engine`` says which).

Example:
    >>> build_report(load_results("results"), "report.html", training_runs=["runs/minilm-sts"])
"""

from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from embedlab.errors import InputError
from embedlab.evaluate.results import SPEED_COLUMNS, Results, format_value
from embedlab.utils.atomic import atomic_path, atomic_write_text

# The metrics drawn per task kind (those present are used, in this order).
CHART_METRICS = {
    "retrieval": ["cosine_ndcg@10", "cosine_mrr@10", "cosine_accuracy@1", "cosine_recall@10", "cosine_map@100"],
    "sts": ["spearman_cosine", "pearson_cosine", "spearman_dot", "spearman_euclidean", "spearman_manhattan"],
    "classification": ["accuracy", "f1", "f1_weighted"],
    "clustering": ["v_measure", "homogeneity", "completeness"],
    "mteb": ["main_score"],
    "pipeline": ["ndcg@10", "mrr@10", "recall@10", "map@100"],
}


@dataclass
class Chart:
    """Chart data, drawable with plotly (the page) or matplotlib (the PNG fallback).

    Attributes:
        kind: ``bar`` (groups = x categories, series = bars), ``scatter`` (one labelled point per series) or
            ``line`` (x values and one line per series).
        slug: file-name-safe id.
        series: name -> (x values, y values).
    """

    kind: Literal["bar", "scatter", "line"]
    slug: str
    title: str
    x_title: str
    y_title: str
    series: dict[str, tuple[list[Any], list[float]]] = field(default_factory=dict)
    log_x: bool = False

    def to_plotly(self) -> Any:
        import plotly.graph_objects as go

        fig = go.Figure()
        for name, (xs, ys) in self.series.items():
            if self.kind == "bar":
                fig.add_trace(go.Bar(name=name, x=xs, y=ys, text=[f"{y:.3f}" for y in ys], textposition="outside"))
            elif self.kind == "scatter":
                fig.add_trace(
                    go.Scatter(
                        name=name,
                        x=xs,
                        y=ys,
                        mode="markers+text",
                        text=[name],
                        textposition="top center",
                        marker={"size": 14},
                    )
                )
            else:
                fig.add_trace(go.Scatter(name=name, x=xs, y=ys, mode="lines+markers"))
        fig.update_layout(
            title=self.title,
            xaxis_title=self.x_title,
            yaxis_title=self.y_title,
            template="plotly_white",
            barmode="group",
            height=420,
            margin={"t": 60, "b": 50, "l": 60, "r": 20},
            legend={"orientation": "h", "y": -0.2},
        )
        if self.log_x:
            fig.update_xaxes(type="log")
        return fig

    def to_matplotlib(self, path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

        fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
        if self.kind == "bar":
            groups = list(dict.fromkeys(x for xs, _ in self.series.values() for x in xs))
            width = 0.8 / max(1, len(self.series))
            for i, (name, (xs, ys)) in enumerate(self.series.items()):
                pos = [groups.index(x) + i * width for x in xs]
                ax.bar(pos, ys, width, label=name)
            ax.set_xticks(np.arange(len(groups)) + 0.4 - width / 2, groups, rotation=15)
        else:
            for name, (xs, ys) in self.series.items():
                if self.kind == "scatter":
                    ax.scatter(xs, ys, s=60, label=name)
                    for x, y in zip(xs, ys, strict=False):
                        ax.annotate(name, (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
                else:
                    ax.plot(xs, ys, marker=".", label=name)
            if self.log_x:
                ax.set_xscale("log")
        ax.set_title(self.title)
        ax.set_xlabel(self.x_title)
        ax.set_ylabel(self.y_title)
        ax.legend(fontsize=8)
        fig.tight_layout()
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fig.savefig(fh, format="png")
        plt.close(fig)


def task_charts(results: Results) -> list[Chart]:
    """One grouped bar chart per task: its key metrics for every model."""
    charts = []
    for task, meta in results.tasks.items():
        present = [m for s in results.scores.values() for m in s.get(task, {})]
        wanted = [m for m in CHART_METRICS.get(meta.get("kind", ""), []) if m in present] or [
            results.main_metric(task)
        ]
        chart = Chart("bar", f"task-{_slug(task)}", f"{task} ({meta.get('kind', '')})", "metric", "score")
        for model, tasks in results.scores.items():
            vals = tasks.get(task, {})
            xs = [m for m in wanted if isinstance(vals.get(m), (int, float))]
            if xs:
                chart.series[model] = (xs, [float(vals[m]) for m in xs])
        charts.append(chart)
    return charts


def speed_chart(results: Results) -> Chart | None:
    """Mean main score over the tasks against encoding throughput, one point per model."""
    chart = Chart(
        "scatter", "quality-vs-speed", "Quality vs speed", "texts / second (log)", "mean main score", log_x=True
    )
    for model, tasks in results.scores.items():
        speed = results.models.get(model, {}).get("texts_per_s")
        mains = [tasks[t].get(results.main_metric(t)) for t in results.tasks if t in tasks]
        mains = [v for v in mains if isinstance(v, (int, float)) and not math.isnan(v)]
        if isinstance(speed, (int, float)) and speed > 0 and mains:
            chart.series[model] = ([float(speed)], [sum(mains) / len(mains)])
    return chart if chart.series else None


def training_charts(run: Path, name: str | None = None) -> list[Chart]:
    """Loss and evaluation curves from a training run's ``curves.csv`` (columns step, epoch, loss, learning_rate,
    eval_*)."""
    import pandas as pd

    path = run / "curves.csv" if run.is_dir() else run
    if not path.exists():
        raise InputError("no curves.csv (expected a training output folder from `embedlab train`)", path=run)
    df = pd.read_csv(path)
    if "step" not in df.columns:
        raise InputError(f"curves.csv has no 'step' column (columns: {', '.join(df.columns)})", path=path)
    label = name or (run.name if run.is_dir() else run.parent.name)
    charts = []
    if "loss" in df.columns:
        d = df.dropna(subset=["loss"])
        if len(d):
            c = Chart("line", f"train-loss-{_slug(label)}", f"Training loss: {label}", "step", "loss")
            c.series["loss"] = (d["step"].tolist(), d["loss"].astype(float).tolist())
            charts.append(c)
    evals = [c for c in df.columns if c.startswith("eval_") and not c.endswith(("_runtime", "_per_second", "_loss"))]
    evals += [c for c in df.columns if c == "eval_loss"]
    if evals:
        c = Chart("line", f"train-eval-{_slug(label)}", f"Evaluation during training: {label}", "step", "value")
        for col in evals:
            d = df.dropna(subset=[col])
            if len(d):
                c.series[col.removeprefix("eval_")] = (d["step"].tolist(), d[col].astype(float).tolist())
        if c.series:
            charts.append(c)
    return charts


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text).strip("-")[:60] or "chart"


def _table_html(results: Results) -> str:
    header, rows = results.rows("main")
    cols = results.columns("main")
    out = ["<div class='wide'><table><thead><tr>"]
    out += [f"<th>{html.escape(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        out.append(f"<td class='model'>{html.escape(str(row[0]))}</td>")
        for i, value in enumerate(row[1:]):
            text = html.escape(format_value(value))
            best = False
            if i < len(cols):
                best = len(rows) > 1 and value is not None and value == results.best(*cols[i])
            else:
                higher = SPEED_COLUMNS.get(header[i + 1])
                vals = [r[i + 1] for r in rows if isinstance(r[i + 1], (int, float))]
                best = higher is not None and len(vals) > 1 and value == (max(vals) if higher else min(vals))
            out.append(f"<td class='{'best' if best else ''}'>{text}{' ★' if best else ''}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;
padding:0 1rem}h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.9rem;margin:1rem 0}th,td{padding:.35rem .7rem;border-bottom:1px solid #eee;
text-align:right}th{background:#f6f8fa}td.model,th:first-child{text-align:left;font-weight:600}
td.best{color:#0a7d32;font-weight:700}.wide{overflow-x:auto}.meta{color:#666;font-size:.85rem}.chart{margin:1rem 0}
"""


def export_png(chart: Chart, fig: Any, path: Path, engine: str) -> str:
    """Write ``chart`` as PNG with kaleido if ``engine`` allows and it works, else matplotlib; returns the engine."""
    if engine in ("auto", "kaleido"):
        try:
            with atomic_path(path) as tmp:
                fig.write_image(str(tmp), format="png", width=900, height=450)
            return "kaleido"
        except Exception:
            if engine == "kaleido":
                raise
    chart.to_matplotlib(path)
    return "matplotlib"


def build_report(
    results: Results,
    output: str | Path,
    *,
    training_runs: list[str | Path] | None = None,
    png: bool = True,
    png_engine: Literal["auto", "kaleido", "matplotlib"] | None = None,
    title: str = "embedlab evaluation report",
) -> dict[str, Any]:
    """Write the HTML report (and PNGs); returns ``{"html": path, "png": [paths], "engine": ...}``.

    Args:
        results: what to show (merge several with :func:`embedlab.evaluate.compare`).
        output: the HTML file.
        training_runs: training output folders whose ``curves.csv`` to plot, besides those recorded in
            ``results.models[...]["training_run"]``.
        png: also export every chart as PNG into ``<output stem>-charts/``.
        png_engine: ``kaleido`` (plotly's exporter, needs Chrome/Chromium), ``matplotlib``, or ``auto`` (kaleido,
            falling back to matplotlib); default from ``$EMBEDLAB_PNG_ENGINE`` or ``auto``.
        title: the page title.

    Example:
        >>> build_report(compare(["res-a", "res-b"]), "report.html")["png"]
    """
    out = Path(output)
    engine = png_engine or os.environ.get("EMBEDLAB_PNG_ENGINE", "auto")
    png_dir = out.with_name(out.stem + "-charts")
    written: list[str] = []
    used = ""
    parts = _page_head(results, title)
    for section, charts in _sections(results, training_runs):
        parts.append(f"<h2>{html.escape(section)}</h2>")
        for chart in charts:
            fig = chart.to_plotly()
            parts.append("<div class='chart'>")
            parts.append(fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.slug}"))
            parts.append("</div>")
            if png:
                png_dir.mkdir(parents=True, exist_ok=True)
                path = png_dir / f"{chart.slug}.png"
                used = export_png(chart, fig, path, engine)
                engine = used  # once kaleido fails, do not retry it for every chart
                written.append(str(path))
    parts += _tasks_table(results)
    atomic_write_text(out, "\n".join(parts))
    return {"html": str(out), "png": written, "engine": used or None}


def _sections(results: Results, training_runs: list[str | Path] | None) -> list[tuple[str, list[Chart]]]:
    """The report's chart sections: scores per task, quality against speed, training curves (when there are)."""
    runs: dict[str, Path] = {}
    for model, info in results.models.items():
        if info.get("training_run"):
            runs[model] = Path(info["training_run"])
    for run in training_runs or []:
        runs[Path(run).name] = Path(run)
    train = [c for name, run in runs.items() for c in training_charts(run, name)]
    sections: list[tuple[str, list[Chart]]] = [("Scores per task", task_charts(results))]
    speed = speed_chart(results)
    if speed:
        sections.append(("Quality versus speed", [speed]))
    if train:
        sections.append(("Training curves", train))
    return sections


def _page_head(results: Results, title: str) -> list[str]:
    """The page up to the charts: plotly.js inline, the title, the comparison table and its notes."""
    import plotly.offline

    return [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>",
        # plotly.js inline: the page works offline and as a single file.
        f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{len(results.scores)} model(s), {len(results.tasks)} task(s); results from "
        f"{html.escape(results.created or 'unknown date')}. Best value per column marked ★.</p>",
        "<h2>Comparison</h2>",
        _table_html(results),
        # Why a column has no best, and what a reader of the numbers must know.
        *[f"<p class='meta'>note: {html.escape(r)}</p>" for r in results.no_best.values()],
        *[f"<p class='meta'>warning: {html.escape(w)}</p>" for w in results.warnings],
    ]


def _tasks_table(results: Results) -> list[str]:
    """The closing table of tasks: kind, data and size, and the end of the page."""
    rows = [
        "<h2>Tasks</h2><table><thead><tr><th>task</th><th>kind</th><th>data</th><th>texts</th></tr></thead><tbody>"
    ]
    for task, meta in results.tasks.items():
        rows.append(
            f"<tr><td class='model'>{html.escape(task)}</td><td>{html.escape(str(meta.get('kind', '')))}</td>"
            f"<td>{html.escape(str(meta.get('path') or meta.get('mteb_task') or ''))}</td>"
            f"<td>{format_value(meta.get('size'))}</td></tr>"
        )
    return [*rows, "</tbody></table></body></html>"]
