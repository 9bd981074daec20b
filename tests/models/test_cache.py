"""The embedding cache: a repeat run encodes nothing, a changed model is a new key, duplicates are encoded once."""

from __future__ import annotations

import numpy as np

from embedlab.models.cache import CachedEncoder, EmbeddingCache
from embedlab.models.encoder import load_encoder


class CountingEncoder:
    """Wraps a real encoder and records what reaches the model."""

    def __init__(self, inner):
        self.inner = inner
        self.name, self.kind, self.backend = inner.name, inner.kind, inner.backend
        self.calls: list[list[str]] = []

    dim = property(lambda self: self.inner.dim)
    fingerprint = property(lambda self: self.inner.fingerprint)

    def info(self):
        return self.inner.info()

    def encode(self, texts, *, role="text", batch_size=32, normalize=False):
        self.calls.append(list(texts))
        return self.inner.encode(texts, role=role, batch_size=batch_size, normalize=normalize)


def test_repeat_run_reads_from_disk(tmp_path, tiny_kv):
    texts = ["the cat sleeps", "a car drives", "the cat sleeps", "the road"]
    first = CountingEncoder(load_encoder(tiny_kv))
    a = CachedEncoder(first, EmbeddingCache(tmp_path / "cache")).encode(texts)
    assert first.calls == [["the cat sleeps", "a car drives", "the road"]]  # the duplicate is encoded once
    assert list((tmp_path / "cache").rglob("keys-*.npy")) and list((tmp_path / "cache").rglob("vecs-*.npy"))

    second = CountingEncoder(load_encoder(tiny_kv))
    cached = CachedEncoder(second, EmbeddingCache(tmp_path / "cache"))  # a new process would start like this
    b = cached.encode([*texts, "a puppy"])
    assert second.calls == [["a puppy"]] and cached.encoded == 1
    np.testing.assert_array_equal(a, b[:4])
    np.testing.assert_array_equal(b[4], load_encoder(tiny_kv).encode(["a puppy"])[0])


def test_changed_model_file_changes_the_key(tmp_path, tiny_kv):
    import os

    from testsupport import save_tiny_kv

    before = load_encoder(tiny_kv).fingerprint
    os.utime(tiny_kv, (1, 1))  # touched, same content: the same model, the same key
    assert load_encoder(tiny_kv).fingerprint == before
    save_tiny_kv({"cat": [1.0, 0.0], "dog": [0.0, 1.0]}, tmp_path / "tiny.kv")  # retrained in place
    assert load_encoder(tiny_kv).fingerprint != before


def test_roles_are_cached_apart(tmp_path, tiny_kv):
    inner = CountingEncoder(load_encoder(tiny_kv))
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path / "cache"))
    cached.encode_queries(["the cat sleeps"])
    cached.encode_documents(["the cat sleeps"])
    cached.encode_queries(["the cat sleeps"])
    assert inner.calls == [["the cat sleeps"], ["the cat sleeps"]]  # one call per role, the repeat from cache
