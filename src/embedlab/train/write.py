"""Write a finished run's output folder: the model, ``recipe.toml``, ``metrics.json``, ``curves.csv``, the model card
(``README.md``) and the TensorBoard logs (``runs/``), swapped into place atomically.

Example:
    >>> result = write_run(p, outcome, total_s=93.0)  # doctest: +SKIP
    >>> sorted(x.name for x in result.output.iterdir())[:3]
    ['.embedlab-output.json', 'README.md', 'config.json']
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.train.execute import HeldOut, RunOutcome
from embedlab.train.plan import OUTPUT_KIND, TrainingPlan, is_run_folder
from embedlab.train.recipe import recipe_toml


@dataclass
class TrainResult(HeldOut):
    """What a run produced: the held-out verdict (:class:`~embedlab.train.execute.HeldOut`: ``before``, ``after``,
    ``primary``, ``shipped``) and where and how the model was trained.

    Attributes:
        output: the model folder.
        loss: the loss name; ``loss_reason`` why it was chosen.
        hparams: the effective hyper-parameters.
        train_runtime_s: seconds spent in the training loop; ``train_samples_per_second`` its throughput.
    """

    output: Path
    loss: str
    loss_reason: str
    hparams: dict[str, Any]
    train_runtime_s: float = 0.0
    train_samples_per_second: float = 0.0
    truncation: list[str] = field(default_factory=list)


def run_hparams(p: TrainingPlan, o: RunOutcome) -> dict[str, Any]:
    """The effective hyper-parameters, as the model card and :class:`TrainResult` list them."""
    r = p.recipe
    return {
        "epochs": r.epochs,
        "steps": o.global_step,
        "batch_size": p.batch_size,
        "learning_rate": p.learning_rate,
        "warmup_ratio": p.warmup_ratio,
        "weight_decay": r.weight_decay,
        "seed": r.seed,
        "max_seq_length": r.max_seq_length,
        "precision": o.precision,
        "length-grouped batches": r.group_by_length,
        "no duplicates in a batch": p.no_duplicates,
    }


def data_description(p: TrainingPlan) -> dict[str, str]:
    """Where the training and evaluation rows came from, in words."""
    r, ev = p.recipe, p.eval
    if ev is None:
        evaluation = "none"
    elif p.eval_from == "file":
        evaluation = f"`{r.eval}` ({ev.shape}, {len(ev)} rows)"
    else:
        evaluation = f"{r.eval_split:.0%} of the training data held out, split by {r.split_by} ({len(ev)} rows)"
    return {"training data": f"`{r.train}` ({p.train.shape}, {len(p.train)} rows)", "evaluation data": evaluation}


def run_metrics(p: TrainingPlan, o: RunOutcome) -> dict[str, Any]:
    """``metrics.json``: before/after on the held-out split, what was shipped, and the run's size and speed."""
    return {
        "base_model": p.recipe.model,
        "primary_metric": o.primary,
        "before": o.before,
        "after": o.after,
        "shipped": o.shipped,
        "loss": p.loss,
        "train_runtime_s": o.runtime_s,
        "train_samples_per_second": o.samples_per_second,
        "train_rows": len(p.train),
        "eval_rows": len(p.eval) if p.eval is not None else 0,
        "global_step": o.global_step,
        "best_checkpoint": o.best_checkpoint,
        "chunk_pairs": p.chunk_pairs.to_dict(),
    }


def write_run(p: TrainingPlan, o: RunOutcome, *, total_s: float) -> TrainResult:
    """Write the output folder atomically (replacing only an earlier run's), then drop the checkpoints.

    Args:
        p: the plan that ran.
        o: what it produced.
        total_s: wall time of the whole run, for the model card.
    """
    from embedlab.train.card import curves_csv, model_card
    from embedlab.utils.atomic import atomic_dir, atomic_write_json, atomic_write_text

    result = TrainResult(
        output=p.output,
        before=o.before,
        after=o.after,
        primary=o.primary,
        shipped=o.shipped,
        loss=p.loss,
        loss_reason=p.loss_reason,
        hparams=run_hparams(p, o),
        train_runtime_s=o.runtime_s,
        train_samples_per_second=o.samples_per_second,
        truncation=o.truncation,
    )
    card = model_card(
        p.recipe, result, data=data_description(p), shipped=o.shipped_line, runtime_s=total_s, device=o.device
    )
    inputs = [x for x in (p.recipe.train, p.recipe.eval) if x and not str(x).startswith("hf:")]
    with atomic_dir(p.output, kind=OUTPUT_KIND, inputs=inputs, recognize=is_run_folder) as tmp:
        o.model.save(str(tmp))
        atomic_write_text(tmp / "recipe.toml", recipe_toml(p.recipe))
        atomic_write_json(tmp / "metrics.json", run_metrics(p, o))
        atomic_write_text(tmp / "curves.csv", curves_csv(o.log_history))
        atomic_write_text(tmp / "README.md", card)
        if (p.checkpoints / "runs").is_dir():
            shutil.copytree(p.checkpoints / "runs", tmp / "runs")
    shutil.rmtree(p.checkpoints, ignore_errors=True)
    return result
