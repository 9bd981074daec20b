"""Two towers in one sentence-transformers model.

A dual encoder reads questions with a *query tower* and passages with a *document tower*. embedlab puts both in one
standard sentence-transformers model through its ``Router`` module: ``model.encode_query`` runs the query tower,
``model.encode_document`` (and plain ``model.encode``) the document tower, and the saved folder loads with plain
``SentenceTransformer(folder)``, routes included. Each route is ``Transformer -> Pooling [-> Dense projection]``; a
``Normalize`` after the router puts both towers' vectors on the unit sphere, where cosine similarity (the training
objective) is a dot product.

Options: initialise each tower from a pretrained model (DPR-style: both from the same checkpoint, trained apart) or
from scratch (:mod:`embedlab.dual.scratch`); tie the two word-embedding tables (``shared_embeddings``), so a word
means the same thing on both sides and half the embedding parameters are learned; add a projection head to a chosen
dimension (``projection_dim``), needed when the towers' widths differ.

Example:
    >>> model = build_dual_model(DualConfig(), base="all-MiniLM-L6-v2")
    >>> q = model.encode_query(["what is a tower?"])
    >>> d = model.encode_document(["A tower encodes one side of the pair."])
    >>> model.similarity(q, d).shape
    torch.Size([1, 1])
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from embedlab.dual.config import DualConfig
from embedlab.errors import ParameterError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Transformer
    from torch import nn

logger = logging.getLogger(__name__)

Route = Literal["query", "document"]
ROUTES: tuple[Route, Route] = ("query", "document")

# Columns that carry labels or scores, never text to embed.
_LABEL_COLUMNS = {"label", "labels", "score", "scores"}


@dataclass
class DualBuildInfo:
    """What :func:`build_dual_model` did, kept on the model as ``model.dual_build_info``.

    Attributes:
        config: the settings used.
        query_source / document_source: the model each tower started from (``"scratch"`` for random weights).
        vocab_size: vocabulary size of a from-scratch tower's tokenizer (None for pretrained towers).
        tokenizer_source: ``"trained on corpus"`` or the model whose tokenizer was reused (from scratch only).
        mlm_losses: the masked-language-model loss of every warm-up step (empty without a warm-up).
    """

    config: DualConfig
    query_source: str
    document_source: str
    vocab_size: int | None = None
    tokenizer_source: str | None = None
    mlm_losses: list[float] = field(default_factory=list)


def dual_router_mapping(columns: list[str]) -> dict[str, str]:
    """Map training-data columns to towers: the first text column is the query, the others are documents.

    Pass the result as ``router_mapping`` of ``SentenceTransformerTrainingArguments``. Label or score columns are left
    out (they are not embedded).

    Args:
        columns: the dataset's column names in order, e.g. ``["anchor", "positive", "negative"]``.

    Raises:
        ParameterError: fewer than two text columns (a dual encoder learns from (query, document) pairs).

    Example:
        >>> dual_router_mapping(["anchor", "positive", "negative"])
        {'anchor': 'query', 'positive': 'document', 'negative': 'document'}
    """
    text_columns = [c for c in columns if c.lower() not in _LABEL_COLUMNS]
    if len(text_columns) < 2:
        raise ParameterError(
            "architecture",
            f"needs (query, document[, negative...]) columns; the data has {', '.join(columns) or 'none'}",
        )
    return {c: ("query" if i == 0 else "document") for i, c in enumerate(text_columns)}


def _pretrained_tower(name: str, route: Route, config: DualConfig) -> list[nn.Module]:
    """The modules of one tower initialised from model ``name`` (its Transformer, Pooling and any Dense; its own
    Normalize is dropped since the dual model normalises after the router). A dual model given as ``name`` gives the
    tower of the same route, so training can continue from a saved dual encoder."""
    from sentence_transformers.sentence_transformer.modules import Normalize, Router

    from embedlab.models import load_sentence_model

    loaded = load_sentence_model(name, pooling=config.pooling, device="cpu")
    modules = list(loaded)
    if modules and isinstance(modules[0], Router):
        router = modules[0]
        if route not in router.sub_modules:
            raise ParameterError(f"dual.{route}_model", f"{name!r} is a routed model with no {route!r} route")
        modules = list(router.sub_modules[route]) + modules[1:]
    return [m for m in modules if not isinstance(m, Normalize)]


def _scratch_towers(config: DualConfig, corpus: list[str] | None, info: DualBuildInfo) -> tuple[list, list]:
    """Two from-scratch towers with one tokenizer and equal (independent) initial weights, as DPR starts both towers
    from one checkpoint."""
    from embedlab.dual.scratch import build_scratch_encoder, mlm_warmup, scratch_tower_modules
    from embedlab.dual.tokenizer import corpus_tokenizer, load_tokenizer

    texts = [t for t in (corpus or []) if isinstance(t, str) and t.strip()]
    if config.tokenizer:
        tokenizer = load_tokenizer(config.tokenizer, max_length=config.max_length)
        info.tokenizer_source = config.tokenizer
    else:
        if not texts:
            raise ParameterError("dual.tokenizer", "from scratch with no tokenizer needs a corpus to train one on")
        tokenizer = corpus_tokenizer(
            texts, vocab_size=config.vocab_size, lowercase=config.lowercase, max_length=config.max_length
        )
        info.tokenizer_source = "trained on corpus"
        logger.info("trained a WordPiece tokenizer of %d pieces on %d texts", len(tokenizer), len(texts))
    info.vocab_size = len(tokenizer)
    if config.mlm_warmup_steps and not texts:
        raise ParameterError("dual.mlm_warmup_steps", "the masked-language-model warm-up needs a corpus")

    with tempfile.TemporaryDirectory(prefix="embedlab-scratch-") as tmp:
        folder = build_scratch_encoder(config, tokenizer, os.path.join(tmp, "encoder"))
        if config.mlm_warmup_steps:
            info.mlm_losses = mlm_warmup(
                folder,
                texts,
                steps=config.mlm_warmup_steps,
                batch_size=config.mlm_batch_size,
                learning_rate=config.mlm_learning_rate,
                mlm_probability=config.mlm_probability,
                seed=config.seed,
            )
            logger.info("MLM warm-up: loss %.3f -> %.3f", info.mlm_losses[0], info.mlm_losses[-1])
        towers = (list(scratch_tower_modules(folder, config)), list(scratch_tower_modules(folder, config)))
    for tower in towers:
        # The temporary folder is gone; name the origin instead (the model card shows it as the base model).
        tower[0].model.config._name_or_path = "embedlab-scratch-bert"
    return towers


def _transformer_of(tower: list[nn.Module]) -> Transformer:
    from sentence_transformers.sentence_transformer.modules import Transformer

    for module in tower:
        if isinstance(module, Transformer):
            return module
    raise ParameterError(
        "dual.shared_embeddings", "a tower has no Transformer module whose embeddings could be shared"
    )


def tie_word_embeddings(query_tower: list[nn.Module], document_tower: list[nn.Module]) -> None:
    """Make the document tower use the query tower's word-embedding table (one shared parameter).

    Raises:
        ParameterError: the towers' tokenizers differ, so a token id would mean different words on each side.
    """
    q, d = _transformer_of(query_tower), _transformer_of(document_tower)
    q_tok, d_tok = q.tokenizer, d.tokenizer
    if q_tok is None or d_tok is None or q_tok.get_vocab() != d_tok.get_vocab():
        raise ParameterError("dual.shared_embeddings", "needs both towers to use the same tokenizer and vocabulary")
    q_emb, d_emb = q.model.get_input_embeddings(), d.model.get_input_embeddings()
    if q_emb.weight.shape != d_emb.weight.shape:
        raise ParameterError(
            "dual.shared_embeddings",
            f"embedding tables differ in shape ({tuple(q_emb.weight.shape)} vs {tuple(d_emb.weight.shape)})",
        )
    d.model.set_input_embeddings(q_emb)


def _tower_dim(tower: list[nn.Module]) -> int:
    from embedlab.models import embedding_dimension

    for module in reversed(tower):
        dim = embedding_dimension(module)
        if dim is not None:
            return dim
    raise ParameterError("architecture", "cannot tell a tower's output dimension")


def build_dual_model(
    config: DualConfig,
    *,
    corpus: list[str] | None = None,
    base: str | None = None,
    device: str | None = None,
) -> SentenceTransformer:
    """Build a two-tower sentence-transformers model (``Router`` with ``query`` and ``document`` routes).

    Args:
        config: the settings (see :class:`DualConfig`).
        corpus: texts to train the tokenizer on and for the MLM warm-up (from scratch only); the queries and
            documents of the training data are a good choice.
        base: the recipe's model, used for towers whose ``*_model`` is None when not ``from_scratch``.
        device: where to put the model (sentence-transformers picks when None).

    Returns:
        A ``SentenceTransformer`` whose ``encode_query`` / ``encode_document`` use the two towers, with the build
        details in ``model.dual_build_info`` (:class:`DualBuildInfo`). Save it with ``model.save(folder)``; train it
        with ``router_mapping=dual_router_mapping(columns)`` and ``loss=dual_loss(model, config)``.

    Raises:
        ParameterError: no model to start from, towers of different widths without ``projection_dim``, or
            ``shared_embeddings`` across different vocabularies.

    Example:
        >>> model = build_dual_model(DualConfig(from_scratch=True, hidden=64, heads=2), corpus=texts)
        >>> model.encode_query(["a question"]).shape
        (1, 64)
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Router

    config.validate()
    if config.from_scratch:
        info = DualBuildInfo(config, "scratch", "scratch")
        query_tower, document_tower = _scratch_towers(config, corpus, info)
    else:
        query_name = config.query_model or base
        document_name = config.document_model or query_name
        if not query_name or not document_name:
            raise ParameterError(
                "dual.query_model",
                "no model to start the towers from: give dual.query_model, the recipe's model, or from_scratch = true",
            )
        info = DualBuildInfo(config, str(query_name), str(document_name))
        query_tower = _pretrained_tower(str(query_name), "query", config)
        document_tower = _pretrained_tower(str(document_name), "document", config)

    if config.shared_embeddings:
        tie_word_embeddings(query_tower, document_tower)

    if config.projection_dim is not None:
        for tower in (query_tower, document_tower):
            tower.append(Dense(_tower_dim(tower), config.projection_dim, activation_function=torch.nn.Identity()))
    q_dim, d_dim = _tower_dim(query_tower), _tower_dim(document_tower)
    if q_dim != d_dim:
        raise ParameterError(
            "dual.projection_dim",
            f"the towers output {q_dim} and {d_dim} dimensions; set a projection_dim to compare them",
        )

    # Plain model.encode() (no task) goes to the document tower: indexing a corpus is the common un-tasked call.
    router = Router.for_query_document(query_tower, document_tower, default_route="document")
    model = SentenceTransformer(modules=[router, Normalize()], device=device, similarity_fn_name="cosine")
    model.dual_build_info = info
    return model
