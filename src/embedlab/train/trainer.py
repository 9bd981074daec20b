"""A training run, from recipe to a shippable model folder.

:func:`train` does what a careful practitioner does around sentence-transformers' ``SentenceTransformerTrainer``:

1. read and check the data (every bad row stops the run before any training), carve a held-out split that does not
   leak passages, report the share of texts the model will truncate;
2. pick the loss from the data's shape and sane defaults for it (printed with the reason);
3. evaluate the base model, then train with evaluation every N steps, checkpoints every N steps, a rich progress
   bar, TensorBoard logs, length-grouped batches and no duplicate texts in a batch for in-batch-negative losses;
4. keep the best checkpoint by the chosen metric, and ship the base model instead when no checkpoint beats it;
5. write the model folder atomically: the model (``SentenceTransformer(folder)`` loads it), ``recipe.toml``,
   ``metrics.json``, ``curves.csv``, ``README.md`` (model card) and ``runs/`` (TensorBoard).

Checkpoints live in ``OUTPUT.checkpoints/`` beside the output until the run succeeds; an interrupted run leaves its
last complete checkpoint there and ``resume=True`` continues from it with the same result as an uninterrupted run.

Example:
    >>> from embedlab.train import Recipe, train
    >>> result = train(Recipe(train="pairs.jsonl", output="my-model", epochs=1))  # doctest: +SKIP
    >>> result.after["eval_cosine_ndcg@10"] >= result.before["eval_cosine_ndcg@10"]
    True
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.data.training import load_training_data
from embedlab.errors import ParameterError
from embedlab.train.plan import TrainingInput, checkpoints_dir
from embedlab.train.recipe import Recipe
from embedlab.train.write import TrainResult
from embedlab.utils.console import err_console

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["TrainResult", "checkpoints_dir", "last_checkpoint", "load_data", "print_result", "train"]


def last_checkpoint(folder: str | Path) -> Path | None:
    """The latest *complete* checkpoint in ``folder`` (one whose trainer state was written), or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    done = [p for p in folder.glob("checkpoint-*") if (p / "trainer_state.json").exists() and p.name[11:].isdigit()]
    return max(done, key=lambda p: int(p.name[11:])) if done else None


def resume_checkpoint(output: str | Path) -> Path:
    """The checkpoint a ``resume`` continues from.

    Raises:
        ParameterError: there is none.
    """
    ckpt_dir = checkpoints_dir(output)
    found = last_checkpoint(ckpt_dir)
    if found is None:
        raise ParameterError("resume", f"no complete checkpoint in {ckpt_dir} to resume from")
    return found


def load_data(recipe: Recipe, console: Console | None = None) -> TrainingInput:
    """Read and check the recipe's data before any model is loaded (every bad row stops the run here)."""
    console = console or err_console
    options = {"columns": recipe.columns, "nli_as_triplets": recipe.nli_as_triplets, "split": recipe.data_split}
    train = load_training_data(recipe.train, fmt=recipe.format, **options)
    ev = load_training_data(recipe.eval, fmt="auto", **options) if recipe.eval else None
    for note in train.notes:
        console.print(f"[dim]{note}[/dim]")
    return TrainingInput(train, ev)


def train(
    recipe: Recipe, *, console: Console | None = None, resume: bool = False, callbacks: list[Any] | None = None
) -> TrainResult:
    """Run a training recipe end to end and write the model folder: plan, execute, write (see the module docstring).

    Args:
        recipe: the recipe (flags already applied).
        console: where messages and the progress bar go (stderr by default).
        resume: continue from the last complete checkpoint in ``OUTPUT.checkpoints``.
        callbacks: extra ``transformers.TrainerCallback`` objects (tests use one to interrupt a run).

    Raises:
        InputError: bad data (missing column, unknown label, score out of range, empty split, duplicate ids, query
            without a relevant passage, fewer rows than the batch size), before any training.
        ParameterError: a bad value or combination (a loss that does not fit the data, bf16 on CPU...).
        OutputPathError: an output folder that is not an earlier run's, before anything is read.
    """
    from embedlab.train.execute import device_and_precision, execute, load_model
    from embedlab.train.model_info import probe_model
    from embedlab.train.plan import bind_model, check_output, describe, plan
    from embedlab.train.progress import quiet_libraries
    from embedlab.train.write import write_run

    console = console or err_console
    started = time.perf_counter()
    recipe.validate()
    check_output(recipe)  # a bad -o fails before any data or model is read
    resume_from = resume_checkpoint(recipe.output) if resume else None
    device, bf16, fp16 = device_and_precision(recipe.precision)
    quiet_libraries()
    the_plan = plan(recipe, load_data(recipe, console), model_info=probe_model(recipe))
    model = load_model(the_plan, device)
    the_plan = bind_model(the_plan, model)
    for line in describe(the_plan):
        console.print(line, highlight=False)
    outcome = execute(
        the_plan,
        model,
        device=device,
        precision=(bf16, fp16),
        console=console,
        resume_from=resume_from,
        callbacks=callbacks,
    )
    result = write_run(the_plan, outcome, total_s=time.perf_counter() - started)
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()
    return result


def print_result(result: TrainResult, console: Console) -> None:
    """Print the before/after table of a run."""
    from rich.table import Table

    table = Table(title=f"{result.output} ({result.loss})")
    table.add_column("metric")
    table.add_column("base model", justify="right")
    table.add_column("trained", justify="right")
    table.add_column("change", justify="right")
    for key, b in result.before.items():
        a = result.after.get(key)
        if not isinstance(b, (int, float)) or a is None:
            continue
        name = key.removeprefix("eval_") + (" *" if key == result.primary else "")
        table.add_row(name, f"{b:.4f}", f"{a:.4f}", f"{a - b:+.4f}")
    console.print(table)
    if result.shipped == "base":
        console.print("[yellow]shipped the base model: no checkpoint beat it on the held-out split[/yellow]")
    console.print(
        f"model written to [bold]{result.output}[/bold] (load with SentenceTransformer({str(result.output)!r}))"
    )
