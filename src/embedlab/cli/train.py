"""``embedlab train [RECIPE] [flags]``: fine-tune a sentence-embedding model (a thin layer over embedlab.train)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer

from embedlab.cli.options import choices, option_values
from embedlab.errors import OptionError, ParameterError
from embedlab.train.recipe import Architecture, DataFormat, LossName, Pooling, Precision, Recipe, SplitBy

R = Recipe()  # the defaults shown in the help are the recipe's own
SplitByChoice = choices("SplitByChoice", SplitBy)
FormatChoice = choices("FormatChoice", DataFormat)
LossChoice = choices("LossChoice", LossName)
PoolingChoice = choices("PoolingChoice", Pooling)
ArchitectureChoice = choices("ArchitectureChoice", Architecture)
PrecisionChoice = choices("PrecisionChoice", Precision)
RECIPE_KEYS = {"fmt": "format", "lr": "learning_rate"}  # parameter -> the recipe's key, where they differ
DUAL_KEYS = ("query_model", "document_model", "from_scratch", "temperature")  # keys of the recipe's [dual] table


@contextlib.contextmanager
def flags_named(renamed: dict[str, str]) -> Iterator[None]:
    """Report the library's parameter errors with this command's flag where it differs from the parameter's name
    (``learning_rate`` is ``--lr`` here)."""
    try:
        yield
    except ParameterError as exc:
        if isinstance(exc, OptionError):
            raise
        if exc.param.startswith("dual."):  # a key of the recipe's [dual] table: named as the recipe names it
            raise OptionError(exc.param, exc.detail) from exc
        if exc.param in renamed:
            raise OptionError(renamed[exc.param], exc.detail) from exc
        raise


def _dims(spec: str | None) -> list[int] | None:
    if spec is None:
        return None
    try:
        return [int(x) for x in spec.split(",") if x.strip()]
    except ValueError as exc:
        raise OptionError("--matryoshka-dims", f"expected comma-separated integers, got {spec!r}") from exc


def train_command(
    ctx: typer.Context,
    recipe: Path | None = typer.Argument(None, help="TOML recipe; flags given here override its keys."),
    train: str | None = typer.Option(None, "--train", "-t", help="Training data: file, folder, or hf:NAME."),
    eval: str | None = typer.Option(None, "--eval", help="Held-out evaluation data [carved from --train]."),
    eval_split: float | None = typer.Option(
        None, "--eval-split", help=f"Share held out when --eval is absent [{R.eval_split:g}]."
    ),
    split_by: SplitByChoice | None = typer.Option(
        None, "--split-by", help=f"Carve the held-out share by [{R.split_by}]."
    ),
    data_split: str | None = typer.Option(None, "--data-split", help="Split of an SNLI/BEIR folder (train, dev...)."),
    output: str | None = typer.Option(None, "--output", "-o", help=f"Output folder [{R.output}]."),
    model: str | None = typer.Option(None, "--model", "-m", help="Base model (alias, folder, hub id)."),
    fmt: FormatChoice | None = typer.Option(None, "--format", help="Data format [auto: guessed]."),
    columns: str | None = typer.Option(None, "--columns", help="Map file columns to roles: question=anchor,..."),
    loss: LossChoice | None = typer.Option(None, "--loss", help="The loss [auto: by the data's shape]."),
    nli_as_triplets: bool | None = typer.Option(
        None, "--nli-as-triplets/--nli-softmax", help="NLI as (premise, entailment, contradiction) triplets + MNRL."
    ),
    guide_model: str | None = typer.Option(None, "--guide-model", help="Guide model for --loss gist."),
    matryoshka_dims: str | None = typer.Option(None, "--matryoshka-dims", help="Wrap in MatryoshkaLoss: 384,128,64."),
    mini_batch_size: int | None = typer.Option(
        None, "--mini-batch-size", help=f"Mini-batch of cached-mnrl [{R.mini_batch_size}]."
    ),
    pooling: PoolingChoice | None = typer.Option(None, "--pooling", help="Pooling for plain transformer folders."),
    architecture: ArchitectureChoice | None = typer.Option(
        None, "--architecture", help=f"One encoder or two [{R.architecture}]."
    ),
    query_model: str | None = typer.Option(None, "--query-model", help="Dual: model of the query tower."),
    document_model: str | None = typer.Option(None, "--document-model", help="Dual: model of the document tower."),
    from_scratch: bool | None = typer.Option(None, "--from-scratch", help="Dual: towers from random weights."),
    temperature: float | None = typer.Option(None, "--temperature", help="Dual: contrastive temperature."),
    epochs: float | None = typer.Option(None, "--epochs", help="Training epochs [1; by data size for chunk pairs]."),
    batch_size: int | None = typer.Option(None, "--batch-size", "-b", help="Batch size [by loss]."),
    lr: float | None = typer.Option(None, "--lr", help="Learning rate [by loss and model size]."),
    warmup_ratio: float | None = typer.Option(None, "--warmup-ratio", help="Warm-up share of the steps [0.1]."),
    weight_decay: float | None = typer.Option(None, "--weight-decay", help=f"Weight decay [{R.weight_decay:g}]."),
    seed: int | None = typer.Option(None, "--seed", help=f"Random seed [{R.seed}]."),
    max_seq_length: int | None = typer.Option(None, "--max-seq-length", help="Tokens per text [the model's]."),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Stop after N steps (0: all epochs)."),
    eval_steps: int | None = typer.Option(None, "--eval-steps", help="Evaluate every N steps [once per epoch]."),
    save_steps: int | None = typer.Option(None, "--save-steps", help="Checkpoint every N steps [= --eval-steps]."),
    metric: str | None = typer.Option(None, "--metric", help="Metric that picks the best checkpoint [auto]."),
    keep_best: bool | None = typer.Option(None, "--keep-best/--keep-last", help="Ship the best checkpoint [best]."),
    group_by_length: bool | None = typer.Option(
        None, "--group-by-length/--no-group-by-length", help="Length-grouped batches (less padding) [on]."
    ),
    chunk_eval: bool | None = typer.Option(None, "--chunk-eval", help="Score long passages by their best chunk."),
    chunk_pairs: bool | None = typer.Option(
        None,
        "--chunk-pairs/--no-chunk-pairs",
        help="Passages longer than the model reads: train on (query, chunk) pairs cut as the index cuts [on].",
    ),
    precision: PrecisionChoice | None = typer.Option(None, "--precision", help="[auto: fp32 on CPU]."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the last checkpoint of an interrupted run."),
) -> None:
    """Fine-tune a sentence-embedding model; the loss follows from the data's shape.

    Examples: embedlab train --train pairs.jsonl -o my-model;  embedlab train recipe.toml --epochs 2
    """
    from embedlab.data.training import parse_columns
    from embedlab.train.recipe import load_recipe
    from embedlab.train.trainer import print_result
    from embedlab.train.trainer import train as run_training
    from embedlab.utils.console import console, err_console

    base = load_recipe(recipe) if recipe is not None else None
    dual = dict(base.dual) if base is not None else {}
    dual.update({key: ctx.params[key] for key in DUAL_KEYS if ctx.params[key] is not None})
    overrides = option_values(ctx.params, skip=("recipe", "resume", *DUAL_KEYS), renamed=RECIPE_KEYS)
    overrides.update(
        columns=parse_columns(columns) if columns else None, matryoshka_dims=_dims(matryoshka_dims), dual=dual or None
    )
    effective = load_recipe(recipe, **overrides)
    with flags_named({"learning_rate": "--lr", "fmt": "--format"}):
        result = run_training(effective, console=err_console, resume=resume)
    print_result(result, console)


def register(app: typer.Typer) -> None:
    """Add ``embedlab train`` to the main app."""
    app.command("train", help="Fine-tune a sentence-embedding model (loss chosen from the data's shape).")(
        train_command
    )
