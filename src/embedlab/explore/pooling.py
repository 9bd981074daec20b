"""Pooling: why sentence-level training matters.

A transformer gives one vector per token; a sentence vector needs pooling. The naive choices, the [CLS] token or
the mean of the token vectors of a transformer trained only on language modelling, correlate poorly with human
similarity judgements. A sentence-transformers model is the same kind of network trained on sentence pairs so
that its pooled vectors (usually the mean) are meaningful. This module scores all three on an STS file.

Example:
    >>> pooling_comparison("all-MiniLM-L6-v2", "stsb/sts-dev.csv", raw="bert-base-uncased").rows
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from embedlab.data import load_scored_pairs
from embedlab.evaluate.similarity import similarity_metrics


@dataclass
class PoolingResult:
    """Spearman and Pearson (cosine) of each way of building sentence vectors.

    Attributes:
        rows: ``(name, spearman_cosine, pearson_cosine)``, the trained model first.
        same_weights: True when the raw transformer is the trained model's own network (no separate checkpoint).
    """

    rows: list[tuple[str, float, float]] = field(default_factory=list)
    same_weights: bool = False
    pairs: int = 0


def pooling_comparison(
    model: str, sts: str | Path, *, raw: str | None = None, limit: int | None = None
) -> PoolingResult:
    """STS correlation of the sentence model against CLS and mean pooling of a raw transformer.

    Args:
        model: the trained sentence-transformers model.
        sts: an STS file (STS Benchmark, SICK, CSV/JSONL with a score).
        raw: the raw (not sentence-trained) transformer; default the model's own transformer weights, pooled
            naively, which isolates the pooling choice.
        limit: score only the first N pairs.
    """
    from sentence_transformers import SentenceTransformer, models

    from embedlab.errors import InputError
    from embedlab.models.encoder import load_encoder
    from embedlab.models.resolve import resolve_model

    pairs = load_scored_pairs(sts)  # validate before loading any model
    if limit:
        pairs = pairs.subset(limit)
    encoder = load_encoder(model, device="cpu")
    trained = getattr(encoder, "model", None)  # the naive poolings are built from the encoder's own network
    if trained is None:
        raise InputError(f"{model}: pooling needs a transformer model, not static word vectors")
    raw_path = resolve_model(raw).path if raw else resolve_model(model).path
    result = PoolingResult(same_weights=raw is None, pairs=len(pairs))

    def score(st: SentenceTransformer) -> tuple[float, float]:
        e1 = st.encode(pairs.sentence1, convert_to_numpy=True)
        e2 = st.encode(pairs.sentence2, convert_to_numpy=True)
        m = similarity_metrics(e1, e2, pairs.scores, similarities=["cosine"])
        return m["spearman_cosine"], m["pearson_cosine"]

    result.rows.append((f"{model} (sentence-trained)", *score(trained)))
    raw_name = raw or f"{model} transformer"
    for mode in ("cls", "mean"):
        word = models.Transformer(raw_path, max_seq_length=trained.max_seq_length)
        pool = models.Pooling(word.get_embedding_dimension(), pooling_mode=mode)
        st = SentenceTransformer(modules=[word, pool], device="cpu")
        result.rows.append((f"{raw_name}, {mode.upper() if mode == 'cls' else mode} pooling", *score(st)))
    return result
