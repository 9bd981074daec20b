"""Train a cross-encoder reranker from (query, relevant passage) data, with negatives mined by a bi-encoder.

No pretrained reranker is available offline, so embedlab trains one, the way sentence-transformers recommends:

1. **Data**: an IR set (queries, corpus, relevance judgements; see :func:`embedlab.data.load_ir`) gives the
   (query, positive passage) pairs. Part of the *passages* is held out (with their queries) for evaluation, so the
   evaluation never sees a passage seen in training.
2. **Hard negatives**: the bi-encoder retrieves passages similar to each query that are not its positive
   (:func:`sentence_transformers.util.mine_hard_negatives`): the confusable ones a reranker must learn to push down.
3. **Loss**: ``bce`` (binary cross-entropy on (query, passage, 0/1) pairs, positives up-weighted by the number of
   negatives), or a listwise loss over (query, [positive + negatives]): ``listnet`` or ``lambda`` (LambdaLoss, which
   optimises NDCG directly).
4. **Evaluation** as the reranker will be used: the bi-encoder retrieves the top 100 for each held-out query and the
   cross-encoder reorders them; NDCG@10 and MRR@10 before (bi-encoder order) and after (reranked) are reported during
   and after training (``CrossEncoderRerankingEvaluator``).

The starting point is any transformer folder; from a bi-encoder folder such as the offline all-MiniLM-L6-v2 the
encoder weights are reused and a fresh scoring head is added.

A run is a plan (:func:`plan_reranker`: the split, the pairs within ``max_pairs``, the estimated cost, printed before
anything heavy starts), its execution (:func:`execute_reranker`: mining, training, evaluation) and its output folder
(:func:`write_reranker`: the reranker, ``recipe.toml``, ``metrics.json``, ``curves.csv``, ``README.md``), the same
shape as a sentence-model run. Never ship worse: when the trained reranker does not beat the bi-encoder's own order on
the held-out queries, the folder holds no reranker (``metrics.json`` says ``"shipped": "base-order"``) and the run
says so.

Example:
    >>> metrics = train_reranker("aims_qa/train_dataset.json", "my-reranker", epochs=1)
    >>> metrics["shipped"], metrics["after"]["ndcg@10"] > metrics["before"]["ndcg@10"]
    ('reranker', True)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import InputError, ParameterError
from embedlab.rerank.recipe import RerankRecipe
from embedlab.utils.console import err_console
from embedlab.utils.optional import require
from embedlab.utils.progress import quiet_tqdm

if TYPE_CHECKING:
    from rich.console import Console

    from embedlab.data import IRDataset
    from embedlab.models import Encoder

OUTPUT_KIND = "reranker"
# Rough CPU cost of one (query, passage) training example per token read, forward and backward, for a MiniLM-sized
# cross-encoder on this project's 2-core reference machine (measured by the tiny run in tests/rerank); only used to
# print an estimate before a run starts.
SECONDS_PER_EXAMPLE_TOKEN = 4e-5


def split_by_passage(data: IRDataset, test_fraction: float = 0.2, *, seed: int = 42) -> tuple[IRDataset, IRDataset]:
    """Split an IR set by passage with the data layer's split (:func:`embedlab.data.split.split_ir`, ``by="doc"``):
    no relevant passage is on both sides.

    The train set's corpus holds only training passages; the test set's corpus is the whole corpus (retrieval at test
    time searches everything), its judgements only its own queries'.

    Raises:
        ParameterError: a fraction outside (0, 1).
        InputError: too little data for a side to get a query.
    """
    from embedlab.data.split import split_ir

    if not 0.0 < test_fraction < 1.0:
        raise ParameterError("eval_fraction", f"must be between 0 and 1, got {test_fraction}")
    parts = split_ir(data, {"train": 1 - test_fraction, "test": test_fraction}, by="doc", seed=seed, source="data")
    return parts["train"], dataclasses.replace(parts["test"], corpus=dict(data.corpus))


def reranking_samples(
    data: IRDataset, bi_encoder: Encoder | Any, *, top_k: int = 100, batch_size: int = 64
) -> list[dict[str, Any]]:
    """Evaluation samples for ``CrossEncoderRerankingEvaluator``: each query with the bi-encoder's top ``top_k``
    passages of the corpus, in bi-encoder order, and its relevant passages. Queries and passages are embedded in
    their own roles (:class:`embedlab.models.Encoder`)."""
    import numpy as np

    from embedlab.models import as_encoder

    encoder = as_encoder(bi_encoder)
    doc_ids = list(data.corpus)
    docs = [data.corpus[d] for d in doc_ids]
    qids = list(data.queries)
    dv = encoder.encode_documents(docs, batch_size=batch_size, normalize=True)
    qv = encoder.encode_queries([data.queries[q] for q in qids], batch_size=batch_size, normalize=True)
    scores = qv @ dv.T
    k = min(top_k, len(docs))
    samples = []
    for i, qid in enumerate(qids):
        top = np.argsort(-scores[i], kind="stable")[:k]
        samples.append(
            {
                "query": data.queries[qid],
                "positive": [data.corpus[d] for d in data.relevant[qid]],
                "documents": [docs[j] for j in top],
            }
        )
    return samples


@dataclass
class RerankPlan:
    """A reranker run decided before any model is loaded.

    Attributes:
        recipe: the run's settings; ``output`` the checked output folder.
        train, test: the IR split (test corpus: the whole corpus).
        pairs: every (query, positive) pair it trains on, at most ``recipe.max_pairs``; ``labelled`` of them come
            from the judgements, the rest are corpus pseudo-queries.
        examples, steps, minutes: the estimated cost (examples after mining, optimizer steps, rough CPU minutes).
    """

    recipe: RerankRecipe
    output: Path
    train: IRDataset
    test: IRDataset
    pairs: list[tuple[str, str]]
    labelled: int
    examples: int
    steps: int
    minutes: float

    def describe(self) -> str:
        """The cost line printed before the run starts."""
        return (
            f"reranker run: {len(self.pairs)} training pairs ({self.labelled} labelled + "
            f"{len(self.pairs) - self.labelled} from the corpus), about {self.examples} examples with mined "
            f"negatives, {self.steps} steps, roughly {max(1, round(self.minutes))} min on a 2-core CPU"
        )


def _capped_pairs(labelled: list[tuple[str, str]], pseudo: list[tuple[str, str]], cap: int | None) -> tuple[list, int]:
    """At most ``cap`` pairs in all, labelled and pseudo-queries in their proportions (labelled first on ties)."""
    if cap is None or len(labelled) + len(pseudo) <= cap:
        return labelled + pseudo, len(labelled)
    keep_l = min(len(labelled), max(1, round(cap * len(labelled) / (len(labelled) + len(pseudo)))))
    keep_p = min(len(pseudo), cap - keep_l)
    return labelled[:keep_l] + pseudo[:keep_p], keep_l


def plan_reranker(recipe: RerankRecipe, ir: IRDataset, *, eval_data: IRDataset | None = None) -> RerankPlan:
    """Decide a reranker run: split, training pairs within ``max_pairs``, estimated cost. Loads no model.

    Raises:
        ParameterError: a bad setting; InputError: no pairs, or a corpus too small for the negatives;
        OutputPathError: an output folder that is not a reranker run's.
    """
    r = recipe.validate()
    output = check_reranker_output(r)
    train, test = (ir, eval_data) if eval_data is not None else split_by_passage(ir, r.eval_fraction, seed=r.seed)
    labelled = [(q, d) for _, q, _, d in train.pairs()]
    random.Random(r.seed).shuffle(labelled)
    pseudo = _inverse_cloze(train.corpus, r.corpus_queries, r.keep_sentence, r.seed) if r.corpus_queries else []
    pairs, n_labelled = _capped_pairs(labelled, pseudo, r.max_pairs)
    random.Random(r.seed).shuffle(pairs)
    if not pairs:
        raise InputError("no (query, relevant passage) pairs to train on", path=r.data)
    if len(train.corpus) <= r.num_negatives:
        raise ParameterError(
            "num_negatives", f"{r.num_negatives} negatives need more than {len(train.corpus)} passages"
        )
    examples = len(pairs) * (1 + r.num_negatives) if r.loss == "bce" else len(pairs)
    steps = max(1, math.ceil(math.ceil(examples / r.batch_size) * r.epochs))
    tokens = r.max_length * (1 if r.loss == "bce" else 1 + r.num_negatives)
    minutes = math.ceil(examples * r.epochs) * tokens * SECONDS_PER_EXAMPLE_TOKEN / 60
    return RerankPlan(r, output, train, test, pairs, n_labelled, examples, steps, minutes)


def check_reranker_output(recipe: RerankRecipe) -> Path:
    """Refuse an output folder that is not an earlier reranker run's, or that holds the data."""
    from embedlab.utils.atomic import check_output_dir

    return check_output_dir(
        recipe.output, OUTPUT_KIND, inputs=[recipe.data], recognize=lambda p: (p / "metrics.json").is_file()
    )


@dataclass
class RerankOutcome:
    """What a reranker run produced: the model, the evaluation before/after, and what ships."""

    model: Any
    before: dict[str, float]
    after: dict[str, float]
    shipped: str
    examples: int
    log_history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def _mine(p: RerankPlan, encoder: Encoder, show_progress: bool) -> Any:
    """Hard negatives for the plan's pairs from the training corpus, ranked by the bi-encoder."""
    datasets = require("datasets", "sentence")
    from sentence_transformers.util import mine_hard_negatives

    model = getattr(encoder, "model", None)
    if model is None or not hasattr(model, "encode_query"):
        raise ParameterError("bi_encoder", f"mining negatives needs a sentence-transformers model, got {encoder.name}")
    corpus = list(p.train.corpus.values())
    with quiet_tqdm(not show_progress):
        return mine_hard_negatives(
            datasets.Dataset.from_dict({"query": [q for q, _ in p.pairs], "positive": [d for _, d in p.pairs]}),
            model,
            corpus=corpus,
            num_negatives=p.recipe.num_negatives,
            range_max=min(100, len(corpus) - 1),
            relative_margin=0.05,  # skip "negatives" nearly as similar as the positive: often unlabelled positives
            sampling_strategy="top",
            output_format="labeled-pair" if p.recipe.loss == "bce" else "labeled-list",
            batch_size=64,
            verbose=False,  # its tables of scores are noise in a training run's output
        )


def _loss(ce: Any, recipe: RerankRecipe) -> Any:
    import torch
    from sentence_transformers.cross_encoder import losses as ce_losses

    if recipe.loss == "listnet":
        return ce_losses.ListNetLoss(ce)
    if recipe.loss == "lambda":
        return ce_losses.LambdaLoss(ce)
    return ce_losses.BinaryCrossEntropyLoss(ce, pos_weight=torch.tensor(float(recipe.num_negatives)))


def _fit(p: RerankPlan, ce: Any, mined: Any, evaluator: Any, console: Console, show_progress: bool) -> list[dict]:
    """Train the cross-encoder (checkpoints in a temporary folder, none kept); return the log history."""
    import torch
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments

    from embedlab.train.progress import only_our_progress, progress_callback

    r = p.recipe
    with tempfile.TemporaryDirectory(prefix="embedlab-rerank-") as work:
        args = CrossEncoderTrainingArguments(
            output_dir=work,
            num_train_epochs=r.epochs,
            per_device_train_batch_size=r.batch_size,
            learning_rate=r.learning_rate,
            warmup_steps=0.1,  # a float is a share of the steps (transformers 5)
            eval_strategy="steps" if r.eval_steps else "epoch",
            eval_steps=r.eval_steps,
            save_strategy="no",
            logging_steps=max(1, r.eval_steps or 10),
            report_to="none",
            seed=r.seed,
            use_cpu=not torch.cuda.is_available(),
            disable_tqdm=True,
            dataloader_drop_last=False,
        )
        with quiet_tqdm():
            callbacks = [progress_callback(console, "training reranker")] if show_progress else []
            trainer = CrossEncoderTrainer(
                model=ce, args=args, train_dataset=mined, loss=_loss(ce, r), evaluator=evaluator, callbacks=callbacks
            )
            only_our_progress(trainer)  # no raw {'loss': ...} dicts
            trainer.train()
    return list(trainer.state.log_history)


def execute_reranker(
    p: RerankPlan, encoder: Encoder, *, console: Console | None = None, show_progress: bool = False
) -> RerankOutcome:
    """Mine negatives, train the cross-encoder, and compare it with the bi-encoder's order on the held-out queries."""
    import torch
    from sentence_transformers.cross_encoder.evaluation import CrossEncoderRerankingEvaluator

    from embedlab.rerank.score import load_cross_encoder

    console = console or err_console
    r = p.recipe
    start = time.perf_counter()
    mined = _mine(p, encoder, show_progress)
    torch.manual_seed(r.seed)
    ce = load_cross_encoder(r.model, max_length=r.max_length, head=r.head, new_head=True)
    evaluator = CrossEncoderRerankingEvaluator(
        samples=reranking_samples(p.test, encoder, top_k=r.eval_top_k),
        at_k=10,
        always_rerank_positives=False,  # realistic: a positive the bi-encoder missed stays missed
        name=f"top{r.eval_top_k}",
        write_csv=False,
    )
    history = _fit(p, ce, mined, evaluator, console, show_progress)
    scores = _metrics(evaluator(ce), f"top{r.eval_top_k}_")
    before, after = scores["before"], scores["after"]
    shipped = "reranker"
    if r.keep_best and after["ndcg@10"] <= before["ndcg@10"]:
        shipped = "base-order"
        console.print(
            f"[yellow]the trained reranker does not beat the bi-encoder's order on {len(p.test.queries)} held-out "
            f"queries (NDCG@10 {after['ndcg@10']:.4f} <= {before['ndcg@10']:.4f}): keeping the base order, "
            "no reranker is shipped (--keep-last ships it anyway)[/yellow]"
        )
    seconds = round(time.perf_counter() - start, 1)
    return RerankOutcome(ce, before, after, shipped, len(mined), history, seconds)


def _metrics(results: dict[str, float], prefix: str) -> dict[str, dict[str, float]]:
    def pick(key: str) -> float:
        return float(next(v for k, v in results.items() if k.endswith(key)))

    return {
        "before": {"ndcg@10": pick("base_ndcg@10"), "mrr@10": pick("base_mrr@10")},
        "after": {"ndcg@10": pick(f"{prefix}ndcg@10"), "mrr@10": pick(f"{prefix}mrr@10")},
    }


def reranker_metrics(p: RerankPlan, o: RerankOutcome, bi_encoder_name: str) -> dict[str, Any]:
    """``metrics.json`` of a reranker run."""
    r = p.recipe
    return {
        "before": o.before,
        "after": o.after,
        "shipped": o.shipped,
        "loss": r.loss,
        "train_pairs": p.labelled,
        "corpus_pairs": len(p.pairs) - p.labelled,
        "head": r.head,
        "train_examples": o.examples,
        "eval_queries": len(p.test.queries),
        "eval_top_k": r.eval_top_k,
        "epochs": r.epochs,
        "base_model": r.model,
        "bi_encoder": bi_encoder_name,
        "estimate": {"examples": p.examples, "steps": p.steps, "minutes": round(p.minutes, 1)},
        "seconds": o.seconds,
        "history": [h for h in o.log_history if any(k.endswith("ndcg@10") for k in h)],
    }


def write_reranker(p: RerankPlan, o: RerankOutcome, metrics: dict[str, Any]) -> Path:
    """Write the run's folder atomically: the reranker (unless the base order was kept), ``recipe.toml``,
    ``metrics.json``, ``curves.csv`` and ``README.md``."""
    from embedlab.rerank.card import reranker_card
    from embedlab.train.card import curves_csv
    from embedlab.train.recipe import recipe_toml
    from embedlab.utils.atomic import atomic_dir, atomic_write_json, atomic_write_text

    header = "# Effective embedlab reranker recipe: re-run with `embedlab rerank train --recipe recipe.toml`."
    with atomic_dir(
        p.output, kind=OUTPUT_KIND, inputs=[p.recipe.data], recognize=lambda x: (x / "metrics.json").is_file()
    ) as tmp:
        if o.shipped == "reranker":
            o.model.save_pretrained(str(tmp))
        atomic_write_text(tmp / "recipe.toml", recipe_toml(p.recipe, header))
        atomic_write_json(tmp / "metrics.json", metrics)
        atomic_write_text(tmp / "curves.csv", curves_csv(o.log_history))
        atomic_write_text(tmp / "README.md", reranker_card(p.recipe, metrics))
    return p.output


def train_reranker(
    data: str | os.PathLike[str] | IRDataset,
    output: str | os.PathLike[str],
    *,
    recipe: RerankRecipe | None = None,
    bi_encoder: str | Any | None = None,
    eval_data: IRDataset | None = None,
    show_progress: bool = False,
    console: Console | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Train a cross-encoder reranker and write its run folder to ``output``: plan, execute, write.

    Args:
        data: an IR data set (file/folder for :func:`embedlab.data.load_ir`, or an ``IRDataset``).
        output: the run folder (the reranker, ``recipe.toml``, ``metrics.json``, ``curves.csv``, ``README.md``).
        recipe: the settings (:class:`RerankRecipe`; its defaults when None); ``options`` override its fields
            (``loss``, ``num_negatives``, ``epochs``, ``max_pairs``, ``corpus_queries``...).
        bi_encoder: the first-stage model when it is already loaded (an :class:`embedlab.models.Encoder` or a
            ``SentenceTransformer``); None loads ``recipe.bi_encoder``.
        eval_data: a separate evaluation set (then ``data`` is used whole for training).
        show_progress: a progress bar while training.
        console: where the estimate, the progress and the verdict go (stderr by default).

    Returns:
        ``metrics.json``'s content: ``before`` (the bi-encoder's order of its top ``eval_top_k``) and ``after``
        (reranked) NDCG@10 and MRR@10 on the held-out queries, ``shipped`` (``reranker`` or ``base-order``), the
        pair counts, the estimate and the seconds taken.

    Raises:
        ParameterError: a bad option (named as in Python); InputError: bad data; OutputPathError: a bad ``output``.
    """
    from embedlab.data import load_ir
    from embedlab.models import as_encoder, load_encoder
    from embedlab.train.progress import quiet_libraries

    console = console or err_console
    path = None if not isinstance(data, (str, os.PathLike)) else os.fspath(data)
    given = {k: v for k, v in options.items() if v is not None}
    if isinstance(bi_encoder, (str, os.PathLike)):
        given["bi_encoder"], bi_encoder = os.fspath(bi_encoder), None
    recipe = (recipe or RerankRecipe()).override(data=path, output=os.fspath(output), **given)
    recipe.validate()
    check_reranker_output(recipe)  # before any data or model is read
    quiet_libraries()
    ir = load_ir(data) if path is not None else data
    p = plan_reranker(recipe, ir, eval_data=eval_data)
    console.print(p.describe(), highlight=False)
    encoder = as_encoder(bi_encoder) if bi_encoder is not None else load_encoder(recipe.bi_encoder)
    outcome = execute_reranker(p, encoder, console=console, show_progress=show_progress)
    metrics = reranker_metrics(p, outcome, recipe.bi_encoder if bi_encoder is None else "(given)")
    write_reranker(p, outcome, metrics)
    return metrics


def _inverse_cloze(corpus: dict[str, str], per_passage: int, keep_sentence: float, seed: int) -> list[tuple[str, str]]:
    """(sentence, its passage) pairs from :func:`embedlab.data.pairs_from_corpus.inverse_cloze_pairs`. A kept
    sentence's positive is swapped for the passage text exactly as in the corpus (the sampler re-joins sentences with
    single spaces), so the negative miner, which drops a query's own positive by its text, never returns the source
    passage as a negative."""
    from embedlab.data.pairs_from_corpus import inverse_cloze_pairs
    from embedlab.data.pairs_from_corpus import passages as chunk_passages

    # One chunk per passage (a size larger than any passage); its title is the corpus id.
    passages = {p.id: p for p in chunk_passages(list(corpus.items()), size=10_000, overlap=0, min_sentences=3)}
    made = inverse_cloze_pairs(
        list(passages.values()), queries_per_passage=per_passage, keep_sentence=keep_sentence, seed=seed
    )
    pairs = []
    for pair in made:
        passage = passages[pair["passage_id"]]
        kept = pair["positive"] == passage.text
        pairs.append((pair["anchor"], corpus[passage.doc_id] if kept else pair["positive"]))
    return pairs


def load_metrics(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``metrics.json`` that :func:`train_reranker` saved beside the model."""
    return json.loads((Path(folder) / "metrics.json").read_text(encoding="utf-8"))
