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

Example:
    >>> metrics = train_reranker("aims_qa/train_dataset.json", "my-reranker", epochs=1)
    >>> metrics["after"]["ndcg@10"] > metrics["before"]["ndcg@10"]
    True
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from embedlab.errors import InputError, OptionError
from embedlab.utils.optional import require
from embedlab.utils.progress import quiet_tqdm

if TYPE_CHECKING:
    from embedlab.data import IRDataset
    from embedlab.rerank.score import Head

Loss = Literal["bce", "listnet", "lambda"]
LOSSES = ("bce", "listnet", "lambda")


def split_by_passage(data: IRDataset, test_fraction: float = 0.2, *, seed: int = 42) -> tuple[IRDataset, IRDataset]:
    """Split an IR set by passage: a held-out share of the passages, with the queries whose relevant passages are
    all held out, forms the test set.

    The train set's corpus holds only training passages; the test set's corpus is the whole corpus (retrieval at test
    time searches everything), its judgements only held-out passages. Queries with relevant passages on both sides
    are dropped, so no relevant passage is seen on both sides.

    Raises:
        OptionError: a fraction outside (0, 1) or a split that leaves one side empty.
    """
    if not 0.0 < test_fraction < 1.0:
        raise OptionError("--eval-fraction", f"must be between 0 and 1, got {test_fraction}")
    doc_ids = sorted(data.corpus)
    rng = random.Random(seed)
    rng.shuffle(doc_ids)
    n_test = max(1, round(len(doc_ids) * test_fraction))
    test_docs = set(doc_ids[:n_test])
    train_q: dict[str, str] = {}
    test_q: dict[str, str] = {}
    train_rel: dict[str, dict[str, int]] = {}
    test_rel: dict[str, dict[str, int]] = {}
    for qid, rel in data.relevant.items():
        inside = {d for d in rel if d in test_docs}
        if len(inside) == len(rel):
            test_q[qid], test_rel[qid] = data.queries[qid], dict(rel)
        elif not inside:
            train_q[qid], train_rel[qid] = data.queries[qid], dict(rel)
    if not train_q or not test_q:
        raise OptionError("--eval-fraction", f"splitting {len(data.corpus)} passages left no train or test queries")
    train_corpus = {d: t for d, t in data.corpus.items() if d not in test_docs}
    train = replace(data, queries=train_q, corpus=train_corpus, relevant=train_rel)
    test = replace(data, queries=test_q, corpus=dict(data.corpus), relevant=test_rel)
    return train, test


def reranking_samples(
    data: IRDataset, bi_encoder: Any, *, top_k: int = 100, batch_size: int = 64
) -> list[dict[str, Any]]:
    """Evaluation samples for ``CrossEncoderRerankingEvaluator``: each query with the bi-encoder's top ``top_k``
    passages of the corpus, in bi-encoder order, and its relevant passages."""
    import numpy as np

    doc_ids = list(data.corpus)
    docs = [data.corpus[d] for d in doc_ids]
    qids = list(data.queries)
    enc_q = getattr(bi_encoder, "encode_query", bi_encoder.encode)
    enc_d = getattr(bi_encoder, "encode_document", bi_encoder.encode)
    dv = enc_d(docs, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    qv = enc_q(
        [data.queries[q] for q in qids], batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    )
    scores = qv @ dv.T
    k = min(top_k, len(docs))
    samples = []
    for i, qid in enumerate(qids):
        top = np.argsort(-scores[i])[:k]
        samples.append(
            {
                "query": data.queries[qid],
                "positive": [data.corpus[d] for d in data.relevant[qid]],
                "documents": [docs[j] for j in top],
            }
        )
    return samples


def _metrics(results: dict[str, float], prefix: str) -> dict[str, dict[str, float]]:
    def pick(key: str) -> float:
        return float(next(v for k, v in results.items() if k.endswith(key)))

    return {
        "before": {"ndcg@10": pick("base_ndcg@10"), "mrr@10": pick("base_mrr@10")},
        "after": {"ndcg@10": pick(f"{prefix}ndcg@10"), "mrr@10": pick(f"{prefix}mrr@10")},
    }


def train_reranker(
    data: str | os.PathLike[str] | IRDataset,
    output: str | os.PathLike[str],
    *,
    model: str = "all-MiniLM-L6-v2",
    bi_encoder: str | Any = "all-MiniLM-L6-v2",
    loss: Loss = "bce",
    num_negatives: int = 5,
    epochs: float = 1.0,
    batch_size: int = 16,
    learning_rate: float = 2e-5,
    max_length: int = 256,
    eval_fraction: float = 0.2,
    eval_data: IRDataset | None = None,
    eval_top_k: int = 100,
    max_pairs: int | None = None,
    eval_steps: int | None = None,
    head: Head = "mean",
    corpus_queries: int = 0,
    keep_sentence: float = 1.0,
    seed: int = 42,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Train a cross-encoder reranker and save it to ``output``.

    Args:
        data: an IR data set (file/folder for :func:`embedlab.data.load_ir`, or an ``IRDataset``).
        output: folder to write the trained CrossEncoder to (with ``metrics.json``).
        model: starting weights: a transformer or sentence-transformers folder, alias or hub id.
        bi_encoder: the first-stage model (name or loaded SentenceTransformer): mines negatives, retrieves the top
            ``eval_top_k`` for evaluation.
        loss: ``bce``, ``listnet`` or ``lambda``.
        num_negatives: mined negatives per (query, positive).
        epochs: training epochs.
        batch_size: pairs (bce) or lists (listwise) per step.
        learning_rate: peak learning rate (linear warm-up over the first 10% of steps).
        max_length: tokens of query + passage the cross-encoder reads.
        eval_fraction: share of passages held out for evaluation (ignored when ``eval_data`` is given).
        eval_data: a separate evaluation set (then ``data`` is used whole for training).
        eval_top_k: bi-encoder candidates reranked during evaluation.
        max_pairs: cap on training (query, positive) pairs (for quick runs).
        eval_steps: evaluate every this many steps (default: once per epoch).
        head: the scoring head added when ``model`` is not a cross-encoder yet (see
            :func:`embedlab.rerank.score.load_cross_encoder`): ``mean`` (default) or ``cls``.
        corpus_queries: pseudo-queries per training passage made by the inverse cloze task (a sentence of the
            passage as the query, the rest of the passage as its positive), added to the labelled pairs: free
            extra training signal from the passages themselves when labelled queries are few (0: none).
        keep_sentence: probability that an inverse-cloze positive keeps its query sentence. The default, always,
            teaches the reranker to match a query's words in the passage; on aims_qa it beat 0.1 by far (0.67 vs
            0.37 NDCG@10 after 2 epochs), where dropping the sentence made the pairs too hard for 500 queries.
        seed: seed for the split, the sampling and the model head.
        show_progress: progress bars.

    Returns:
        ``{"before": {"ndcg@10", "mrr@10"}, "after": {...}, "train_pairs", "eval_queries", "seconds", ...}``;
        ``before`` is the bi-encoder's own ranking of its top ``eval_top_k``, ``after`` the reranked one.
    """
    from embedlab.data import load_ir
    from embedlab.models.resolve import load_sentence_model
    from embedlab.rerank.score import check_head, load_cross_encoder
    from embedlab.utils.atomic import atomic_dir, atomic_write_json

    if loss not in LOSSES:
        raise OptionError("--loss", f"unknown loss {loss!r}; use {', '.join(LOSSES)}")
    check_head(head)  # before any data or model is read
    if corpus_queries < 0:
        raise OptionError("--corpus-queries", f"must be 0 or more, got {corpus_queries}")
    if not 0.0 <= keep_sentence <= 1.0:
        raise OptionError("--keep-sentence", f"must be between 0 and 1, got {keep_sentence}")
    for option, value in (("--negatives", num_negatives), ("--batch-size", batch_size), ("--max-length", max_length)):
        if value < 1:
            raise OptionError(option, f"must be at least 1, got {value}")
    if epochs <= 0:
        raise OptionError("--epochs", f"must be positive, got {epochs}")
    st = require("sentence_transformers", "sentence")
    datasets = require("datasets", "sentence")
    import torch
    from sentence_transformers.cross_encoder import losses as ce_losses
    from sentence_transformers.cross_encoder.evaluation import CrossEncoderRerankingEvaluator
    from sentence_transformers.util import mine_hard_negatives

    start = time.perf_counter()
    ir = data if not isinstance(data, (str, os.PathLike)) else load_ir(data)
    train, test = (ir, eval_data) if eval_data is not None else split_by_passage(ir, eval_fraction, seed=seed)
    pairs = [(q, d) for _, q, _, d in train.pairs()]
    random.Random(seed).shuffle(pairs)
    if max_pairs is not None:
        pairs = pairs[:max_pairs]
    if not pairs:
        raise InputError("no (query, relevant passage) pairs to train on")
    labelled = len(pairs)
    if corpus_queries:
        pairs += _inverse_cloze(train.corpus, corpus_queries, keep_sentence, seed)
        random.Random(seed).shuffle(pairs)
    encoder = load_sentence_model(bi_encoder) if isinstance(bi_encoder, (str, os.PathLike)) else bi_encoder
    corpus = list(train.corpus.values())
    if len(corpus) <= num_negatives:
        raise OptionError("--negatives", f"{num_negatives} negatives need more than {len(corpus)} passages")
    listwise = loss != "bce"
    with quiet_tqdm(not show_progress):
        mined = mine_hard_negatives(
            datasets.Dataset.from_dict({"query": [q for q, _ in pairs], "positive": [d for _, d in pairs]}),
            encoder,
            corpus=corpus,
            num_negatives=num_negatives,
            range_max=min(100, len(corpus) - 1),
            relative_margin=0.05,  # skip "negatives" nearly as similar as the positive: often unlabelled positives
            sampling_strategy="top",
            output_format="labeled-list" if listwise else "labeled-pair",
            batch_size=64,
            verbose=show_progress,
        )
    torch.manual_seed(seed)
    ce = load_cross_encoder(model, max_length=max_length, head=head)
    if listwise:
        train_loss = ce_losses.ListNetLoss(ce) if loss == "listnet" else ce_losses.LambdaLoss(ce)
    else:
        train_loss = ce_losses.BinaryCrossEntropyLoss(ce, pos_weight=torch.tensor(float(num_negatives)))
    evaluator = CrossEncoderRerankingEvaluator(
        samples=reranking_samples(test, encoder, top_k=eval_top_k),
        at_k=10,
        always_rerank_positives=False,  # realistic: a positive the bi-encoder missed stays missed
        name=f"top{eval_top_k}",
        write_csv=False,
    )
    out = Path(output)
    with tempfile.TemporaryDirectory(prefix="embedlab-rerank-") as work:
        args = st.cross_encoder.CrossEncoderTrainingArguments(
            output_dir=work,
            num_train_epochs=epochs,
            per_device_train_batch_size=batch_size,
            learning_rate=learning_rate,
            warmup_steps=0.1,  # a float is a share of the steps (transformers 5)
            eval_strategy="steps" if eval_steps else "epoch",
            eval_steps=eval_steps,
            save_strategy="no",
            logging_steps=max(1, eval_steps or 10),
            report_to="none",
            seed=seed,
            use_cpu=not torch.cuda.is_available(),
            disable_tqdm=not show_progress,
            dataloader_drop_last=False,
        )
        with quiet_tqdm(not show_progress):
            trainer = st.cross_encoder.CrossEncoderTrainer(
                model=ce, args=args, train_dataset=mined, loss=train_loss, evaluator=evaluator
            )
            if not show_progress:  # without progress bars transformers prints every log dict: keep quiet instead
                from transformers.trainer_callback import PrinterCallback

                trainer.remove_callback(PrinterCallback)
            trainer.train()
        history = [h for h in trainer.state.log_history if any(k.endswith("ndcg@10") for k in h)]
    results = evaluator(ce)
    metrics: dict[str, Any] = {
        **_metrics(results, f"top{eval_top_k}_"),
        "loss": loss,
        "train_pairs": labelled,
        "corpus_pairs": len(pairs) - labelled,
        "head": head,
        "train_examples": len(mined),
        "eval_queries": len(test.queries),
        "eval_top_k": eval_top_k,
        "epochs": epochs,
        "base_model": str(model),
        "bi_encoder": str(bi_encoder) if isinstance(bi_encoder, (str, os.PathLike)) else "(given)",
        "seconds": round(time.perf_counter() - start, 1),
        "history": history,
    }
    with atomic_dir(out, kind="reranker", recognize=lambda p: (p / "metrics.json").is_file()) as tmp:
        ce.save_pretrained(str(tmp))
        atomic_write_json(tmp / "metrics.json", metrics)
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
