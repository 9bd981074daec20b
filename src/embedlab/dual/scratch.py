"""Small BERT-style encoders built from random weights.

With no pretrained model (a new language, a private vocabulary, or to see what pretraining buys), a tower can start
from nothing: a BERT encoder of ``layers`` layers, ``hidden`` units and ``heads`` attention heads, reading WordPiece
pieces (see :mod:`embedlab.dual.tokenizer`), pooled to one vector by the mean of its token vectors or by its ``[CLS]``
vector. Random weights know nothing of language, so an optional *masked-language-model warm-up* first teaches the
encoder to fill in hidden words of the corpus (transformers' ``BertForMaskedLM`` with
``DataCollatorForLanguageModeling``); its encoder weights then start the contrastive training.

The encoder is written as a plain transformers folder (config, weights, tokenizer) and loaded with
sentence-transformers' ``Transformer`` module, so the finished model saves and loads like any other.

Example:
    >>> cfg = DualConfig(from_scratch=True, layers=2, hidden=64, heads=2, vocab_size=500)
    >>> tok = train_wordpiece(texts, vocab_size=cfg.vocab_size)
    >>> folder = build_scratch_encoder(cfg, tok, "encoder")
    >>> losses = mlm_warmup(folder, texts, steps=100)
    >>> transformer, pooling = scratch_tower_modules(folder, cfg)
"""

from __future__ import annotations

import contextlib
import math
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.dual.config import DualConfig
from embedlab.errors import InputError

if TYPE_CHECKING:
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import PreTrainedTokenizerBase


def build_scratch_encoder(
    config: DualConfig, tokenizer: PreTrainedTokenizerBase, folder: str | os.PathLike[str]
) -> Path:
    """Write a randomly initialised BERT encoder sized by ``config``, with ``tokenizer``, to ``folder``.

    Args:
        config: ``layers``, ``hidden``, ``heads``, ``intermediate`` and ``max_length`` size the encoder; ``seed``
            fixes its initial weights.
        tokenizer: its vocabulary sets the embedding table; saved beside the weights.
        folder: where to write (created).

    Returns:
        The folder, loadable with ``transformers.AutoModel`` / sentence-transformers' ``Transformer``.
    """
    import torch
    from transformers import BertConfig, BertModel

    bert_config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        intermediate_size=config.intermediate or 4 * config.hidden,
        max_position_embeddings=config.max_length,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0,
    )
    torch.manual_seed(config.seed)
    model = BertModel(bert_config)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    tokenizer.model_max_length = config.max_length
    tokenizer.save_pretrained(str(out))
    return out


def mlm_warmup(
    folder: str | os.PathLike[str],
    corpus: list[str],
    *,
    steps: int,
    batch_size: int = 16,
    learning_rate: float = 5e-4,
    mlm_probability: float = 0.15,
    seed: int = 42,
) -> list[float]:
    """Train the encoder in ``folder`` to fill in masked words of ``corpus`` for ``steps`` steps, in place.

    Texts longer than the encoder's position table are cut into consecutive windows, so every word is seen. The loop is
    written out (rather than transformers' ``Trainer``) because a warm-up needs no checkpoints, evaluation or logging
    folder; the masking is transformers' ``DataCollatorForLanguageModeling``.

    Args:
        folder: an encoder folder written by :func:`build_scratch_encoder`; its weights are replaced.
        corpus: the texts to learn from.
        steps: optimiser steps (batches); the corpus is cycled as often as needed.
        batch_size: windows per batch.
        learning_rate: peak AdamW learning rate (linear warm-up over the first 10%, then linear decay).
        mlm_probability: share of tokens masked.
        seed: fixes masking and batch order.

    Returns:
        The masked-language-model loss of every step (a batch that happens to mask nothing is skipped).

    Example:
        >>> losses = mlm_warmup("encoder", texts, steps=200)
        >>> losses[-1] < losses[0]
        True
    """
    import torch
    from transformers import AutoTokenizer, BertForMaskedLM, BertModel, DataCollatorForLanguageModeling

    texts = [t for t in corpus if isinstance(t, str) and t.strip()]
    if not texts:
        raise InputError("cannot run the masked-language-model warm-up: the corpus has no non-blank text")
    path = str(folder)
    tokenizer = AutoTokenizer.from_pretrained(path)
    max_length = int(tokenizer.model_max_length)
    encoded = tokenizer(texts, truncation=True, max_length=max_length, return_overflowing_tokens=True)
    windows = [{"input_ids": ids} for ids in encoded["input_ids"]]

    torch.manual_seed(seed)
    rng = random.Random(seed)
    with _quiet_transformers():  # its load report lists the new MLM head as "missing", which is expected here
        mlm = BertForMaskedLM.from_pretrained(path)  # encoder weights from the folder; the MLM head starts random
    collator = DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=mlm_probability, seed=seed)
    optimizer = torch.optim.AdamW(mlm.parameters(), lr=learning_rate, weight_decay=0.01)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    mlm.train()
    losses: list[float] = []
    order: list[int] = []
    for _ in range(steps):
        if len(order) < batch_size:
            fresh = list(range(len(windows)))
            rng.shuffle(fresh)
            order.extend(fresh)
        batch = collator([windows[i] for i in order[:batch_size]])
        del order[:batch_size]
        # Score only the masked positions: BertForMaskedLM's forward projects every token onto the vocabulary,
        # which costs more than the encoder itself for a small model; the loss is the same.
        hidden = mlm.bert(input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask")).last_hidden_state
        masked = batch["labels"] != -100
        if not bool(masked.any()):
            continue
        logits = mlm.cls(hidden[masked])
        loss = torch.nn.functional.cross_entropy(logits, batch["labels"][masked])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(mlm.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        value = float(loss.detach())
        losses.append(value if math.isfinite(value) else float("nan"))

    # Copy the warmed-up encoder into a plain BertModel (which keeps its pooler, unused by sentence-transformers) so
    # the folder still loads without "unused weights" warnings.
    encoder = BertModel.from_pretrained(path)
    encoder.load_state_dict(mlm.bert.state_dict(), strict=False)
    encoder.save_pretrained(path)
    return losses


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


def scratch_tower_modules(folder: str | os.PathLike[str], config: DualConfig) -> tuple[Transformer, Pooling]:
    """Load an encoder folder as the sentence-transformers modules of one tower: ``Transformer`` then ``Pooling``.

    Each call loads fresh weights, so two calls on one folder give two towers with equal but independent weights.
    """
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    transformer = Transformer(str(folder), max_seq_length=config.max_length)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode=config.pooling)
    return transformer, pooling
