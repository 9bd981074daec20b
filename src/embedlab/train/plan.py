"""A training run's plan: every decision of a run, made before any model is loaded or any step is trained.

:func:`plan` is a pure function of the recipe, the data and what is known of the base model (:class:`ModelInfo`,
read from its files without loading it). It carves the held-out split, picks the loss (and says why), fills the
hyper-parameters the recipe leaves blank, counts steps, warm-up, evaluation and checkpoint intervals, chooses the
evaluator, and checks the output folder and every combination that would waste a run (a batch too small for
in-batch negatives, checkpoints that cannot keep the best, a sequence length above the model's limit). It runs in
milliseconds, so each of these decisions is unit-tested without training; :func:`embedlab.train.execute.execute`
then carries the plan out and :func:`embedlab.train.write.write_run` writes the output folder.

Example:
    >>> p = plan(Recipe(train="pairs.jsonl", epochs=2), load_data(recipe), model_info=ModelInfo(n_params=22_700_000))
    >>> p.loss, p.batch_size, p.learning_rate, p.total_steps
    ('mnrl', 32, 2e-05, 26)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.data.training import TrainingData, ir_to_pairs
from embedlab.errors import InputError, ParameterError
from embedlab.train.model_info import ModelInfo
from embedlab.train.recipe import Recipe

if TYPE_CHECKING:
    from embedlab.dual import DualConfig
    from embedlab.train.defaults import Defaults

OUTPUT_KIND = "sentence-model"


@dataclass(frozen=True)
class TrainingInput:
    """The data a recipe names, read and checked: the training rows and the evaluation file's rows (if any)."""

    train: TrainingData
    eval: TrainingData | None = None


@dataclass(frozen=True)
class ChunkPairsChoice:
    """Whether a run trains on (query, chunk) pairs, and why (the line the run prints and metrics.json keeps).

    Attributes:
        used: the training rows are (query, chunk) pairs.
        why: the reason, in words.
        long_share: share of the training passages longer than ``max_seq_length`` (None when not measured).
    """

    used: bool
    why: str
    long_share: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TrainingPlan:
    """Everything a run will do, decided up front (see the module docstring).

    Attributes:
        recipe: the effective recipe: the user's recipe with every default filled in (``max_seq_length`` stays None
            until :func:`bind_model` reads it from the loaded model, when neither recipe nor probe knew it).
        train, eval: the rows to train and evaluate on (``eval`` carved from ``train`` when no file was given).
        eval_from: ``file``, ``held-out`` or ``none``.
        loss, loss_reason: the loss name and why it fits the data.
        no_duplicates: batches must not repeat a text (in-batch negatives).
        defaults_why: why the default hyper-parameters are what they are.
        batch_size, learning_rate, warmup_ratio: effective hyper-parameters.
        steps_per_epoch, total_steps, warmup_steps, eval_steps, save_steps: the schedule.
        evaluator: ``ir``, ``chunked-ir``, ``triplet``, ``similarity``, ``nli`` or None.
        keep_best: ship the best checkpoint (never worse than the base model).
        output, checkpoints: the output folder (checked) and where checkpoints live until the run succeeds.
        dual: the parsed ``[dual]`` table for ``architecture = "dual"``.
        chunk_pairs: whether the rows are (query, chunk) pairs, and why.
        notes: lines the run prints before it starts.
    """

    recipe: Recipe
    train: TrainingData
    eval: TrainingData | None
    eval_from: str
    loss: str
    loss_reason: str
    no_duplicates: bool
    defaults_why: str
    batch_size: int
    learning_rate: float
    warmup_ratio: float
    steps_per_epoch: int
    total_steps: int
    warmup_steps: int
    eval_steps: int
    save_steps: int
    evaluator: str | None
    keep_best: bool
    output: Path
    checkpoints: Path
    dual: DualConfig | None = None
    chunk_pairs: ChunkPairsChoice = ChunkPairsChoice(False, "")
    notes: tuple[str, ...] = ()


def checkpoints_dir(output: str | Path) -> Path:
    """Where a run keeps its checkpoints until it succeeds: ``OUTPUT.checkpoints`` beside the output folder."""
    out = Path(output)
    return out.with_name(out.name + ".checkpoints")


def is_run_folder(path: Path) -> bool:
    """A sentence-model folder written before output markers existed (it has the run's ``recipe.toml``)."""
    return (path / "recipe.toml").is_file()


def check_output(recipe: Recipe) -> Path:
    """Refuse an output folder that is not an earlier run's (nor holds the data); called before anything is read.

    Raises:
        OutputPathError: one line saying why.
    """
    from embedlab.utils.atomic import check_output_dir

    inputs = [p for p in (recipe.train, recipe.eval) if p and not str(p).startswith("hf:")]
    return check_output_dir(recipe.output, OUTPUT_KIND, inputs=inputs, recognize=is_run_folder)


def held_out(recipe: Recipe, data: TrainingInput) -> tuple[TrainingData, TrainingData | None, str]:
    """The (train, eval) rows and where eval came from; the only place training carves a held-out split.

    The split is :mod:`embedlab.data.split`'s (the one ``embedlab data split`` uses), by document so no passage is on
    both sides, with the recipe's seed.
    """
    from embedlab.data.split import split_ir, split_rows

    train = data.train
    if data.eval is not None:
        return train, data.eval, "file"
    if recipe.eval_split <= 0 or train.shape == "text":
        return train, None, "none"
    frac = {"train": 1 - recipe.eval_split, "eval": recipe.eval_split}
    if train.ir is not None and recipe.split_by in ("doc", "query"):
        parts = split_ir(train.ir, frac, by=recipe.split_by, seed=recipe.seed, source=train.source)
        return ir_to_pairs(parts["train"], train.source), ir_to_pairs(parts["eval"], train.source), "held-out"
    keys = train.group_keys if (train.group_keys and recipe.split_by == "doc") else list(range(len(train)))
    idx = split_rows(keys, frac, seed=recipe.seed, source=train.source)
    parts_rows = {}
    for name in ("train", "eval"):
        part = dataclasses.replace(train, dataset=train.dataset.select(idx[name]), ir=None)
        if train.group_keys:
            part.group_keys = [train.group_keys[i] for i in idx[name]]
        parts_rows[name] = part
    return parts_rows["train"], parts_rows["eval"], "held-out"


# Passages a model cuts: at 10 % or more of them, training on whole passages teaches the model about their first
# max_seq_length tokens only, on texts longer than the chunks the index embeds (the index chunks exactly those
# passages). Below that, the few cut passages change little and whole-passage pairs are the simpler data.
LONG_SHARE = 0.10
# Chunk-pair training on a few hundred pairs: about 50 optimizer steps, measured on aims_qa (docs/benchmarks.md,
# "Train the way it retrieves"): 13 steps already gain most, the best dev checkpoint came near step 50.
TARGET_STEPS = 50
MAX_EPOCHS_BY_SIZE = 10
# The measured chunk-pair recipe's learning rate (2e-5, the general default, moves too little in ~50 steps).
CHUNK_PAIRS_LEARNING_RATE = 5e-5
# A static model (one embedding table, ``embedlab distill``) trains at a learning rate a thousand times a
# transformer's: with MNRL for one epoch, 2e-5 moved neither STS-B dev (SNLI pairs) nor aims_qa NDCG@10 (+-0.006),
# 0.2 broke STS-B (-0.09 to -0.13); lr 0.02 with batch 64 had the best worse-of-the-two gain of 12 settings
# (+0.027 Spearman, +0.164 NDCG@10; docs/benchmarks.md, "Static models, fast path"). CoSENT on STS-B train gained
# nothing at any rate (2e-5: +0.000, 1e-3: +0.001, 5e-3: -0.011, 0.02: -0.123), so other losses keep their defaults.
STATIC_LEARNING_RATE = 0.02
STATIC_BATCH_SIZE = 64


def epochs_by_size(rows: int, batch_size: int) -> int:
    """Epochs giving about :data:`TARGET_STEPS` optimizer steps: several for a few hundred rows, one for thousands.

    Example:
        >>> epochs_by_size(372, 32), epochs_by_size(100_000, 32), epochs_by_size(20, 32)
        (4, 1, 10)
    """
    steps_per_epoch = max(1, math.ceil(rows / batch_size))
    return min(MAX_EPOCHS_BY_SIZE, max(1, round(TARGET_STEPS / steps_per_epoch)))


def chunk_pairs_choice(recipe: Recipe, train: TrainingData, model_info: ModelInfo) -> ChunkPairsChoice:
    """Train on (query, chunk) pairs when the data is IR and at least :data:`LONG_SHARE` of its passages exceed the
    model's sequence length (measured with the model's tokenizer)."""
    from embedlab.train.retrieval_pairs import long_share

    if train.ir is None or train.shape != "pairs":
        return ChunkPairsChoice(False, "not IR data: trained on its rows as they are")
    if not recipe.chunk_pairs:
        return ChunkPairsChoice(False, "chunk pairs turned off (chunk_pairs = false): trained on whole passages")
    seq = recipe.max_seq_length or model_info.max_seq_length
    if not seq or model_info.tokenizer is None or not callable(model_info.tokenizer):
        return ChunkPairsChoice(False, "the model's sequence length or tokenizer is unknown: whole passages")
    share = long_share(list(dict.fromkeys(train.dataset["positive"])), model_info.tokenizer, seq)
    if share < LONG_SHARE:
        why = f"{share:.0%} of the passages exceed {seq} tokens (< {LONG_SHARE:.0%}): trained on whole passages"
        return ChunkPairsChoice(False, why, share)
    why = (
        f"{share:.0%} of the passages exceed the model's {seq} tokens: training on (query, chunk) pairs cut as the "
        "index cuts them, the positive chunk chosen by the base model + BM25 (--no-chunk-pairs: whole passages)"
    )
    return ChunkPairsChoice(True, why, share)


def chunk_rows(
    train: TrainingData, *, tokenizer: Any, max_seq_length: int | None, encoder: Any | None = None
) -> TrainingData:
    """(query, chunk) pairs of IR rows, chunked with the index's defaults (:class:`BuildSettings`): the positive
    chunk chosen by BM25 (no model: the plan) or by the base model and BM25 fused (``encoder``: at execution).
    Only the chosen chunk of a (query, passage) is kept: the passage's other chunks never become its negatives."""
    from embedlab.index.settings import BuildSettings
    from embedlab.train.retrieval_pairs import chunk_pairs, to_training_data

    build = BuildSettings()
    pairs = chunk_pairs(
        train.ir,  # type: ignore[arg-type]
        encoder,
        chunk=build.chunk,  # type: ignore[arg-type]
        size=build.chunk_size,
        overlap=build.overlap,
        tokenizer=tokenizer,
        max_tokens=max_seq_length,
        choose="fused" if encoder is not None else "bm25",
    )
    return dataclasses.replace(to_training_data(pairs, train.source), ir=train.ir)


def training_rows(recipe: Recipe, train: TrainingData, model_info: ModelInfo) -> tuple[TrainingData, ChunkPairsChoice]:
    """The rows the model trains on, made from the training data, and whether they are chunk pairs.

    IR data whose passages exceed the model's sequence length becomes (query, chunk) pairs
    (:func:`chunk_pairs_choice`), the positive chosen here by BM25; :func:`embedlab.train.execute.execute` re-chooses
    it with the loaded base model and BM25 fused (same rows, same count: the schedule stands).
    """
    choice = chunk_pairs_choice(recipe, train, model_info)
    if not choice.used:
        return train, choice
    seq = recipe.max_seq_length or model_info.max_seq_length
    return chunk_rows(train, tokenizer=model_info.tokenizer, max_seq_length=seq), choice


def check_batch(train: TrainingData, loss: str, batch_size: int, source: str | None) -> None:
    """In-batch-negative losses need a batch of distinct texts, and a batch of one learns nothing without hard
    negatives (its only candidate is its own positive: the loss is 0); say so before anything is loaded."""
    from embedlab.train.losses import IN_BATCH_NEGATIVES

    if loss not in IN_BATCH_NEGATIVES:
        return
    if batch_size < 2 and train.shape != "triplets":
        raise ParameterError(
            "batch_size",
            f"{batch_size} leaves the {loss} loss no in-batch negatives (its loss is always 0 and nothing is "
            "learned); use at least 2, ideally 16 or more",
        )
    if len(train) < batch_size:
        raise InputError(
            f"only {len(train)} training rows for batch size {batch_size}: too small for in-batch negatives; "
            "lower --batch-size or add data",
            path=source,
        )
    distinct = len(set(train.dataset["positive"]))
    if distinct < batch_size:
        raise InputError(
            f"only {distinct} distinct positives for batch size {batch_size}: batches would repeat texts "
            "(false in-batch negatives); lower --batch-size or add data",
            path=source,
        )


def evaluator_kind(data: TrainingData, *, loss: str | None = None, chunk: bool = False) -> str | None:
    """Which evaluator held-out data of this shape gets: ``ir``, ``chunked-ir``, ``triplet``, ``similarity``, ``nli``
    (needs the SoftmaxLoss classifier, ``loss="softmax"``) or None (unlabeled text)."""
    if data.shape in ("pairs", "triplets") and (data.ir is not None or data.shape == "pairs"):
        return "chunked-ir" if chunk else "ir"
    if data.shape == "triplets":
        return "triplet"
    if data.shape == "scored":
        return "similarity"
    if data.shape == "nli" and loss == "softmax":
        return "nli"
    return None


def _schedule(recipe: Recipe, rows: int, batch_size: int, warmup_ratio: float, evaluates: bool) -> dict[str, int]:
    steps_per_epoch = max(1, math.ceil(rows / batch_size))
    total = recipe.max_steps or max(1, math.ceil(steps_per_epoch * recipe.epochs))
    eval_steps = min(recipe.eval_steps or steps_per_epoch, total)
    save_steps = recipe.save_steps or eval_steps
    if recipe.keep_best and evaluates and save_steps % eval_steps:
        raise ParameterError(
            "save_steps", f"must be a multiple of eval_steps ({eval_steps}) to keep the best checkpoint"
        )
    return {
        "steps_per_epoch": steps_per_epoch,
        "total_steps": total,
        "warmup_steps": math.ceil(total * warmup_ratio),
        "eval_steps": eval_steps,
        "save_steps": save_steps,
    }


def _dual_config(recipe: Recipe) -> DualConfig | None:
    if recipe.architecture != "dual":
        return None
    from embedlab.dual import DualConfig

    return DualConfig.from_dict(recipe.dual)


def _sequence_length(recipe: Recipe, info: ModelInfo) -> int | None:
    if recipe.max_seq_length and info.position_limit and recipe.max_seq_length > info.position_limit:
        raise ParameterError(
            "max_seq_length", f"{recipe.max_seq_length} exceeds the model's position limit of {info.position_limit}"
        )
    return recipe.max_seq_length or info.max_seq_length


def _resolved_path(value: str | None) -> str | None:
    return str(Path(value).resolve()) if value and Path(value).exists() else value


def plan(recipe: Recipe, data: TrainingInput | TrainingData, *, model_info: ModelInfo) -> TrainingPlan:
    """Decide a run (see the module docstring). Pure: reads no model, trains nothing, writes nothing.

    Args:
        recipe: the recipe (flags applied).
        data: the data as read (:func:`embedlab.train.trainer.load_data`), or training rows alone.
        model_info: the base model's size and limits (:func:`embedlab.train.model_info.probe_model`).

    Raises:
        ParameterError: a bad value or combination, named as the recipe names it.
        InputError: data that cannot train this loss (an empty split, too few rows for the batch).
        OutputPathError: an output folder that is not this command's own.
    """
    from embedlab.train.defaults import default_hparams
    from embedlab.train.losses import IN_BATCH_NEGATIVES, loss_reason, requested_loss, resolve_loss_name

    recipe.validate()
    output = check_output(recipe)
    data = data if isinstance(data, TrainingInput) else TrainingInput(data)
    dual = _dual_config(recipe)
    train, ev, eval_from = held_out(recipe, data)
    train, chunking = training_rows(recipe, train, model_info)
    if len(train) == 0:
        raise InputError("the training split is empty", path=recipe.train)
    if ev is not None and len(ev) == 0:
        raise InputError("the evaluation split is empty", path=recipe.eval or recipe.train)
    loss = resolve_loss_name(train.shape, requested_loss(recipe, train.shape))
    reason = loss_reason(train.shape, loss, recipe, full_dim=model_info.dim)
    defaults = default_hparams(loss, n_params=model_info.n_params or 0, pretrained=model_info.pretrained)
    if model_info.static:
        defaults = static_hparams(defaults, loss in IN_BATCH_NEGATIVES, len(train))
    batch_size = recipe.batch_size or defaults.batch_size
    check_batch(train, loss, batch_size, recipe.train)
    lr = recipe.learning_rate if recipe.learning_rate is not None else defaults.learning_rate
    if chunking.used and recipe.learning_rate is None:
        lr = CHUNK_PAIRS_LEARNING_RATE
    epochs = recipe.epochs or (epochs_by_size(len(train), batch_size) if chunking.used else 1.0)
    defaults_why = _chunk_pairs_why(defaults.why, recipe, chunking)
    recipe = dataclasses.replace(recipe, epochs=epochs, chunk_eval=recipe.chunk_eval or chunking.used)
    warmup = recipe.warmup_ratio if recipe.warmup_ratio is not None else defaults.warmup_ratio
    kind = evaluator_kind(ev, loss=loss, chunk=recipe.chunk_eval) if ev is not None else None
    schedule = _schedule(recipe, len(train), batch_size, warmup, kind is not None)
    effective = dataclasses.replace(
        recipe,
        learning_rate=lr,
        warmup_ratio=warmup,
        batch_size=batch_size,
        max_seq_length=_sequence_length(recipe, model_info),
        train=_resolved_path(recipe.train),
        eval=_resolved_path(recipe.eval),
    )
    return TrainingPlan(
        recipe=effective,
        train=train,
        eval=ev,
        eval_from=eval_from,
        loss=loss,
        loss_reason=reason,
        no_duplicates=loss in IN_BATCH_NEGATIVES,
        defaults_why=defaults_why,
        batch_size=batch_size,
        learning_rate=lr,
        warmup_ratio=warmup,
        evaluator=kind,
        keep_best=bool(recipe.keep_best and kind is not None),
        output=output,
        checkpoints=checkpoints_dir(output),
        dual=dual,
        chunk_pairs=chunking,
        notes=_notes(recipe, kind),
        **schedule,
    )


def static_hparams(defaults: Defaults, in_batch_negatives: bool, rows: int) -> Defaults:
    """A static model's defaults for an in-batch-negative loss (MNRL and kin): :data:`STATIC_LEARNING_RATE`, and
    :data:`STATIC_BATCH_SIZE` when the data fills such a batch (smaller data keeps the loss's own batch). Other
    losses keep ``defaults`` (no rate measured better for them).

    Example:
        >>> d = static_hparams(default_hparams("mnrl", n_params=7_558_400), True, 3000)
        >>> d.learning_rate, d.batch_size
        (0.02, 64)
    """
    if not in_batch_negatives:
        return defaults
    batch = STATIC_BATCH_SIZE if rows >= STATIC_BATCH_SIZE else defaults.batch_size
    why = f"static model (one embedding table): lr {STATIC_LEARNING_RATE:g}, {defaults.warmup_ratio:.0%} warm-up"
    return dataclasses.replace(
        defaults, learning_rate=STATIC_LEARNING_RATE, batch_size=batch, why=f"{why}, batch {batch}"
    )


def _chunk_pairs_why(why: str, recipe: Recipe, chunking: ChunkPairsChoice) -> str:
    """The defaults' reason, with what the chunk-pair recipe set in their place."""
    if not chunking.used:
        return why
    own = [f"lr {CHUNK_PAIRS_LEARNING_RATE:g}"] if recipe.learning_rate is None else []
    own += [f"epochs for about {TARGET_STEPS} steps"] if recipe.epochs is None else []
    return why + (f"; chunk pairs (the measured recipe): {', '.join(own)}" if own else "")


def _notes(recipe: Recipe, kind: str | None) -> tuple[str, ...]:
    notes = []
    if kind == "chunked-ir":
        notes.append("[dim]evaluation scores long passages by their best chunk (--chunk-eval)[/dim]")
    if kind is None and recipe.keep_best:
        notes.append(
            "[yellow]no labeled evaluation data: the last checkpoint is shipped (--eval FILE keeps the best)[/yellow]"
        )
    return tuple(notes)


def set_max_seq_length(model: Any, length: int | None) -> None:
    """Set a model's sequence length when one is given and the model has one to set.

    A static model (sentence-transformers' ``StaticEmbedding``) reads whole texts: its ``max_seq_length`` is a
    read-only property, and there is nothing to truncate.
    """
    if not length:
        return
    try:
        model.max_seq_length = length
    except AttributeError:
        pass


def bind_model(p: TrainingPlan, model: Any) -> TrainingPlan:
    """The plan with the loaded model's sequence length where neither the recipe nor the probe knew it."""
    if p.recipe.max_seq_length:
        set_max_seq_length(model, p.recipe.max_seq_length)
        return p
    return dataclasses.replace(p, recipe=dataclasses.replace(p.recipe, max_seq_length=model.max_seq_length))


def describe(p: TrainingPlan) -> list[str]:
    """The plan as the lines a run prints before it starts (loss, hyper-parameters, schedule)."""
    r = p.recipe
    data = [f"[bold]training rows:[/bold] {p.chunk_pairs.why}"] if p.chunk_pairs.why and p.train.ir else []
    return [
        *data,
        f"[bold]loss:[/bold] {p.loss_reason}",
        f"[bold]hyper-parameters:[/bold] lr {p.learning_rate:g}, warm-up {p.warmup_ratio:.0%}, batch {p.batch_size}, "
        f"epochs {r.epochs:g}, max_seq_length {r.max_seq_length or 'of the model'} "
        f"[dim](defaults: {p.defaults_why})[/dim]",
        f"[bold]schedule:[/bold] {len(p.train)} training rows, {p.total_steps} steps ({p.warmup_steps} warm-up), "
        + (
            f"evaluation every {p.eval_steps} steps on {len(p.eval)} rows"
            if p.evaluator and p.eval
            else "no evaluation"
        ),
        *p.notes,
    ]
