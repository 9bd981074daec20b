"""Score (query, passage) pairs with a cross-encoder.

A bi-encoder embeds query and passage separately and compares vectors: fast enough to search millions of passages,
but the two texts never see each other. A *cross-encoder* reads them together, as one input, and outputs a relevance
score: far more accurate, far too slow to run over a whole corpus. Retrieval pipelines therefore use both: the
bi-encoder finds the top 50-100 candidates, the cross-encoder reorders them.

Any sentence-transformers ``CrossEncoder`` works: one trained with ``embedlab rerank train``, or, online, a hub model
such as ``cross-encoder/ms-marco-MiniLM-L6-v2``.

Example:
    >>> model = load_cross_encoder("my-reranker")
    >>> score_pairs(model, "who wrote hamlet", ["Shakespeare wrote Hamlet.", "Paris is in France."])
    [4.1, -7.9]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from embedlab.errors import InputError, ModelNotFoundError, ParameterError
from embedlab.utils.optional import require

if TYPE_CHECKING:
    from sentence_transformers.cross_encoder import CrossEncoder

from embedlab.rerank.recipe import Head

HEADS: tuple[str, ...] = get_args(Head)


def load_cross_encoder(
    name: str | os.PathLike[str],
    *,
    max_length: int | None = None,
    device: str | None = None,
    head: Head = "mean",
    new_head: bool = False,
) -> CrossEncoder:
    """Load a cross-encoder from a folder or hub id (anything :func:`embedlab.models.resolve_model` resolves).

    A folder that is a bi-encoder or a plain transformer (e.g. ``all-MiniLM-L6-v2``) has no trained scoring head: it
    is refused, unless ``new_head`` asks for a fresh, untrained head (the starting point of
    :func:`embedlab.rerank.train.train_reranker`), because its scores would be random.

    Args:
        name: folder, alias or hub id.
        max_length: truncate query + passage to this many tokens.
        device: ``cpu``, ``cuda``...
        head: the fresh head's input when ``name`` is not a cross-encoder yet. ``mean`` pools all tokens of the
            (query, passage) input, the representation a mean-pooled bi-encoder such as all-MiniLM-L6-v2 was trained
            to make meaningful, so the head learns from the first step; ``cls`` is the classic
            ``BertForSequenceClassification`` head on the [CLS] token, which such a bi-encoder never trained and
            which needs many thousands of steps to become useful (on aims_qa's 2,000 training pairs a CLS head was
            still below the bi-encoder after 4 epochs).
        new_head: accept a model that is not a cross-encoder yet and give it a fresh head (training only).

    Raises:
        ModelNotFoundError: nothing loadable there, a word-vector model, a model that is not a trained
            cross-encoder (without ``new_head``), or a reranker run that shipped no reranker.
        ParameterError: an unknown ``head`` or a ``max_length`` below 1.
    """
    check_head(head)
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1):
        raise ParameterError("max_length", f"must be at least 1 token, got {max_length}")
    from embedlab.models.resolve import resolve_model

    st = require("sentence_transformers", "sentence")
    if _kept_base_order(Path(name)):
        raise ModelNotFoundError(
            f"{os.fspath(name)} holds no reranker: the trained one did not beat the bi-encoder's order on held-out "
            "data (see its metrics.json); search without a reranker, or retrain with --keep-last to ship it anyway"
        )
    resolved = resolve_model(name)
    if resolved.kind in ("word-vectors", "glove-npy"):
        raise ModelNotFoundError(f"model {os.fspath(name)!r} is a word-vector model, not a cross-encoder")
    kwargs: dict[str, Any] = {"device": device}
    if max_length is not None:
        kwargs["max_length"] = max_length
    fresh = resolved.kind != "hub" and not _is_cross_encoder(Path(resolved.path))
    if fresh and not new_head:
        raise ModelNotFoundError(_not_a_reranker(os.fspath(name)))
    try:
        if fresh:
            if head == "mean":
                return _mean_pooled_cross_encoder(resolved.path, max_length=max_length, device=device)
            kwargs["num_labels"] = 1
        return st.CrossEncoder(resolved.path, **kwargs)
    except OSError as exc:
        raise ModelNotFoundError(f"cross-encoder {os.fspath(name)!r} could not be loaded ({exc})") from exc


def check_head(head: str) -> None:
    """Raise :class:`ParameterError` for a head that is not ``mean`` or ``cls``."""
    if head not in HEADS:
        raise ParameterError("head", f"unknown head {head!r}; use {', '.join(HEADS)}")


def _kept_base_order(path: Path) -> bool:
    """A reranker run's folder that shipped no reranker (its trained one did not beat the bi-encoder's order)."""
    import json

    metrics = path / "metrics.json"
    if not metrics.is_file():
        return False
    try:
        return json.loads(metrics.read_text(encoding="utf-8")).get("shipped") == "base-order"
    except (OSError, ValueError, AttributeError):
        return False


def _not_a_reranker(name: str) -> str:
    return (
        f"model {name!r} is not a trained cross-encoder (a bi-encoder or plain transformer would score with a "
        "random head); train one with `embedlab rerank train`"
    )


def _mean_pooled_cross_encoder(path: str, *, max_length: int | None, device: str | None) -> CrossEncoder:
    """A CrossEncoder of sentence-transformers modules: the encoder, mean pooling over the joint input, and a
    one-output linear layer (a fresh head). It saves and loads like any CrossEncoder (``CrossEncoder(folder)``)."""
    import torch
    from sentence_transformers.base.modules import Dense, Transformer
    from sentence_transformers.cross_encoder import CrossEncoder
    from sentence_transformers.sentence_transformer.modules import Pooling

    processor_kwargs = {"model_max_length": max_length} if max_length is not None else None
    encoder = Transformer(path, transformer_task="feature-extraction", processor_kwargs=processor_kwargs)
    dim = encoder.get_embedding_dimension()
    scorer = Dense(dim, 1, activation_function=None, module_output_name="scores")
    torch.nn.init.zeros_(scorer.linear.bias)
    return CrossEncoder(modules=[encoder, Pooling(dim, pooling_mode="mean"), scorer], device=device)


def _is_cross_encoder(path: Path) -> bool:
    import json

    for name, test in (
        ("config_sentence_transformers.json", lambda d: d.get("model_type") == "CrossEncoder"),
        ("config.json", lambda d: any("SequenceClassification" in a for a in d.get("architectures", []) or [])),
    ):
        cfg = path / name
        if not cfg.is_file():
            continue
        try:
            if test(json.loads(cfg.read_text(encoding="utf-8"))):
                return True
        except (json.JSONDecodeError, AttributeError):
            continue
    return False


def score_pairs(model: CrossEncoder, query: str, passages: Sequence[str], *, batch_size: int = 32) -> list[float]:
    """Relevance scores of ``passages`` for ``query`` (higher = more relevant), in input order.

    Raises:
        InputError: empty query or no passages.
    """
    if not query.strip():
        raise InputError("the query is empty")
    if not passages:
        raise InputError("give at least one passage to score")
    scores = model.predict([(query, p) for p in passages], batch_size=batch_size, show_progress_bar=False)
    return [float(s) for s in scores]


def rerank(
    model: CrossEncoder, query: str, passages: Sequence[str], *, top_k: int | None = None
) -> list[tuple[int, float]]:
    """Passages ordered by cross-encoder score: ``(index in passages, score)``, best first.

    Example:
        >>> rerank(model, "capital of france", ["Berlin is...", "Paris is the capital..."])
        [(1, 6.2), (0, -3.1)]
    """
    if top_k is not None and top_k < 1:
        raise ParameterError("top_k", f"must be at least 1, got {top_k}")
    scores = score_pairs(model, query, passages)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    return [(i, scores[i]) for i in order[: top_k or len(order)]]
