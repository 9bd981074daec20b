"""Carry out a :class:`~embedlab.train.plan.TrainingPlan` with sentence-transformers' trainer.

Everything here needs the model: loading it (or building dual towers), the truncation and memory reports, the loss
module, the evaluator and the base model's scores, the trainer with its checkpoints (resumable), and the final choice
between the best checkpoint and the base model (never ship worse). What to do was decided by the plan; this module
only does it, and returns a :class:`RunOutcome` for :func:`embedlab.train.write.write_run`.

Example:
    >>> outcome = execute(p, load_model(p, "cpu"), device="cpu")  # doctest: +SKIP
    >>> outcome.shipped
    'trained'
"""

from __future__ import annotations

import json
import math
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import ParameterError
from embedlab.train.plan import TrainingPlan, set_max_seq_length
from embedlab.train.recipe import recipe_toml
from embedlab.utils.console import err_console

if TYPE_CHECKING:
    from rich.console import Console
    from sentence_transformers import SentenceTransformer

    from embedlab.data.training import TrainingData
    from embedlab.train.losses import LossChoice


@dataclass
class HeldOut:
    """The never-worse choice on the held-out split: what :class:`RunOutcome` decided and
    :class:`~embedlab.train.write.TrainResult` reports.

    Attributes:
        before: metrics of the base model on the held-out split.
        after: metrics of the shipped model on the held-out split.
        primary: the selection metric's key (None without evaluation).
        shipped: ``"trained"`` or ``"base"`` (no checkpoint beat the base model).
    """

    before: dict[str, float]
    after: dict[str, float]
    primary: str | None
    shipped: str


@dataclass
class RunOutcome(HeldOut):
    """What :func:`execute` produced: the model to ship and how it was chosen (the :class:`HeldOut` fields).

    Attributes:
        model: the model to write (the best checkpoint's, the last step's, or the base model).
        shipped_line: ``shipped`` in words, for the model card.
        log_history, global_step, best_checkpoint: from the trainer's state.
        runtime_s, samples_per_second: of the training loop.
        truncation: the truncation report lines.
        device, precision: where and how it trained.
    """

    model: Any
    shipped_line: str
    log_history: list[dict[str, Any]] = field(default_factory=list)
    global_step: int = 0
    best_checkpoint: str | None = None
    runtime_s: float = 0.0
    samples_per_second: float = 0.0
    truncation: list[str] = field(default_factory=list)
    device: str = "cpu"
    precision: str = "fp32"


def device_and_precision(precision: str) -> tuple[str, bool, bool]:
    """(device, bf16, fp16) for the recipe's precision on this machine.

    Raises:
        ParameterError: bf16/fp16 asked for on a CPU, or bf16 on a GPU without it.
    """
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        if precision in ("bf16", "fp16"):
            raise ParameterError("precision", f"{precision} needs a GPU; on CPU training stays fp32 (faster here)")
        return device, False, False
    if precision == "fp32":
        return device, False, False
    bf16_ok = torch.cuda.is_bf16_supported()
    if precision == "bf16" and not bf16_ok:
        raise ParameterError("precision", "this GPU does not support bf16; use fp16")
    bf16 = precision == "bf16" or (precision == "auto" and bf16_ok)
    fp16 = precision == "fp16" or (precision == "auto" and not bf16_ok)
    return device, bf16, fp16


def data_texts(data: TrainingData | None) -> list[str]:
    """Every text of a data set (all text columns, and an IR corpus)."""
    if data is None:
        return []
    out: list[str] = []
    for c in data.columns:
        if c not in ("label", "score"):
            out.extend(str(t) for t in data.dataset[c])
    if data.ir is not None:
        out.extend(data.ir.corpus.values())
    return out


def load_model(p: TrainingPlan, device: str) -> SentenceTransformer:
    """The model the plan starts from: the base model (CLS pooling for TSDAE), or dual towers."""
    import transformers
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models

    from embedlab.models.resolve import load_sentence_model

    transformers.set_seed(p.recipe.seed)
    if p.dual is not None:
        from embedlab.dual import build_dual_model

        # From-scratch towers train their tokenizer on these texts: the same ones on a reload.
        corpus = list(dict.fromkeys(data_texts(p.train)))[:100_000]
        return build_dual_model(p.dual, corpus=corpus, base=p.recipe.model).to(device)
    model = load_sentence_model(p.recipe.model, pooling=p.recipe.pooling, device=device)
    if p.loss == "tsdae":
        # TSDAE decodes from one vector: the paper (and sentence-transformers' example) uses CLS pooling, no Normalize.
        word = model[0]
        pool = models.Pooling(word.get_embedding_dimension(), pooling_mode="cls")
        model = SentenceTransformer(modules=[word, pool], device=device)
    return model


def damage(text: str, rng: random.Random, ratio: float = 0.6) -> str:
    """TSDAE's deletion noise: drop each word with probability ``ratio``, keep at least one.

    Written here (not sentence-transformers' ``DenoisingAutoEncoderDataset.delete``) because that needs NLTK's punkt
    model, which is not available offline, and uses numpy's global RNG, which would make runs irreproducible.
    """
    words = text.split()
    if not words:
        return text
    kept = [w for w in words if rng.random() > ratio]
    return " ".join(kept or [rng.choice(words)])


def training_dataset(p: TrainingPlan) -> Any:
    """The rows the trainer reads: the plan's, or (damaged, original) pairs for TSDAE."""
    if p.loss != "tsdae":
        return p.train.dataset
    from datasets import Dataset

    rng = random.Random(p.recipe.seed)
    texts = p.train.dataset["text"]
    return Dataset.from_dict({"damaged": [damage(t, rng) for t in texts], "original": texts})


def choose_chunks(p: TrainingPlan, model: Any, console: Console) -> TrainingPlan:
    """The plan with its (query, chunk) positives re-chosen by the loaded base model and BM25 fused, as the index's
    hybrid search fuses them (the plan, which loads no model, chose by BM25 alone); same rows, same schedule."""
    if not p.chunk_pairs.used or p.train.ir is None:
        return p
    import dataclasses

    from embedlab.models.encoder import as_encoder
    from embedlab.train.plan import chunk_rows

    console.print("choosing each question's chunk with the base model + BM25...", highlight=False)
    encoder = as_encoder(model, name=p.recipe.model)
    train = chunk_rows(p.train, tokenizer=model.tokenizer, max_seq_length=p.recipe.max_seq_length, encoder=encoder)
    changed = sum(a != b for a, b in zip(p.train.dataset["positive"], train.dataset["positive"], strict=True))
    console.print(f"[dim]{len(train)} (query, chunk) pairs; {changed} positives differ from BM25's choice[/dim]")
    return dataclasses.replace(p, train=train)


def report_fit(p: TrainingPlan, model: Any, device: str, console: Console) -> list[str]:
    """Print how many texts the model will truncate, and a memory warning on CPU; return the truncation lines."""
    from embedlab.train.memory import memory_warning
    from embedlab.train.truncation import position_limit, truncation_report

    lines = []
    # chunk evaluation scores a long passage by its best chunk: nothing of the evaluation data is cut
    for where, d in (("training data", p.train), ("evaluation data", None if p.recipe.chunk_eval else p.eval)):
        texts = data_texts(d)
        # A static model (StaticEmbedding) has a raw tokenizers.Tokenizer and no length limit: nothing is truncated.
        if texts and callable(model.tokenizer) and math.isfinite(model.max_seq_length or math.inf):
            rep = truncation_report(model.tokenizer, texts, model.max_seq_length, position_limit=position_limit(model))
            lines.append(rep.message(where))
            console.print(("[yellow]" if rep.n_truncated else "[dim]") + lines[-1], highlight=False)
    if device == "cpu" and p.loss != "tsdae":
        columns = [[str(t) for t in p.train.dataset[c]] for c in p.train.columns if c not in ("label", "score")]
        warning = memory_warning(model, columns, p.batch_size, p.loss, mini_batch_size=p.recipe.mini_batch_size)
        if warning:
            console.print(f"[yellow]{warning}[/yellow]", highlight=False)
    return lines


def prepare_checkpoints(p: TrainingPlan, resume_from: Path | None, console: Console) -> None:
    """Resume only the same recipe's run; a fresh run clears old checkpoints. Saves the recipe beside them."""
    from embedlab.utils.atomic import atomic_write_text

    ckpt = p.checkpoints
    ckpt.mkdir(parents=True, exist_ok=True)
    if resume_from is not None:
        saved = ckpt / "recipe.toml"
        if saved.exists() and saved.read_text(encoding="utf-8") != recipe_toml(p.recipe):
            raise ParameterError(
                "resume", f"the recipe differs from the interrupted run's ({saved}); resume with the same recipe"
            )
        console.print(f"resuming from {resume_from}")
    else:
        for old in ckpt.glob("checkpoint-*"):
            shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(ckpt / "runs", ignore_errors=True)
    atomic_write_text(ckpt / "recipe.toml", recipe_toml(p.recipe))


def evaluate_base(
    p: TrainingPlan, evaluator: Any, model: Any, resumed: bool, console: Console
) -> tuple[dict[str, float], str | None]:
    """The base model's held-out scores (kept across a resume) and the selection metric's key."""
    from embedlab.train.evaluators import primary_key
    from embedlab.utils.atomic import atomic_write_json

    if evaluator is None:
        return {}, None
    before_file = p.checkpoints / "metrics_before.json"
    if resumed and before_file.exists():
        before = json.loads(before_file.read_text(encoding="utf-8"))
        evaluator(model)  # sets primary_metric on evaluators that pick it on first call
    else:
        console.print("evaluating the base model...")
        before = {k: float(v) for k, v in evaluator(model).items()}
        atomic_write_json(before_file, before)
    metric = p.recipe.metric
    primary = (
        primary_key(evaluator) if metric == "auto" else (metric if metric.startswith("eval_") else f"eval_{metric}")
    )
    if primary not in before:
        raise ParameterError("metric", f"{metric!r} is not a metric of this evaluation ({', '.join(before)})")
    console.print(f"base model: {primary} = {before[primary]:.4f}")
    return before, primary


def training_arguments(
    p: TrainingPlan,
    choice: LossChoice,
    primary: str | None,
    device: str,
    precision: tuple[bool, bool],
    columns: list[str],
) -> Any:
    """``SentenceTransformerTrainingArguments`` for the plan."""
    from sentence_transformers import SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers

    from embedlab.train.batching import LengthGroupedAnyBatchSampler, LengthGroupedBatchSampler

    r = p.recipe
    bf16, fp16 = precision
    # A class, not a closure: the trainer pickles its arguments into every checkpoint.
    if r.group_by_length:
        sampler: Any = LengthGroupedBatchSampler if choice.no_duplicates else LengthGroupedAnyBatchSampler
    else:
        sampler = BatchSamplers.NO_DUPLICATES if choice.no_duplicates else BatchSamplers.BATCH_SAMPLER
    extra: dict[str, Any] = {}
    if p.dual is not None:
        from embedlab.dual import dual_learning_rate_mapping, dual_router_mapping

        extra["router_mapping"] = dual_router_mapping(columns)
        # A learned temperature trains at its own rate (at the towers' ~2e-5 it would barely move).
        if choice.name == "dual" and dual_learning_rate_mapping(p.dual):
            extra["learning_rate_mapping"] = dual_learning_rate_mapping(p.dual)
    return SentenceTransformerTrainingArguments(
        output_dir=str(p.checkpoints),
        num_train_epochs=r.epochs,
        max_steps=r.max_steps or -1,
        per_device_train_batch_size=p.batch_size,
        per_device_eval_batch_size=p.batch_size,
        learning_rate=p.learning_rate,
        warmup_steps=float(p.warmup_ratio),  # a float below 1 is a ratio in transformers 5
        weight_decay=r.weight_decay,
        seed=r.seed,
        data_seed=r.seed,
        bf16=bf16,
        fp16=fp16,
        use_cpu=device == "cpu",
        eval_strategy="steps" if p.evaluator else "no",
        eval_steps=p.eval_steps,
        save_strategy="steps",
        save_steps=p.save_steps,
        save_total_limit=max(1, r.save_total_limit),
        load_best_model_at_end=p.keep_best,
        metric_for_best_model=primary if p.keep_best else None,
        greater_is_better=True,
        logging_steps=max(1, min(50, p.eval_steps // 2 or 1)),
        logging_first_step=True,
        report_to=["tensorboard"],
        disable_tqdm=True,
        batch_sampler=sampler,
        dataloader_drop_last=False,
        dataloader_num_workers=0,
        **extra,
    )


def _never_worse(
    p: TrainingPlan, evaluator: Any, model: Any, before: dict[str, float], primary: str | None, console: Console
) -> tuple[Any, dict[str, float], str]:
    """The trained model, or the base model when no checkpoint beat it on the selection metric."""
    if evaluator is None:
        return model, {}, "trained"
    after = {k: float(v) for k, v in evaluator(model).items()}
    if primary is None or after[primary] >= before[primary]:
        return model, after, "trained"
    console.print(
        f"[yellow]no checkpoint beat the base model on {primary} "
        f"({after[primary]:.4f} < {before[primary]:.4f}): shipping the base model unchanged[/yellow]"
    )
    base = load_model(p, str(model.device))
    set_max_seq_length(base, p.recipe.max_seq_length)
    return base, dict(before), "base"


def execute(
    p: TrainingPlan,
    model: Any,
    *,
    device: str = "cpu",
    precision: tuple[bool, bool] = (False, False),
    console: Console | None = None,
    resume_from: Path | None = None,
    callbacks: list[Any] | None = None,
) -> RunOutcome:
    """Train ``model`` as the plan says and pick what to ship.

    Args:
        p: the plan (bound to the model: :func:`embedlab.train.plan.bind_model`).
        model: the loaded model (:func:`load_model`).
        device: where it trains; ``precision`` is (bf16, fp16) from :func:`device_and_precision`.
        console: where messages and the progress bar go.
        resume_from: a checkpoint of the same recipe's interrupted run to continue from.
        callbacks: extra ``transformers.TrainerCallback`` objects (tests use one to interrupt a run).
    """
    from sentence_transformers import SentenceTransformerTrainer

    from embedlab.train.evaluators import build_evaluator
    from embedlab.train.loss_state import loss_state_checkpoint_callback
    from embedlab.train.losses import build_loss
    from embedlab.train.progress import only_our_progress, progress_callback
    from embedlab.utils.progress import quiet_tqdm

    console = console or err_console
    p = choose_chunks(p, model, console)
    truncation = report_fit(p, model, device, console)
    choice = build_loss(model, p.train.shape, p.recipe, dual_config=p.dual)
    train_ds = training_dataset(p)
    evaluator = build_evaluator(p.eval, loss=choice.loss, chunk=p.recipe.chunk_eval) if p.eval is not None else None
    prepare_checkpoints(p, resume_from, console)
    before, primary = evaluate_base(p, evaluator, model, resume_from is not None, console)
    args = training_arguments(p, choice, primary, device, precision, list(train_ds.column_names))
    # Parameters that live in the loss (SoftmaxLoss's classifier, TSDAE's decoder, a learned temperature) are not in
    # a transformers checkpoint: this callback keeps them across checkpoint/resume.
    extra = [loss_state_checkpoint_callback(choice.loss, model), *(callbacks or [])]
    # embedlab draws its own progress; the trainer's "Computing widget examples" bar (drawn while it is built) is noise
    with quiet_tqdm():
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=train_ds,
            loss=choice.loss,
            evaluator=evaluator,
            callbacks=[progress_callback(console), *extra],
        )
        only_our_progress(trainer)
        out = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    shipped_model, after, shipped = _never_worse(p, evaluator, model, before, primary, console)
    best = trainer.state.best_model_checkpoint
    if shipped == "base":
        line = "the base model, unchanged (no checkpoint beat it on the held-out split)"
    else:
        line = "the trained model" + (
            f" (best checkpoint by {primary}: {Path(best).name})" if p.keep_best and best else " (last step)"
        )
    return RunOutcome(
        model=shipped_model,
        before=before,
        after=after,
        primary=primary,
        shipped=shipped,
        shipped_line=line,
        log_history=list(trainer.state.log_history),
        global_step=trainer.state.global_step,
        best_checkpoint=best,
        runtime_s=float(out.metrics.get("train_runtime", 0.0)),
        samples_per_second=float(out.metrics.get("train_samples_per_second", 0.0)),
        truncation=truncation,
        device=device,
        precision="bf16" if precision[0] else "fp16" if precision[1] else "fp32",
    )
