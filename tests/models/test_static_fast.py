"""The Encoder's fast path for static models gives sentence-transformers' ``StaticEmbedding`` vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.models.backends.static import encode_static
from embedlab.models.encoder import SentenceEncoder

TEXTS = [
    "A man is playing a guitar.",
    "",
    "   ",
    "Ünïcödé façade, 北京 and emoji-free punctuation!!",
    "word " * 700,  # past the tokenizer's truncation length
    "A man plays the guitar.",
    *[f"sentence number {i} about topic {i % 7}" for i in range(60)],
]


def _static_model(minilm_path: str, *, normalize: bool = False, **kwargs):
    """A StaticEmbedding model on MiniLM's tokenizer with random vectors (built in milliseconds, no distillation)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(minilm_path) / "tokenizer.json"))
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(tokenizer.get_vocab_size(), 48)).astype(np.float32)
    modules = [StaticEmbedding(tokenizer, embedding_weights=weights)] + ([Normalize()] if normalize else [])
    return SentenceTransformer(modules=modules, device="cpu", **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"prompts": {"query": "query: ", "document": "passage: "}},
        {"prompts": {"query": "query: ", "passage": "passage: "}, "truncate_dim": 32},
        {"normalize": True},
    ],
    ids=["plain", "prompts", "passage-prompt-truncate-dim", "normalize-module"],
)
def test_fast_path_equals_sentence_transformers_for_every_role(minilm_path: str, kwargs: dict) -> None:
    model = _static_model(minilm_path, **kwargs)
    enc = SentenceEncoder(model, name="static", path=minilm_path)
    calls = {"text": model.encode, "query": model.encode_query, "document": model.encode_document}
    for role, reference in calls.items():
        for normalize in (False, True):
            want = reference(TEXTS, normalize_embeddings=normalize, convert_to_numpy=True, show_progress_bar=False)
            got = enc.encode(TEXTS, role=role, normalize=normalize)
            assert got.dtype == np.float32 and got.shape == want.shape
            np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    if "prompts" in kwargs:  # the prompts reach the vectors: the roles differ
        assert not np.allclose(enc.encode_queries(TEXTS[:1]), enc.encode_documents(TEXTS[:1]))


def test_only_static_models_on_the_cpu_take_the_fast_path(minilm, minilm_path: str) -> None:
    assert encode_static(minilm, ["a text"]) is None  # a transformer keeps sentence-transformers' pipeline
    model = _static_model(minilm_path)
    assert encode_static(model, ["a text"], role="query").shape == (1, 48)
    assert encode_static(model, []).shape == (0, 48)
    assert not encode_static(model, [""]).any()  # no tokens: the zero vector, as EmbeddingBag gives


def test_fast_path_reads_the_weights_as_they_are_now(minilm_path: str) -> None:
    """A model being trained changes its table in place: the fast path must not keep a stale copy."""
    import torch

    model = _static_model(minilm_path)
    enc = SentenceEncoder(model, name="static", path=minilm_path)
    before = enc.encode(TEXTS[:1])
    with torch.no_grad():
        model[0].embedding.weight.mul_(2.0)
    np.testing.assert_allclose(enc.encode(TEXTS[:1]), 2 * before, rtol=1e-6)
    np.testing.assert_allclose(enc.encode(TEXTS[:1]), model.encode(TEXTS[:1]), atol=1e-5)
