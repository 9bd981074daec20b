"""Quantized indexes: the graph or inverted lists search int8 / binary codes exactly as brute force on those codes
would, rescoring by the float vectors gives back the float ranking, and int8 in inverted lists is 4x smaller than a
float graph."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.data.documents import Chunk
from embedlab.errors import ParameterError
from embedlab.index import Index
from embedlab.index.local import LocalStore, binarize, ivf_lists


def clustered(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((20, d))
    x = (centers[rng.integers(0, 20, n)] + 0.4 * rng.standard_normal((n, d))).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def store_of(x: np.ndarray, quantize: str, **settings) -> LocalStore:
    store = LocalStore(x.shape[1], {"quantize": quantize, **settings})
    store.add([Chunk(str(i), str(i), f"t{i}", 0, 2, {"g": i % 10}) for i in range(len(x))], x)
    return store


@pytest.mark.parametrize("ann", ["hnsw", "ivf"])
def test_int8_index_equals_brute_force_on_the_int8_vectors(ann):
    x = clustered(800, 48)
    store = store_of(x, "int8", ann=ann, ef_search=800, nprobe=800)  # a search wide enough to see every vector
    assert store.info()["ann"] == f"faiss-{ann}"
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


@pytest.mark.parametrize(
    ("quantize", "ann", "rescore"), [("int8", "hnsw", 4), ("int8", "ivf", 4), ("binary", "hnsw", 25)]
)
def test_rescoring_recovers_the_float_ranking(quantize, ann, rescore):
    x = clustered(2000, 64, seed=1)
    exact = store_of(x, "none")
    store = store_of(x, quantize, ann=ann, rescore=rescore, ef_search=256)
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


def test_int8_defaults_to_inverted_lists_4x_smaller_than_a_float_graph():
    x = clustered(5000, 384, seed=2)
    float_store, int8 = store_of(x, "none"), store_of(x, "int8")
    assert float_store.info()["ann"] == "faiss-hnsw" and int8.info()["ann"] == "faiss-ivf"
    assert int8.ann.nlist == ivf_lists(5000) == 128
    ratio = float_store.info()["memory_per_vector_bytes"] / int8.info()["memory_per_vector_bytes"]
    assert ratio >= 4, ratio
    for q in x[:20] + 0.01:
        assert [i for i, _ in int8.dense(q, 10)] == [i for i, _ in float_store.dense(q, 10, exact=True)]


def test_ivf_search_keeps_to_the_allowed_rows():
    x = clustered(4000, 48, seed=3)
    store = store_of(x, "int8", nprobe=10_000)  # every list: the result must equal brute force over the allowed codes
    decoded = store.ann.reconstruct_n(0, len(x))
    mask = np.arange(len(x)) % 3 == 0
    for q in x[:10] + 0.01:
        got = store.ann_search(q, 10, mask)
        allowed = np.flatnonzero(mask)
        truth = allowed[np.argsort(-(decoded[allowed] @ q), kind="stable")[:10]]
        assert [j for j, _ in got] == truth.tolist()


def test_ivf_lists_are_learnt_again_when_the_index_outgrows_them(tmp_path):
    x = clustered(6000, 48, seed=4)
    grown = store_of(x[:100], "int8")
    assert grown.ann.nlist == ivf_lists(100) == 2
    more = [Chunk(str(i), str(i), f"t{i}", 0, 2, {}) for i in range(100, 150)]
    grown.add(more, x[100:150])  # 150 vectors would get 3 lists: not yet twice as many, so the lists are kept
    assert grown.ann.nlist == 2 and grown.ann.ntotal == 150
    assert grown.dense(x[120], 1)[0][0] == "120"
    rest = [Chunk(str(i), str(i), f"t{i}", 0, 2, {}) for i in range(150, 6000)]
    grown.add(rest, x[150:])  # 6000 vectors get 153 lists: learnt again over every stored vector
    assert grown.ann.nlist == ivf_lists(6000) == 153 and grown.ann.ntotal == 6000
    once = store_of(x, "int8")
    for q in x[:20] + 0.01:
        assert grown.ann_search(q, 10) == once.ann_search(q, 10)  # the same index as one built at once
    assert grown.dense(x[5000], 1)[0][0] == "5000"


def test_ivf_index_is_saved_and_read_back(tmp_path, minilm, corpus_docs):
    idx = Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "ivf", encoder=minilm, quantize="int8", nprobe=7)
    again = Index.load(idx.path, encoder=minilm)
    assert again.info()["ann"] == "faiss-ivf" and again.store.settings["nprobe"] == 7
    assert [h.id for h in again.search("solar panels", k=5)] == [h.id for h in idx.search("solar panels", k=5)]
    old = Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "g", encoder=minilm, quantize="int8", ann="hnsw")
    assert Index.load(old.path, encoder=minilm).info()["ann"] == "faiss-hnsw"  # the layout an index was built with


def test_bad_layout_options(tmp_path, minilm, corpus_docs):
    with pytest.raises(ParameterError, match=r"^ann: binary vectors are searched in an HNSW graph"):
        Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "a", encoder=minilm, quantize="binary", ann="ivf")
    with pytest.raises(ParameterError, match=r"^ann: unknown index layout 'lsh'"):
        Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "b", encoder=minilm, ann="lsh")
    with pytest.raises(ParameterError, match=r"^nprobe: must be"):
        Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "c", encoder=minilm, quantize="int8", nprobe=-1)
    with pytest.raises(ParameterError, match=r"^ann: Qdrant searches an HNSW graph"):
        Index.build("all-MiniLM-L6-v2", corpus_docs, tmp_path / "d", encoder=minilm, ann="ivf", backend="qdrant")


def test_float_vectors_in_inverted_lists_search_like_exact_when_every_list_is_probed():
    x = clustered(2000, 48, seed=5)
    store, exact = store_of(x, "none", ann="ivf"), store_of(x, "none")
    assert store.info()["ann"] == "faiss-ivf" and store.ann.nlist == 51  # a small index: every list is probed
    for q in x[:10] + 0.01:
        got, truth = store.dense(q, 10), exact.dense(q, 10, exact=True)
        assert [i for i, _ in got] == [i for i, _ in truth]
        assert [s for _, s in got] == pytest.approx([s for _, s in truth], abs=1e-5)


def test_a_chosen_number_of_lists_waits_for_the_vectors_it_needs(capfd):
    x = clustered(3000, 48, seed=6)
    store = store_of(x[:390], "int8", nlist=40)  # 390 vectors: 10 lists of 39, not 40 lists of ~10
    assert store.ann.nlist == 10
    store.add([Chunk(str(i), str(i), f"t{i}", 0, 2, {}) for i in range(390, 3000)], x[390:])
    assert store.ann.nlist == 40 and store.ann.ntotal == 3000
    assert "WARNING" not in capfd.readouterr().err  # faiss' k-means never saw too few points per list
