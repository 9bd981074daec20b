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

import math
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


class NLIAccuracyEvaluator(SentenceEvaluator):
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
        super().__init__()
        self.premises, self.hypotheses, self.labels = premises, hypotheses, np.asarray(labels)
        self.loss = softmax_loss
        self.name = name
        self.batch_size = batch_size
        self.primary_metric = "accuracy"

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


def chunk_token_ids(ids: list[int], max_tokens: int, overlap: int) -> list[list[int]]:
    """Cut token ids into windows of ``max_tokens`` that overlap by ``overlap`` tokens."""
    if len(ids) <= max_tokens:
        return [ids]
    step = max(1, max_tokens - overlap)
    out = []
    for start in range(0, len(ids), step):
        out.append(ids[start : start + max_tokens])
        if start + max_tokens >= len(ids):
            break
    return out


def chunk_texts(texts: list[str], tokenizer: Any, max_tokens: int, overlap: int = 32) -> list[list[str]]:
    """Split each text into overlapping chunks of at most ``max_tokens`` tokens (special tokens left room for)."""
    budget = max(8, max_tokens - 2)  # room for [CLS] and [SEP]
    enc = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
    out = []
    for text, ids, offsets in zip(texts, enc["input_ids"], enc["offset_mapping"], strict=False):
        windows = chunk_token_ids(list(range(len(ids))), budget, overlap)
        out.append([text[offsets[w[0]][0] : offsets[w[-1]][1]] for w in windows if w] or [text])
    return out


class ChunkedIREvaluator(SentenceEvaluator):
    """IR evaluation where a long passage is scored by its best-matching chunk (max-pooling of chunk scores).

    A passage longer than the model's max sequence length is cut into overlapping chunks that each fit; a query's
    score for the passage is its highest cosine with any chunk. Metrics (binary relevance): NDCG@10, MRR@10,
    recall@10, accuracy@1. Written by hand because sentence-transformers' IR evaluator scores whole (truncated) texts.
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
        super().__init__()
        self.qids = [q for q in queries if relevant.get(q)]
        self.queries = [queries[q] for q in self.qids]
        self.dids = list(corpus)
        self.docs = [corpus[d] for d in self.dids]
        self.relevant = relevant
        self.overlap = overlap
        self.name = name
        self.batch_size = batch_size
        self.primary_metric = "cosine_ndcg@10"

    def __call__(
        self, model: SentenceTransformer, output_path: str | None = None, epoch: int = -1, steps: int = -1
    ) -> dict[str, float]:
        chunks = chunk_texts(self.docs, model.tokenizer, model.max_seq_length, self.overlap)
        flat = [c for cs in chunks for c in cs]
        owner = np.repeat(np.arange(len(chunks)), [len(cs) for cs in chunks])
        q = model.encode(self.queries, batch_size=self.batch_size, normalize_embeddings=True)
        c = model.encode(flat, batch_size=self.batch_size, normalize_embeddings=True)
        sims = q @ c.T
        doc_scores = np.full((len(self.queries), len(chunks)), -np.inf, dtype=np.float32)
        np.maximum.at(doc_scores.T, owner, sims.T)
        ndcg = mrr = rec = acc1 = 0.0
        for i, qid in enumerate(self.qids):
            top = np.argsort(-doc_scores[i])[:10]
            rel = self.relevant[qid]
            hits = [self.dids[j] in rel for j in top]
            dcg = sum(1 / math.log2(r + 2) for r, h in enumerate(hits) if h)
            idcg = sum(1 / math.log2(r + 2) for r in range(min(len(rel), 10)))
            ndcg += dcg / idcg
            mrr += next((1 / (r + 1) for r, h in enumerate(hits) if h), 0.0)
            rec += sum(hits) / len(rel)
            acc1 += float(hits[0]) if hits else 0.0
        n = max(1, len(self.qids))
        metrics = {
            "cosine_ndcg@10": ndcg / n,
            "cosine_mrr@10": mrr / n,
            "cosine_recall@10": rec / n,
            "cosine_accuracy@1": acc1 / n,
            "chunks_per_passage": len(flat) / max(1, len(chunks)),
        }
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
    if data.shape in ("pairs", "triplets") and (data.ir is not None or data.shape == "pairs"):
        queries, corpus, relevant = ir_from_pairs(data)
        if chunk:
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
    if data.shape == "triplets":
        ds = data.dataset
        return TripletEvaluator(
            ds["anchor"], ds["positive"], ds["negative"], name=EVAL_NAME, batch_size=batch_size, write_csv=False
        )
    if data.shape == "scored":
        ds = data.dataset
        return EmbeddingSimilarityEvaluator(
            ds["sentence1"], ds["sentence2"], ds["score"], name=EVAL_NAME, batch_size=batch_size, write_csv=False
        )
    if data.shape == "nli":
        if loss is None or not hasattr(loss, "classifier"):
            return None
        ds = data.dataset
        return NLIAccuracyEvaluator(ds["premise"], ds["hypothesis"], ds["label"], loss, batch_size=batch_size)
    return None


def primary_key(evaluator: SentenceEvaluator) -> str:
    """The evaluator's primary metric key as its ``__call__`` returns it (``eval_cosine_ndcg@10``...)."""
    pm = evaluator.primary_metric
    return pm if pm.startswith(EVAL_NAME + "_") else f"{EVAL_NAME}_{pm}"
