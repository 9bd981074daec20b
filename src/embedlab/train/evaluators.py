"""Evaluation during and after training, chosen by the held-out data's shape.

* pairs / IR data -> :class:`InformationRetrievalEvaluator` (NDCG@10, MRR@10, recall@k...), queries searching the
  held-out passages; with ``chunk=True`` long passages are cut into overlapping chunks that each fit the model, and a
  passage scores as its best chunk (:class:`ChunkedIREvaluator`), instead of being silently truncated;
* triplets -> :class:`TripletEvaluator` (accuracy: the positive closer than the negative);
* scored pairs -> :class:`EmbeddingSimilarityEvaluator` (Spearman correlation of cosine with the gold score);
* NLI -> :class:`NLIAccuracyEvaluator` (accuracy of the SoftmaxLoss classifier on the held-out pairs).

Every evaluator has a ``primary_metric`` that picks the best checkpoint.

Example:
    >>> ev = build_evaluator(eval_data)  # doctest: +SKIP
    >>> ev(model)[ev.primary_metric]
    0.71
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sentence_transformers.sentence_transformer.evaluation import (
    EmbeddingSimilarityEvaluator,
    InformationRetrievalEvaluator,
    SentenceEvaluator,
    TripletEvaluator,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from embedlab.data.training import TrainingData

EVAL_NAME = "eval"


def ir_from_pairs(data: TrainingData) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    """(queries, corpus, relevant) for IR evaluation of pair data.

    With an IR source, its own ids and judgements are used (the corpus is the split's passages). For plain pairs,
    ids are made from the texts: each distinct anchor is a query, each distinct positive (and negative) a passage.
    """
    if data.ir is not None:
        ir = data.ir
        relevant = {q: {d for d, r in docs.items() if r > 0} for q, docs in ir.relevant.items()}
        return dict(ir.queries), dict(ir.corpus), {q: d for q, d in relevant.items() if d}
    queries: dict[str, str] = {}
    corpus: dict[str, str] = {}
    q_ids: dict[str, str] = {}
    d_ids: dict[str, str] = {}
    relevant: dict[str, set[str]] = {}
    cols = data.columns
    for row in data.dataset:
        q = row["anchor"]
        qid = q_ids.setdefault(q, f"q{len(q_ids)}")
        queries[qid] = q
        for c in cols[1:]:
            d = row[c]
            did = d_ids.setdefault(d, f"d{len(d_ids)}")
            corpus[did] = d
            if c == "positive":
                relevant.setdefault(qid, set()).add(did)
    return queries, corpus, relevant


class _OwnEvaluator(SentenceEvaluator):
    """What embedlab's own evaluators share: the name that prefixes their metric keys, the batch size they encode
    with, and the metric that picks the best checkpoint."""

    def __init__(self, name: str, batch_size: int, primary_metric: str) -> None:
        super().__init__()
        self.name = name
        self.batch_size = batch_size
        self.primary_metric = primary_metric


class NLIAccuracyEvaluator(_OwnEvaluator):
    """Accuracy of a SoftmaxLoss classifier on (premise, hypothesis, label) pairs.

    Written here because sentence-transformers' ``LabelAccuracyEvaluator`` needs the pre-3.0 ``smart_batching_collate``
    data path; this one encodes with ``model.encode`` and applies the loss's classifier to (u, v, |u - v|).
    """

    def __init__(
        self,
        premises: list[str],
        hypotheses: list[str],
        labels: list[int],
        softmax_loss: Any,
        name: str = EVAL_NAME,
        batch_size: int = 32,
    ) -> None:
        super().__init__(name, batch_size, "accuracy")
        self.premises, self.hypotheses, self.labels = premises, hypotheses, np.asarray(labels)
        self.loss = softmax_loss

    def __call__(
        self, model: SentenceTransformer, output_path: str | None = None, epoch: int = -1, steps: int = -1
    ) -> dict[str, float]:
        import torch

        u = model.encode(self.premises, batch_size=self.batch_size, convert_to_tensor=True)
        v = model.encode(self.hypotheses, batch_size=self.batch_size, convert_to_tensor=True)
        with torch.no_grad():
            feats = torch.cat([u, v, (u - v).abs()], dim=1).to(self.loss.classifier.weight.dtype)
            pred = self.loss.classifier(feats.to(self.loss.classifier.weight.device)).argmax(dim=1).cpu().numpy()
        metrics = {"accuracy": float((pred == self.labels).mean())}
        return self.prefix_name_to_metrics(metrics, self.name)


def chunk_texts(texts: list[str], tokenizer: Any, max_tokens: int, overlap: int = 32) -> list[list[str]]:
    """Cut each text into overlapping chunks that fit ``max_tokens`` (room left for [CLS] and [SEP]).

    The chunks are the data layer's token windows (:func:`embedlab.data.documents.chunk_documents`, ``by="tokens"``
    with the model's tokenizer), the same chunker the index uses, so evaluation scores what the index would store.
    """
    from embedlab.data.documents import Document, chunk_documents

    budget = max(8, max_tokens - 2)
    docs = [Document(str(i), text) for i, text in enumerate(texts)]
    chunks = chunk_documents(docs, by="tokens", size=budget, overlap=min(overlap, budget // 2), tokenizer=tokenizer)
    out: list[list[str]] = [[] for _ in texts]
    for c in chunks:
        out[int(c.doc_id)].append(c.text)
    return [cs or [text] for cs, text in zip(out, texts, strict=True)]


class ChunkedIREvaluator(_OwnEvaluator):
    """IR evaluation where a long passage is scored by its best-matching chunk (max-pooling of chunk scores).

    A passage longer than the model's max sequence length is cut into overlapping chunks that each fit; a query's
    score for the passage is its highest cosine with any chunk. The ranking is scored by
    :func:`embedlab.evaluate.retrieval.ranking_metrics` (binary relevance), with the keys of sentence-transformers'
    ``InformationRetrievalEvaluator`` (``cosine_ndcg@10``, ``cosine_mrr@10``, ``cosine_recall@10``...), plus
    ``chunks_per_passage``. Its own class because sentence-transformers' IR evaluator scores whole (truncated) texts.
    """

    def __init__(
        self,
        queries: dict[str, str],
        corpus: dict[str, str],
        relevant: dict[str, set[str]],
        *,
        overlap: int = 32,
        name: str = EVAL_NAME,
        batch_size: int = 32,
    ) -> None:
        super().__init__(name, batch_size, "cosine_ndcg@10")
        self.qids = [q for q in queries if relevant.get(q)]
        self.queries = [queries[q] for q in self.qids]
        self.dids = list(corpus)
        self.docs = [corpus[d] for d in self.dids]
        self.relevant = relevant
        self.overlap = overlap

    def __call__(
        self, model: SentenceTransformer, output_path: str | None = None, epoch: int = -1, steps: int = -1
    ) -> dict[str, float]:
        from embedlab.evaluate.retrieval import rank, ranking_metrics

        chunks = chunk_texts(self.docs, model.tokenizer, model.max_seq_length, self.overlap)
        flat = [c for cs in chunks for c in cs]
        owner = np.repeat(np.arange(len(chunks)), [len(cs) for cs in chunks])
        q = model.encode(self.queries, batch_size=self.batch_size, normalize_embeddings=True)
        c = model.encode(flat, batch_size=self.batch_size, normalize_embeddings=True)
        sims = q @ c.T
        doc_scores = np.full((len(self.queries), len(chunks)), -np.inf, dtype=np.float32)
        np.maximum.at(doc_scores.T, owner, sims.T)
        rankings = [[self.dids[j] for j in row] for row in rank(doc_scores, self.dids, 100)]
        scored = ranking_metrics(
            rankings,
            [dict.fromkeys(self.relevant[q], 1) for q in self.qids],
            accuracy_at_k=(1, 5, 10),
            precision_recall_at_k=(10,),
            map_at_k=(100,),
        )
        metrics = {f"cosine_{k}": v for k, v in scored.items()}
        metrics["chunks_per_passage"] = len(flat) / max(1, len(chunks))
        return self.prefix_name_to_metrics(metrics, self.name)


def build_evaluator(
    data: TrainingData, *, loss: Any = None, chunk: bool = False, batch_size: int = 32
) -> SentenceEvaluator | None:
    """The evaluator for held-out data of any shape (None for unlabeled text).

    Args:
        data: the held-out data.
        loss: the training loss (the NLI evaluator needs SoftmaxLoss's classifier).
        chunk: score long passages by their best chunk instead of truncating them (pair/IR data).
        batch_size: encoding batch size.
    """
    from embedlab.train.plan import evaluator_kind

    kind = evaluator_kind(data, loss="softmax" if hasattr(loss, "classifier") else None, chunk=chunk)
    if kind in ("ir", "chunked-ir"):
        queries, corpus, relevant = ir_from_pairs(data)
        if kind == "chunked-ir":
            return ChunkedIREvaluator(queries, corpus, relevant, batch_size=batch_size)
        return InformationRetrievalEvaluator(
            queries,
            corpus,
            relevant,
            name=EVAL_NAME,
            batch_size=batch_size,
            write_csv=False,
            mrr_at_k=[10],
            ndcg_at_k=[10],
            accuracy_at_k=[1, 5, 10],
            precision_recall_at_k=[10],
            map_at_k=[100],
        )
    ds = data.dataset
    if kind == "triplet":
        return TripletEvaluator(
            ds["anchor"], ds["positive"], ds["negative"], name=EVAL_NAME, batch_size=batch_size, write_csv=False
        )
    if kind == "similarity":
        return EmbeddingSimilarityEvaluator(
            ds["sentence1"], ds["sentence2"], ds["score"], name=EVAL_NAME, batch_size=batch_size, write_csv=False
        )
    if kind == "nli":
        return NLIAccuracyEvaluator(ds["premise"], ds["hypothesis"], ds["label"], loss, batch_size=batch_size)
    return None


def primary_key(evaluator: SentenceEvaluator) -> str:
    """The evaluator's primary metric key as its ``__call__`` returns it (``eval_cosine_ndcg@10``...)."""
    pm = evaluator.primary_metric
    return pm if pm.startswith(EVAL_NAME + "_") else f"{EVAL_NAME}_{pm}"
