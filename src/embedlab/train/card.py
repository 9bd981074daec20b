"""What a training run leaves beside the model: ``curves.csv`` and the model card (``README.md``).

``curves.csv`` has one row per logged step (columns ``step, epoch, loss, learning_rate`` and one ``eval_*`` column per
metric), read from the trainer's log history, so curves can be plotted without TensorBoard (``embedlab report`` does).
The model card says what the model was trained on, with which loss and hyper-parameters, and how it compares with
its base model on the held-out data.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.train.recipe import Recipe

if TYPE_CHECKING:
    from embedlab.train.write import TrainResult

CURVE_COLUMNS = ["step", "epoch", "loss", "learning_rate", "grad_norm"]


def curves_rows(log_history: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Merge the trainer's log history by step into (columns, rows)."""
    by_step: dict[int, dict[str, Any]] = {}
    eval_cols: list[str] = []
    for entry in log_history:
        step = int(entry.get("step", 0))
        row = by_step.setdefault(step, {"step": step})
        for key, value in entry.items():
            if key == "step" or not isinstance(value, (int, float)):
                continue
            if key.startswith("eval_") and key not in eval_cols and key not in ("eval_runtime",):
                if not key.endswith(("_runtime", "_samples_per_second", "_steps_per_second")):
                    eval_cols.append(key)
            row[key] = value
    columns = CURVE_COLUMNS + sorted(eval_cols)
    rows = [{c: by_step[s].get(c, "") for c in columns} for s in sorted(by_step) if len(by_step[s]) > 2]
    return columns, rows


def curves_csv(log_history: list[dict[str, Any]]) -> str:
    """``curves.csv`` text from the trainer's log history."""
    columns, rows = curves_rows(log_history)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _fmt(v: Any) -> str:
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def model_card(
    recipe: Recipe, result: TrainResult, *, data: dict[str, Any], shipped: str, runtime_s: float, device: str
) -> str:
    """The model card (Markdown) for a trained model.

    Args:
        recipe: the run's recipe (base model, output folder).
        result: what the run produced: loss and why, hyper-parameters, before/after, truncation notes.
        data: where the training and evaluation rows came from, in words.
        shipped: the sentence saying which checkpoint was shipped and why.
        runtime_s: wall time of the whole run.
        device: where it ran.
    """
    base_name, loss_name, loss_reason, hparams = recipe.model, result.loss, result.loss_reason, result.hparams
    before, after, primary, truncation = result.before, result.after, result.primary, result.truncation
    lines = [
        "---",
        "library_name: sentence-transformers",
        "tags: [sentence-transformers, sentence-similarity, embedlab]",
        f"base_model: {base_name}",
        "---",
        "",
        f"# {Path(recipe.output).name}",
        "",
        f"Fine-tuned from `{base_name}` with [embedlab](https://example.invalid/embedlab) "
        f'(sentence-transformers trainer). Load it with `SentenceTransformer("{recipe.output}")`.',
        "",
        "## Data",
        "",
    ]
    for key, value in data.items():
        lines.append(f"- {key}: {value}")
    lines += [
        "",
        "## Loss",
        "",
        f"`{loss_name}`: {loss_reason}",
        "",
        "## Hyper-parameters",
        "",
        "| parameter | value |",
        "|---|---|",
    ]
    for key, value in hparams.items():
        lines.append(f"| {key} | {value:g} |" if isinstance(value, float) else f"| {key} | {value} |")
    lines += ["", "## Before / after (held-out split)", ""]
    if before or after:
        keys = [k for k in before if isinstance(before.get(k), (int, float))] or list(after)
        lines += ["| metric | base model | this model | change |", "|---|---|---|---|"]
        for k in keys:
            b, a = before.get(k), after.get(k)
            change = f"{a - b:+.4f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) else ""
            mark = " (selection metric)" if k == primary else ""
            lines.append(f"| {k}{mark} | {_fmt(b)} | {_fmt(a)} | {change} |")
    else:
        lines.append("No held-out evaluation (unlabeled data without an evaluation set).")
    lines += ["", f"Shipped: {shipped}.", ""]
    if truncation:
        lines += ["## Truncation", ""] + [f"- {t}" for t in truncation] + [""]
    lines += [
        "## Reproduce",
        "",
        "`embedlab train recipe.toml` with the `recipe.toml` in this folder.",
        "",
        f"Trained in {runtime_s:.0f} s on {device}.",
        "",
    ]
    return "\n".join(lines)
