"""CLI for embedlab.evaluate: ``embedlab eval``, ``embedlab compare`` and ``embedlab report``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from embedlab.cli.options import option, option_group

if TYPE_CHECKING:
    from embedlab.evaluate.results import Results

_TASK_HELP = (
    "A task as KIND:PATH, repeatable: retrieval:FILE|BEIR_DIR, sts:FILE, classification:FILE[,TEST_FILE], "
    "clustering:FILE, mteb:NAME[=LOCAL_DATA]."
)


def _display_name(name: str) -> str:
    """A model column header: a path's last part, an alias or hub id as is."""
    p = Path(name)
    return p.name if len(p.parts) > 2 and p.exists() else name


def print_table(results: Results, *, all_metrics: bool = False, title: str | None = None) -> None:
    """Print results as a rich table: one row per task metric, one column per model; the best value of each row in
    bold green with a star (speed and size rows: fastest / smallest in cyan)."""
    from rich.table import Table

    from embedlab.evaluate.results import SPEED_COLUMNS, format_value
    from embedlab.utils.console import console

    metrics = "all" if all_metrics else "main"
    header, rows = results.rows(metrics)
    cols = results.columns(metrics)
    models = [str(r[0]) for r in rows]
    table = Table(title=title, header_style="bold")
    table.add_column("task")
    table.add_column("metric")
    for m in models:
        table.add_column(_display_name(m), justify="right", overflow="fold")
    for i, name in enumerate(header[1:]):
        values = [r[i + 1] for r in rows]
        if i < len(cols):
            task, metric = cols[i]
            best = results.best(task, metric)
            style = "bold green"
        else:
            task, metric = "", name
            higher = SPEED_COLUMNS.get(name)
            nums = [v for v in values if isinstance(v, (int, float))]
            best = None if higher is None or not nums else (max(nums) if higher else min(nums))
            style = "bold cyan"
        cells = []
        for v in values:
            text = format_value(v)
            if len(models) > 1 and best is not None and v == best:
                text = f"[{style}]{text} ★[/{style}]"
            cells.append(text)
        if i == len(cols) and i > 0:
            table.add_section()
        table.add_row(task, metric, *cells)
    console.print(table)


def say(message: str) -> None:
    """A progress line on stderr (warnings in yellow); plain lines when piped, so logs show each step."""
    from embedlab.utils.console import err_console

    if message.startswith("warning: "):
        err_console.print(f"[yellow]{message}[/yellow]", highlight=False, soft_wrap=True)
    else:
        err_console.print(f"[dim]{message}[/dim]", highlight=False, soft_wrap=True)


def print_notes(results: Results) -> None:
    """Why no best is marked in a column, and the warnings, after the table."""
    from embedlab.utils.console import err_console

    for reason in results.no_best.values():
        err_console.print(f"[yellow]note: {reason}[/yellow]", highlight=False, soft_wrap=True)
    for warning in results.warnings:
        err_console.print(f"[yellow]warning: {warning}[/yellow]", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def flag_names(names: dict[str, str | None]) -> Iterator[None]:
    """Within the block, a :class:`ParameterError` for one of ``names`` is shown with that flag or argument."""
    from embedlab.errors import OptionError, ParameterError

    try:
        yield
    except OptionError:
        raise
    except ParameterError as exc:
        flag = names.get(exc.param)
        if flag is None:
            raise
        raise OptionError(flag, exc.detail) from exc


@dataclass
class Pipeline:
    """What ``eval --index`` runs through the index: the rows of search settings and what every row shares.

    Attributes:
        settings: ``--setting`` rows (``mode=hybrid,alpha=0.5``).
        given: the search settings given as flags, by name (None: not given), shared by every row.
        rerank: the cross-encoder to rerank with.
        filters: metadata filters.
        hits: hits per query.
    """

    settings: list[str]
    given: dict[str, Any]
    rerank: str | None
    filters: list[str]
    hits: int


def _pipeline(
    setting: list[str] | None, rerank: str | None, filters: list[str] | None, hits: int, **given: Any
) -> Pipeline:
    return Pipeline(setting or [], given, rerank, filters or [], hits)


pipeline_options = option_group(
    "pipeline",
    [
        option(
            "setting",
            list[str] | None,
            None,
            "--setting",
            help="With --index: search settings of one row, e.g. mode=hybrid,fusion=weighted,alpha=0.5.",
        ),
        option("mode", str | None, None, "--mode", help="With --index: dense, bm25 or hybrid."),
        option("fusion", str | None, None, "--fusion", help="With --index: rrf or weighted."),
        option("alpha", float | None, None, "--alpha", help="With --index: dense weight of weighted fusion."),
        option("rrf_k", int | None, None, "--rrf-k", help="With --index: the RRF constant."),
        option("candidates", int | None, None, "--candidates", help="With --index: first-stage depth."),
        option("mmr", float | None, None, "--mmr", help="With --index: MMR lambda in [0, 1]."),
        option("rerank", str | None, None, "--rerank", help="With --index: a cross-encoder to rerank with."),
        option("rerank_top", int | None, None, "--rerank-top", help="With --index: candidates reranked."),
        option("filters", list[str] | None, None, "--filter", help="With --index: a metadata filter (repeatable)."),
        option("hits", int, 100, "--hits", min=1, help="With --index: hits per query (documents at best chunk)."),
    ],
    _pipeline,
)


@pipeline_options
def eval_command(
    models: list[str] | None = typer.Argument(
        None, metavar="MODEL", help="Models: folders, aliases (all-MiniLM-L6-v2, glove-6B-50d), hub ids."
    ),
    task: list[str] | None = typer.Option(None, "--task", "-t", help=_TASK_HELP),
    retrieval: list[Path] | None = typer.Option(None, "--retrieval", help="Retrieval data (IR JSON, BEIR, pairs)."),
    sts: list[Path] | None = typer.Option(None, "--sts", help="Scored sentence pairs (STSB, SICK, CSV/JSONL)."),
    classification: list[Path] | None = typer.Option(None, "--classification", help="Text + label table."),
    clustering: list[Path] | None = typer.Option(None, "--clustering", help="Text + label table."),
    mteb: list[str] | None = typer.Option(None, "--mteb", help="MTEB task NAME or NAME=LOCAL_DATA."),
    output: Path = typer.Option(Path("results"), "--output", "-o", help="Results folder (JSON, CSV, Markdown)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Use only the first N items of each task."),
    speed: bool = typer.Option(True, "--speed/--no-speed", help="Measure throughput, latency, size."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse embeddings cached on disk."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Embedding cache folder."),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    device: str | None = typer.Option(None, "--device", help="cpu, cuda, cuda:N, mps (checked before loading)."),
    backend: str = typer.Option(
        "auto",
        "--backend",
        help="What computes the vectors: auto (an exported model's own), torch, onnx[-int8], openvino[-int8].",
    ),
    backends: str | None = typer.Option(
        None, "--backends", help="Several backends side by side, comma-separated (e.g. torch,onnx-int8)."
    ),
    all_metrics: bool = typer.Option(
        False, "--all-metrics", help="Show every metric, not only the main one per task."
    ),
    index: Path | None = typer.Option(
        None, "--index", help="Evaluate this index's search pipeline (as served) on --retrieval instead of models."
    ),
    pipeline: Pipeline = None,  # type: ignore[assignment]  # the --index flags, from pipeline_options
) -> None:
    """Evaluate models on retrieval, similarity, classification, clustering and MTEB tasks, side by side; or, with
    --index, the index's whole search pipeline on labelled queries."""
    if index is not None:
        _eval_index(index, models or [], retrieval or [], pipeline, limit, output, all_metrics)
        return
    if not models:
        from embedlab.errors import OptionError

        raise OptionError("argument MODEL", "give at least one model (or --index INDEX to evaluate a pipeline)")
    from embedlab.evaluate import run_evaluation, save_results
    from embedlab.utils.atomic import check_output_dir
    from embedlab.utils.console import err_console

    specs = list(task or [])
    for kind, paths in (
        ("retrieval", retrieval),
        ("sts", sts),
        ("classification", classification),
        ("clustering", clustering),
        ("mteb", mteb),
    ):
        specs += [f"{kind}:{p}" for p in paths or []]
    inputs = [*(retrieval or []), *(sts or []), *(classification or []), *(clustering or [])]
    check_output_dir(output, "eval-results", inputs=inputs, recognize=lambda p: (p / "results.json").is_file())
    with flag_names({"tasks": "--task", "models": "argument MODEL", "backend": "--backends" if backends else None}):
        results = run_evaluation(
            models,
            specs,
            cache_dir=cache_dir,
            use_cache=cache,
            speed=speed,
            batch_size=batch_size,
            device=device,
            backend=backend,
            backends=[b.strip() for b in backends.split(",") if b.strip()] if backends else None,
            limit=limit,
            progress=say,
        )
    save_results(results, output, mteb=True)
    print_table(results, all_metrics=all_metrics, title="embedlab eval")
    print_notes(results)
    err_console.print(
        f"results written to {output}/ (results.json, results.csv, results.md; mteb/ in mteb's TaskResult format)",
        highlight=False,
    )


def _eval_index(
    index_path: Path,
    models: list[str],
    retrieval: list[Path],
    pipeline: Pipeline,
    limit: int | None,
    output: Path,
    all_metrics: bool,
) -> None:
    """``eval --index``: each --setting (or the options given) as one row, every query through Index.search."""
    from embedlab.data import IRDataset, load_ir
    from embedlab.errors import OptionError
    from embedlab.evaluate import save_results
    from embedlab.evaluate.pipeline import evaluate_settings, parse_setting
    from embedlab.index import Index
    from embedlab.utils.atomic import check_output_dir
    from embedlab.utils.console import err_console

    if models:
        raise OptionError("--index", "evaluates the index's own model: give no MODEL with --index")
    if len(retrieval) != 1:
        raise OptionError("--retrieval", "give one labelled retrieval file with --index")
    check_output_dir(output, "eval-results", inputs=[retrieval[0]], recognize=lambda p: (p / "results.json").is_file())
    ir = load_ir(retrieval[0])
    if limit:
        keep = list(ir.queries)[:limit]
        ir = IRDataset({q: ir.queries[q] for q in keep}, ir.corpus, {q: ir.relevant[q] for q in keep}, ir.name)
    given = {k: v for k, v in pipeline.given.items() if v is not None}
    with flag_names({"settings": "--setting"}):
        rows = {s: {**given, **parse_setting(s)} for s in pipeline.settings}
    if not rows:
        rows = {",".join(f"{k}={v}" for k, v in given.items()) or "saved settings": given}
    idx = Index.load(index_path)
    try:
        results = evaluate_settings(
            idx,
            ir,
            rows,
            k=pipeline.hits,
            filters=pipeline.filters or None,
            rerank=pipeline.rerank,
            progress=say,
            task=Path(retrieval[0]).stem,
        )
    finally:
        idx.close()
    results.tasks[Path(retrieval[0]).stem]["limit"] = limit
    save_results(results, output)
    print_table(results, all_metrics=all_metrics, title=f"embedlab eval --index {index_path}")
    print_notes(results)
    err_console.print(f"results written to {output}/ (results.json, results.csv, results.md)", highlight=False)


def compare_command(
    results: list[Path] = typer.Argument(
        ..., metavar="RESULTS", help="Results folders (or results.json files) to merge."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the merged results to this folder."),
    all_metrics: bool = typer.Option(False, "--all-metrics", help="Show every metric."),
) -> None:
    """Merge earlier results into one comparison table."""
    from embedlab.evaluate import compare, save_results

    merged = compare(list(results))
    if output is not None:
        save_results(merged, output)
    print_table(merged, all_metrics=all_metrics, title="embedlab compare")
    print_notes(merged)


def report_command(
    results: list[Path] = typer.Argument(..., metavar="RESULTS", help="Results folders (merged when several)."),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="The HTML file to write."),
    training_run: list[Path] | None = typer.Option(
        None, "--training-run", help="A training output folder with curves.csv (repeatable)."
    ),
    png: bool = typer.Option(True, "--png/--no-png", help="Also export each chart as PNG beside the report."),
    title: str = typer.Option("embedlab evaluation report", "--title"),
) -> None:
    """Write one self-contained HTML report (opens offline) with tables, bar charts, speed and training curves."""
    from embedlab.evaluate import build_report, compare
    from embedlab.utils.console import err_console

    merged = compare(list(results))
    written = build_report(merged, output, training_runs=list(training_run or []), png=png, title=title)
    err_console.print(f"report written to {output}", highlight=False)
    for path in written.get("png", []):
        err_console.print(f"  chart {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``eval``, ``compare`` and ``report`` to the main app."""
    app.command("eval")(eval_command)
    app.command("compare")(compare_command)
    app.command("report")(report_command)
