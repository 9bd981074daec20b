"""How good and how fast an encoder is on a check set: an STS file (Spearman) or an IR set (NDCG@10).

``embedlab export`` and the backend benchmark score a backend against the model it came from with these.

Example:
    >>> check = load_check("sts:stsb/sts-dev.csv")
    >>> round(check_score(load_encoder("all-MiniLM-L6-v2"), check), 4)  # doctest: +SKIP
    0.8696
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embedlab.errors import ParameterError
from embedlab.models.encoder import Encoder

CheckKind = Literal["sts", "retrieval"]
# A short sample of everyday sentences: the agreement check when the user gives no check set.
SAMPLE_TEXTS = [
    "A man is playing a guitar on the stage.",
    "How do I reset my password?",
    "The committee approved the budget for next year after a long debate.",
    "Where is the nearest train station?",
    "Two dogs are running through a field of snow.",
    "Quantum computers use qubits, which can be in superposition.",
    "She could not remember where she had left the keys.",
    "What is the capital of Australia?",
    "The recipe calls for two cups of flour and one egg.",
    "Stock markets fell sharply after the announcement.",
    "A child is reading a book under a tree.",
    "Why does the sky look blue during the day?",
]


@dataclass
class CheckSet:
    """A check set: its kind, file and data (ScoredPairs or IRDataset)."""

    kind: CheckKind
    path: str
    data: Any

    @property
    def metric(self) -> str:
        """The metric scored: ``spearman_cosine`` for STS, ``cosine_ndcg@10`` for retrieval."""
        return "spearman_cosine" if self.kind == "sts" else "cosine_ndcg@10"

    def texts(self) -> list[str]:
        """Every distinct text of the set (what a speed measurement encodes)."""
        if self.kind == "sts":
            return list(dict.fromkeys([*self.data.sentence1, *self.data.sentence2]))
        return list(dict.fromkeys([*self.data.queries.values(), *self.data.corpus.values()]))


def load_check(spec: str) -> CheckSet:
    """Read a check set: ``sts:FILE``, ``retrieval:FILE`` or a bare FILE (a ``.json`` file or a folder is an IR
    set, anything else STS pairs).

    Raises:
        ParameterError: an unknown kind. InputError: unreadable data (from :mod:`embedlab.data`).
    """
    from embedlab import data as D

    kind, sep, path = spec.partition(":")
    if not sep or len(kind) < 2:  # no prefix (a Windows drive letter is not one)
        kind, path = ("retrieval" if spec.endswith(".json") or Path(spec).is_dir() else "sts"), spec
    if kind not in ("sts", "retrieval"):
        raise ParameterError("check", f"unknown check kind {kind!r} in {spec!r}; use sts:FILE or retrieval:FILE")
    data = D.load_scored_pairs(path) if kind == "sts" else D.load_ir(path)
    return CheckSet(kind, path, data)  # type: ignore[arg-type]


def check_score(encoder: Encoder, check: CheckSet, *, batch_size: int = 32) -> float:
    """The check set's metric for ``encoder`` (STS: plain ``text`` role; retrieval: queries and documents)."""
    from embedlab.evaluate.retrieval import retrieval_metrics
    from embedlab.evaluate.similarity import similarity_metrics

    d = check.data
    if check.kind == "sts":
        e1 = encoder.encode(list(d.sentence1), batch_size=batch_size)
        e2 = encoder.encode(list(d.sentence2), batch_size=batch_size)
        return similarity_metrics(e1, e2, d.scores, similarities=["cosine"])["spearman_cosine"]
    q = encoder.encode_queries(list(d.queries.values()), batch_size=batch_size)
    docs = encoder.encode_documents(list(d.corpus.values()), batch_size=batch_size)
    return retrieval_metrics(d, q, docs, score_functions=["cosine"])["cosine_ndcg@10"]


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """The lowest cosine between matching rows of two embedding matrices."""
    na = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    nb = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return float((na * nb).sum(axis=1).min())


def throughput(encoders: dict[str, Encoder], texts: list[str], *, repeats: int = 3, batch_size: int = 32) -> dict:
    """Texts per second of each encoder: repeats interleaved (A, B, A, B...), best of each kept."""
    best = dict.fromkeys(encoders, float("inf"))
    for enc in encoders.values():
        enc.encode(texts[:batch_size], batch_size=batch_size)  # warm-up
    for _ in range(repeats):
        for key, enc in encoders.items():
            t0 = time.perf_counter()
            enc.encode(texts, batch_size=batch_size)
            best[key] = min(best[key], time.perf_counter() - t0)
    return {key: len(texts) / s for key, s in best.items()}
