"""Quantized indexes: the graph searches int8 / binary codes exactly as brute force on those codes would, and
rescoring by the float vectors gives back the float ranking."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.data.documents import Chunk
from embedlab.errors import ParameterError
from embedlab.index import Index
from embedlab.index.local import LocalStore, binarize


def clustered(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((20, d))
    x = (centers[rng.integers(0, 20, n)] + 0.4 * rng.standard_normal((n, d))).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def store_of(x: np.ndarray, quantize: str, **settings) -> LocalStore:
    store = LocalStore(x.shape[1], {"quantize": quantize, **settings})
    store.add([Chunk(str(i), str(i), f"t{i}", 0, 2, {"g": i % 10}) for i in range(len(x))], x)
    return store


def test_int8_graph_equals_brute_force_on_the_int8_vectors():
    x = clustered(800, 48)
    store = store_of(x, "int8", ef_search=800)
    decoded = store.ann.reconstruct_n(0, len(x))  # what the graph holds: the int8 codes, decoded
    assert not np.allclose(decoded, x) and np.abs(decoded - x).max() < 0.02  # quantized, and close
    for q in x[:20] + 0.01:
        truth = np.argsort(-(decoded @ q), kind="stable")[:10]
        got = store.ann_search(q, 10)
        assert [j for j, _ in got] == truth.tolist()
        assert [s for _, s in got] == pytest.approx((decoded @ q)[truth].tolist(), abs=1e-4)


def test_binary_graph_equals_brute_force_hamming():
    x = clustered(800, 64)
    store = store_of(x, "binary", ef_search=800)
    codes = np.unpackbits(binarize(x), axis=1)
    for q in x[:20] + 0.01:
        hamming = (codes != np.unpackbits(binarize(q[None]), axis=1)).sum(axis=1)
        got = store.ann_search(q, 10)
        assert sorted(-s for _, s in got) == sorted(hamming)[:10]  # ties in Hamming distance are common: compare them
        assert all(-s == hamming[j] for j, s in got)


@pytest.mark.parametrize(("quantize", "rescore"), [("int8", 4), ("binary", 25)])
def test_rescoring_recovers_the_float_ranking(quantize, rescore):
    x = clustered(2000, 64, seed=1)
    exact = store_of(x, "none")
    store = store_of(x, quantize, rescore=rescore, ef_search=256)
    agree = [
        [i for i, _ in store.dense(q, 10)] == [i for i, _ in exact.dense(q, 10, exact=True)] for q in x[:30] + 0.01
    ]
    assert all(agree)
    q = x[5]
    assert store.dense(q, 3)[0][1] == pytest.approx(float(x[5] @ q), abs=1e-5)  # rescored scores are float scores
    without = [store.ann_search(q, 10) for q in x[:30] + 0.01]  # the quantized stage alone is not always right
    if quantize == "binary":
        assert any(
            [j for j, _ in w] != [int(i) for i, _ in exact.dense(q, 10, exact=True)]
            for w, q in zip(without, x[:30] + 0.01, strict=True)
        )


@pytest.mark.parametrize("quantize", ["int8", "binary"])
def test_quantized_index_searches_filters_deletes_like_float(tmp_path, minilm, corpus_docs, small_index, quantize):
    idx = Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / quantize, encoder=minilm, quantize=quantize)
    idx = Index.load(idx.path, encoder=minilm)  # the graph is saved and read back in its own format
    for query in ["renewable energy from the sun", "pets that sleep", "interest rates and inflation"]:
        assert [h.id for h in idx.search(query, k=5, mode="dense")] == [
            h.id for h in small_index.search(query, k=5, mode="dense")
        ]
        hybrid = [h.id for h in idx.search(query, k=5, mode="hybrid", fusion="rrf")]
        assert hybrid == [h.id for h in small_index.search(query, k=5, mode="hybrid", fusion="rrf")]
    assert sorted(h.id for h in idx.search("anything", k=10, filters=["lang=de"])) == ["cat2", "sun3"]
    assert idx.delete(["sun1"]) == 1 and "sun1" not in {h.id for h in idx.search("solar panels", k=24)}
    info, float_info = idx.info(), small_index.info()
    assert info["quantize"] == quantize and float_info["quantize"] == "none"
    assert info["vector_bytes"] == {"int8": 384, "binary": 48}[quantize] and float_info["vector_bytes"] == 1536
    assert info["memory_per_vector_bytes"] < float_info["memory_per_vector_bytes"]
    assert idx.compact() == 1 and idx.search("solar panels", k=1, mode="dense")[0].id == "sun2"


def test_bad_quantize_options(tmp_path, minilm, corpus_docs):
    with pytest.raises(ParameterError, match=r"^quantize: unknown quantization 'int4'"):
        Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "a", encoder=minilm, quantize="int4")
    with pytest.raises(ParameterError, match=r"^rescore: must be"):
        Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "b", encoder=minilm, quantize="int8", rescore=0)
    with pytest.raises(ParameterError, match=r"^quantize: only the local store"):
        Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "c", encoder=minilm, quantize="int8", backend="qdrant")
