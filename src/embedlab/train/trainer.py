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

import dataclasses
import json
import logging
import math
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.data.training import TrainingData, ir_to_pairs, load_training_data
from embedlab.errors import InputError, OptionError
from embedlab.train.recipe import Recipe, recipe_toml
from embedlab.utils.console import err_console

if TYPE_CHECKING:
    from rich.console import Console
    from sentence_transformers import SentenceTransformer


@dataclass
class TrainResult:
    """What a run produced.

    Attributes:
        output: the model folder.
        before: metrics of the base model on the held-out split.
        after: metrics of the shipped model on the held-out split.
        primary: the selection metric's key (None without evaluation).
        shipped: ``"trained"`` or ``"base"`` (no checkpoint beat the base model).
        loss: the loss name; ``loss_reason`` why it was chosen.
        hparams: the effective hyper-parameters.
        train_runtime_s: seconds spent in the training loop; ``train_samples_per_second`` its throughput.
    """

    output: Path
    before: dict[str, float]
    after: dict[str, float]
    primary: str | None
    shipped: str
    loss: str
    loss_reason: str
    hparams: dict[str, Any]
    train_runtime_s: float = 0.0
    train_samples_per_second: float = 0.0
    truncation: list[str] = field(default_factory=list)


def checkpoints_dir(output: str | Path) -> Path:
    """Where a run keeps its checkpoints until it succeeds: ``OUTPUT.checkpoints`` beside the output folder."""
    out = Path(output)
    return out.with_name(out.name + ".checkpoints")


def last_checkpoint(folder: str | Path) -> Path | None:
    """The latest *complete* checkpoint in ``folder`` (one whose trainer state was written), or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    done = [p for p in folder.glob("checkpoint-*") if (p / "trainer_state.json").exists() and p.name[11:].isdigit()]
    return max(done, key=lambda p: int(p.name[11:])) if done else None


def _device_and_precision(recipe: Recipe) -> tuple[str, bool, bool]:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        if recipe.precision in ("bf16", "fp16"):
            raise OptionError(
                "--precision", f"{recipe.precision} needs a GPU; on CPU training stays fp32 (faster here)"
            )
        return device, False, False
    if recipe.precision == "fp32":
        return device, False, False
    bf16_ok = torch.cuda.is_bf16_supported()
    if recipe.precision == "bf16" and not bf16_ok:
        raise OptionError("--precision", "this GPU does not support bf16; use fp16")
    bf16 = recipe.precision == "bf16" or (recipe.precision == "auto" and bf16_ok)
    fp16 = recipe.precision == "fp16" or (recipe.precision == "auto" and not bf16_ok)
    return device, bf16, fp16


def _load_model(recipe: Recipe, loss_hint: str, train_texts: list[str], device: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models

    from embedlab.models.resolve import load_sentence_model

    if recipe.architecture == "dual":
        from embedlab.dual import DualConfig, build_dual_model

        config = DualConfig.from_dict(recipe.dual)
        model = build_dual_model(config, corpus=train_texts, base=recipe.model)
        return model.to(device)
    model = load_sentence_model(recipe.model, pooling=recipe.pooling, device=device)
    if loss_hint == "tsdae":
        # TSDAE decodes from one vector: the paper (and sentence-transformers' example) uses CLS pooling, no Normalize.
        word = model[0]
        pool = models.Pooling(word.get_embedding_dimension(), pooling_mode="cls")
        model = SentenceTransformer(modules=[word, pool], device=device)
    return model


def _damage(text: str, rng: random.Random, ratio: float = 0.6) -> str:
    """TSDAE's deletion noise: drop each word with probability ``ratio``, keep at least one.

    Written here (not sentence-transformers' ``DenoisingAutoEncoderDataset.delete``) because that needs NLTK's punkt
    model, which is not available offline, and uses numpy's global RNG, which would make runs irreproducible.
    """
    words = text.split()
    if not words:
        return text
    kept = [w for w in words if rng.random() > ratio]
    return " ".join(kept or [rng.choice(words)])


def _tsdae_dataset(data: TrainingData, seed: int) -> Any:
    from datasets import Dataset

    rng = random.Random(seed)
    texts = data.dataset["text"]
    return Dataset.from_dict({"damaged": [_damage(t, rng) for t in texts], "original": texts})


def _split(train: TrainingData, recipe: Recipe) -> tuple[TrainingData, TrainingData | None]:
    """Carve the held-out split (``recipe.eval_split``) without leaking passages."""
    from embedlab.data.split import split_ir, split_rows

    frac = {"train": 1 - recipe.eval_split, "eval": recipe.eval_split}
    if train.ir is not None and recipe.split_by in ("doc", "query"):
        parts = split_ir(train.ir, frac, by=recipe.split_by, seed=recipe.seed, source=train.source)
        tr = ir_to_pairs(parts["train"], train.source)
        ev = ir_to_pairs(parts["eval"], train.source)
        return tr, ev
    keys = train.group_keys if (train.group_keys and recipe.split_by == "doc") else list(range(len(train)))
    idx = split_rows(keys, frac, seed=recipe.seed, source=train.source)
    tr = dataclasses.replace(train, dataset=train.dataset.select(idx["train"]), ir=None)
    ev = dataclasses.replace(train, dataset=train.dataset.select(idx["eval"]), ir=None)
    if train.group_keys:
        tr.group_keys = [train.group_keys[i] for i in idx["train"]]
        ev.group_keys = [train.group_keys[i] for i in idx["eval"]]
    return tr, ev


def _texts(data: TrainingData | None) -> list[str]:
    if data is None:
        return []
    out: list[str] = []
    for c in data.columns:
        if c not in ("label", "score"):
            out.extend(str(t) for t in data.dataset[c])
    if data.ir is not None:
        out.extend(data.ir.corpus.values())
    return out


def _progress_callback(console: Console) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from transformers import TrainerCallback

    class RichProgressCallback(TrainerCallback):
        def __init__(self) -> None:
            self.progress: Progress | None = None
            self.task: Any = None
            self.loss = float("nan")

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.progress = Progress(
                TextColumn("[bold]training"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]}"),
                TextColumn("{task.fields[metric]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self.progress.start()
            self.task = self.progress.add_task(
                "train", total=state.max_steps, completed=state.global_step, loss="-", metric=""
            )

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.progress is not None:
                self.progress.update(self.task, completed=state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if self.progress is None or not logs:
                return
            if "loss" in logs:
                self.progress.update(self.task, loss=f"{logs['loss']:.4f}")
            if args.metric_for_best_model and args.metric_for_best_model in logs:
                name = args.metric_for_best_model.removeprefix("eval_")
                self.progress.update(self.task, metric=f"{name} {logs[args.metric_for_best_model]:.4f}")

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.progress is not None:
                self.progress.stop()
                self.progress = None

    return RichProgressCallback()


def _check_batch(tr: TrainingData, recipe: Recipe, batch_size: int, loss_name: str) -> None:
    """In-batch-negative losses need at least a batch of rows with distinct texts; say so before training."""
    from embedlab.train.losses import IN_BATCH_NEGATIVES

    if loss_name not in IN_BATCH_NEGATIVES:
        return
    if len(tr) < batch_size:
        raise InputError(
            f"only {len(tr)} training rows for batch size {batch_size}: too small for in-batch negatives; "
            "lower --batch-size or add data",
            path=recipe.train,
        )
    distinct = len(set(tr.dataset["positive"]))
    if distinct < batch_size:
        raise InputError(
            f"only {distinct} distinct positives for batch size {batch_size}: batches would repeat texts "
            "(false in-batch negatives); lower --batch-size or add data",
            path=recipe.train,
        )


def _quiet_progress_bars() -> None:
    import contextlib

    with contextlib.suppress(Exception):
        import huggingface_hub

        huggingface_hub.utils.disable_progress_bars()
    with contextlib.suppress(Exception):
        import datasets

        datasets.disable_progress_bars()


def prepare(recipe: Recipe, console: Console | None = None) -> dict[str, Any]:
    """Read and check the data for a recipe, before any model is loaded (fails fast on bad input).

    Returns a dict with ``train`` and ``eval`` :class:`TrainingData` (eval may be None for unlabeled text).
    """
    console = console or err_console
    train = load_training_data(
        recipe.train,
        fmt=recipe.format,
        columns=recipe.columns,
        nli_as_triplets=recipe.nli_as_triplets,
        split=recipe.data_split,
    )
    ev: TrainingData | None = None
    if recipe.eval:
        ev = load_training_data(
            recipe.eval,
            fmt="auto",
            columns=recipe.columns,
            nli_as_triplets=recipe.nli_as_triplets,
            split=recipe.data_split,
        )
    elif recipe.eval_split > 0 and train.shape != "text":
        train, ev = _split(train, recipe)
    if len(train) == 0:
        raise InputError("the training split is empty", path=recipe.train)
    if ev is not None and len(ev) == 0:
        raise InputError("the evaluation split is empty", path=recipe.eval or recipe.train)
    for note in train.notes:
        console.print(f"[dim]{note}[/dim]")
    return {"train": train, "eval": ev}


def train(
    recipe: Recipe, *, console: Console | None = None, resume: bool = False, callbacks: list[Any] | None = None
) -> TrainResult:
    """Run a training recipe end to end and write the model folder (see the module docstring).

    Args:
        recipe: the recipe (flags already applied).
        console: where messages and the progress bar go (stderr by default).
        resume: continue from the last complete checkpoint in ``OUTPUT.checkpoints``.
        callbacks: extra ``transformers.TrainerCallback`` objects (tests use one to interrupt a run).

    Raises:
        InputError: bad data (missing column, unknown label, score out of range, empty split, duplicate ids, query
            without a relevant passage, fewer rows than the batch size), before any training.
        OptionError: a bad option or combination (a loss that does not fit the data, bf16 on CPU...).
    """
    import torch
    import transformers
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers

    from embedlab.train.batching import LengthGroupedAnyBatchSampler, LengthGroupedBatchSampler
    from embedlab.train.card import curves_csv, model_card
    from embedlab.train.defaults import default_hparams
    from embedlab.train.evaluators import build_evaluator, primary_key
    from embedlab.train.loss_state import loss_state_checkpoint_callback
    from embedlab.train.losses import build_loss, resolve_loss_name
    from embedlab.train.memory import memory_warning
    from embedlab.train.truncation import position_limit, truncation_report
    from embedlab.utils.atomic import atomic_dir, atomic_write_json, atomic_write_text
    from embedlab.utils.progress import quiet_tqdm

    console = console or err_console
    recipe.validate()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()  # our own rich bar replaces the per-shard/weights bars
    _quiet_progress_bars()
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    started = time.perf_counter()
    output = Path(recipe.output)
    ckpt_dir = checkpoints_dir(output)

    # 1. data, checked before anything heavy happens
    data = prepare(recipe, console)
    tr, ev = data["train"], data["eval"]
    requested = (
        "dual"
        if recipe.architecture == "dual" and recipe.loss == "auto" and tr.shape in ("pairs", "triplets")
        else recipe.loss
    )
    loss_name = resolve_loss_name(tr.shape, requested)
    _check_batch(tr, recipe, recipe.batch_size or default_hparams(loss_name, n_params=0).batch_size, loss_name)
    if resume and last_checkpoint(ckpt_dir) is None:
        raise OptionError("--resume", f"no complete checkpoint in {ckpt_dir} to resume from")

    # 2. model, defaults, loss
    device, bf16, fp16 = _device_and_precision(recipe)
    transformers.set_seed(recipe.seed)
    train_texts = list(dict.fromkeys(_texts(tr)))[:100_000]
    model = _load_model(recipe, loss_name, train_texts, device)
    limit = position_limit(model)
    if recipe.max_seq_length:
        if limit and recipe.max_seq_length > limit:
            raise OptionError(
                "--max-seq-length", f"{recipe.max_seq_length} exceeds the model's position limit of {limit}"
            )
        model.max_seq_length = recipe.max_seq_length
    n_params = sum(p.numel() for p in model.parameters())
    pretrained = not (recipe.architecture == "dual" and recipe.dual.get("from_scratch"))
    defaults = default_hparams(loss_name, n_params=n_params, pretrained=pretrained)
    effective = dataclasses.replace(
        recipe,
        learning_rate=recipe.learning_rate if recipe.learning_rate is not None else defaults.learning_rate,
        warmup_ratio=recipe.warmup_ratio if recipe.warmup_ratio is not None else defaults.warmup_ratio,
        batch_size=recipe.batch_size or defaults.batch_size,
        max_seq_length=model.max_seq_length,
        train=str(Path(recipe.train).resolve()) if Path(str(recipe.train)).exists() else recipe.train,
        eval=str(Path(recipe.eval).resolve()) if recipe.eval and Path(recipe.eval).exists() else recipe.eval,
    )
    dual_config = None
    if recipe.architecture == "dual":
        from embedlab.dual import DualConfig

        dual_config = DualConfig.from_dict(recipe.dual)
    choice = build_loss(model, tr.shape, effective, dual_config=dual_config)
    console.print(f"[bold]loss:[/bold] {choice.reason}")
    console.print(
        f"[bold]hyper-parameters:[/bold] lr {effective.learning_rate:g}, warm-up {effective.warmup_ratio:.0%}, "
        f"batch {effective.batch_size}, epochs {effective.epochs:g}, max_seq_length {effective.max_seq_length} "
        f"[dim](defaults: {defaults.why})[/dim]"
    )
    batch_size = effective.batch_size
    assert batch_size is not None
    # truncation at the start of training and evaluation
    trunc_lines = []
    for where, d in (("training data", tr), ("evaluation data", ev)):
        texts = _texts(d)
        if texts:
            rep = truncation_report(model.tokenizer, texts, model.max_seq_length, position_limit=limit)
            msg = rep.message(where)
            trunc_lines.append(msg)
            console.print(("[yellow]" if rep.n_truncated else "[dim]") + msg, highlight=False)
    if device == "cpu" and loss_name != "tsdae":
        text_columns = [[str(t) for t in tr.dataset[c]] for c in tr.columns if c not in ("label", "score")]
        warning = memory_warning(model, text_columns, batch_size, loss_name, mini_batch_size=recipe.mini_batch_size)
        if warning:
            console.print(f"[yellow]{warning}[/yellow]", highlight=False)
    if recipe.chunk_eval and ev is not None and ev.shape in ("pairs", "triplets"):
        console.print("[dim]evaluation scores long passages by their best chunk (--chunk-eval)[/dim]")

    # 3. evaluator and the base model's scores
    train_ds = _tsdae_dataset(tr, recipe.seed) if loss_name == "tsdae" else tr.dataset
    evaluator = build_evaluator(ev, loss=choice.loss, chunk=recipe.chunk_eval) if ev is not None else None
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    before_file = ckpt_dir / "metrics_before.json"
    resume_from = None
    if resume:
        resume_from = last_checkpoint(ckpt_dir)
        if resume_from is None:
            raise OptionError("--resume", f"no complete checkpoint in {ckpt_dir} to resume from")
        saved = ckpt_dir / "recipe.toml"
        if saved.exists() and saved.read_text(encoding="utf-8") != recipe_toml(effective):
            raise OptionError(
                "--resume", f"the recipe differs from the interrupted run's ({saved}); resume with the same recipe"
            )
        console.print(f"resuming from {resume_from}")
    else:
        for old in ckpt_dir.glob("checkpoint-*"):
            shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(ckpt_dir / "runs", ignore_errors=True)
    atomic_write_text(ckpt_dir / "recipe.toml", recipe_toml(effective))
    primary = None
    before: dict[str, float] = {}
    if evaluator is not None:
        if resume and before_file.exists():
            before = json.loads(before_file.read_text(encoding="utf-8"))
            evaluator(model)  # sets primary_metric on evaluators that pick it on first call
        else:
            console.print("evaluating the base model...")
            before = {k: float(v) for k, v in evaluator(model).items()}
            atomic_write_json(before_file, before)
        primary = (
            primary_key(evaluator)
            if recipe.metric == "auto"
            else (recipe.metric if recipe.metric.startswith("eval_") else f"eval_{recipe.metric}")
        )
        if primary not in before:
            raise OptionError(
                "--metric", f"{recipe.metric!r} is not a metric of this evaluation ({', '.join(before)})"
            )
        console.print(f"base model: {primary} = {before[primary]:.4f}")
    elif recipe.keep_best:
        console.print(
            "[yellow]no labeled evaluation data: the last checkpoint is shipped (--eval FILE keeps the best)[/yellow]"
        )

    # 4. train
    steps_per_epoch = max(1, math.ceil(len(train_ds) / batch_size))
    total_steps = recipe.max_steps or max(1, math.ceil(steps_per_epoch * recipe.epochs))
    eval_steps = recipe.eval_steps or steps_per_epoch
    eval_steps = min(eval_steps, total_steps)
    save_steps = recipe.save_steps or eval_steps
    keep_best = bool(recipe.keep_best and evaluator is not None)
    if keep_best and save_steps % eval_steps:
        raise OptionError(
            "--save-steps", f"must be a multiple of --eval-steps ({eval_steps}) to keep the best checkpoint"
        )

    # A class, not a closure: the trainer pickles its arguments into every checkpoint.
    if recipe.group_by_length:
        batch_sampler: Any = LengthGroupedBatchSampler if choice.no_duplicates else LengthGroupedAnyBatchSampler
    else:
        batch_sampler = BatchSamplers.NO_DUPLICATES if choice.no_duplicates else BatchSamplers.BATCH_SAMPLER
    extra: dict[str, Any] = {}
    if recipe.architecture == "dual":
        from embedlab.dual import dual_learning_rate_mapping, dual_router_mapping

        extra["router_mapping"] = dual_router_mapping(list(train_ds.column_names))
        if dual_config is not None and choice.name == "dual":
            # A learned temperature trains at its own rate (at the towers' ~2e-5 it would barely move).
            lr_mapping = dual_learning_rate_mapping(dual_config)
            if lr_mapping:
                extra["learning_rate_mapping"] = lr_mapping
    # Parameters that live in the loss (SoftmaxLoss's classifier, TSDAE's decoder, a learned temperature) are not in
    # a transformers checkpoint: the callback keeps them across checkpoint/resume.
    callbacks = [loss_state_checkpoint_callback(choice.loss, model), *(callbacks or [])]
    args = SentenceTransformerTrainingArguments(
        output_dir=str(ckpt_dir),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps or -1,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=batch_size,
        learning_rate=effective.learning_rate,
        warmup_steps=float(effective.warmup_ratio or 0.0),  # a float below 1 is a ratio in transformers 5
        weight_decay=recipe.weight_decay,
        seed=recipe.seed,
        data_seed=recipe.seed,
        bf16=bf16,
        fp16=fp16,
        use_cpu=device == "cpu",
        eval_strategy="steps" if evaluator is not None else "no",
        eval_steps=eval_steps,
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=max(1, recipe.save_total_limit),
        load_best_model_at_end=keep_best,
        metric_for_best_model=primary if keep_best else None,
        greater_is_better=True,
        logging_steps=max(1, min(50, eval_steps // 2 or 1)),
        logging_first_step=True,
        report_to=["tensorboard"],
        disable_tqdm=True,
        batch_sampler=batch_sampler,
        dataloader_drop_last=False,
        dataloader_num_workers=0,
        **extra,
    )
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    # embedlab draws its own progress; the trainer's "Computing widget examples" bar (drawn while it is built) is noise
    with quiet_tqdm():
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=train_ds,
            loss=choice.loss,
            evaluator=evaluator,
            callbacks=[_progress_callback(console), *(callbacks or [])],
        )
        trainer.remove_callback(ProgressCallback)
        trainer.remove_callback(PrinterCallback)
        out = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    runtime = float(out.metrics.get("train_runtime", 0.0))
    sps = float(out.metrics.get("train_samples_per_second", 0.0))

    # 5. keep-best, never worse than the base
    shipped = "trained"
    after: dict[str, float] = {}
    if evaluator is not None:
        after = {k: float(v) for k, v in evaluator(model).items()}
        if primary is not None and after[primary] < before[primary]:
            shipped = "base"
            console.print(
                f"[yellow]no checkpoint beat the base model on {primary} "
                f"({after[primary]:.4f} < {before[primary]:.4f}): shipping the base model unchanged[/yellow]"
            )
            transformers.set_seed(recipe.seed)
            # The same texts again: from-scratch dual towers rebuild their tokenizer from them.
            model = _load_model(recipe, loss_name, train_texts, device)
            model.max_seq_length = effective.max_seq_length or model.max_seq_length
            after = dict(before)
    shipped_line = (
        "the trained model"
        + (
            f" (best checkpoint by {primary}: {Path(trainer.state.best_model_checkpoint).name})"
            if keep_best and trainer.state.best_model_checkpoint
            else " (last step)"
        )
        if shipped == "trained"
        else "the base model, unchanged (no checkpoint beat it on the held-out split)"
    )
    hparams = {
        "epochs": recipe.epochs,
        "steps": trainer.state.global_step,
        "batch_size": batch_size,
        "learning_rate": effective.learning_rate,
        "warmup_ratio": effective.warmup_ratio,
        "weight_decay": recipe.weight_decay,
        "seed": recipe.seed,
        "max_seq_length": effective.max_seq_length,
        "precision": "bf16" if bf16 else "fp16" if fp16 else "fp32",
        "length-grouped batches": recipe.group_by_length,
        "no duplicates in a batch": choice.no_duplicates,
    }
    data_info = {
        "training data": f"`{recipe.train}` ({tr.shape}, {len(tr)} rows)",
        "evaluation data": (
            f"`{recipe.eval}` ({ev.shape}, {len(ev)} rows)"
            if recipe.eval and ev is not None
            else f"{recipe.eval_split:.0%} of the training data held out, split by {recipe.split_by} ({len(ev)} rows)"
            if ev is not None
            else "none"
        ),
    }
    metrics = {
        "base_model": recipe.model,
        "primary_metric": primary,
        "before": before,
        "after": after,
        "shipped": shipped,
        "loss": choice.name,
        "train_runtime_s": runtime,
        "train_samples_per_second": sps,
        "train_rows": len(tr),
        "eval_rows": len(ev) if ev is not None else 0,
        "global_step": trainer.state.global_step,
        "best_checkpoint": trainer.state.best_model_checkpoint,
    }
    total_s = time.perf_counter() - started

    # 6. write everything into a temp folder and swap it in
    with atomic_dir(output, kind="sentence-model", recognize=lambda p: (p / "recipe.toml").is_file()) as tmp:
        model.save(str(tmp))
        atomic_write_text(tmp / "recipe.toml", recipe_toml(effective))
        atomic_write_json(tmp / "metrics.json", metrics)
        atomic_write_text(tmp / "curves.csv", curves_csv(trainer.state.log_history))
        atomic_write_text(
            tmp / "README.md",
            model_card(
                effective,
                base_name=recipe.model,
                data=data_info,
                loss_name=choice.name,
                loss_reason=choice.reason,
                hparams=hparams,
                before=before,
                after=after,
                primary=primary,
                shipped=shipped_line,
                truncation=trunc_lines,
                runtime_s=total_s,
                device=device,
            ),
        )
        if (ckpt_dir / "runs").is_dir():
            shutil.copytree(ckpt_dir / "runs", tmp / "runs")
    del trainer
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    if device == "cuda":
        torch.cuda.empty_cache()
    return TrainResult(
        output=output,
        before=before,
        after=after,
        primary=primary,
        shipped=shipped,
        loss=choice.name,
        loss_reason=choice.reason,
        hparams=hparams,
        train_runtime_s=runtime,
        train_samples_per_second=sps,
        truncation=trunc_lines,
    )


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
