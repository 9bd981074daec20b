"""Search behaviour: equal to brute force, filters that lose nothing, hybrid fusion, MMR, reranking."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.data.documents import Chunk
from embedlab.errors import ParameterError
from embedlab.index.local import LocalIndex
from embedlab.index.search import minmax, mmr, rrf, weighted

QUERIES = ["renewable energy from the sun", "pets that sleep", "interest rates and inflation", "how to cook"]


@pytest.fixture(scope="module")
def doc_vectors(minilm, corpus_texts):
    return minilm.encode([t for _, t, *_ in corpus_texts], normalize_embeddings=True)


def brute_force(minilm, texts, docs, query: str, k: int) -> list[str]:
    q = minilm.encode_query([query], normalize_embeddings=True)[0]
    scores = docs @ q
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [texts[i][0] for i in order[:k]]


@pytest.mark.parametrize("query", QUERIES)
def test_dense_equals_brute_force(small_index, minilm, corpus_texts, doc_vectors, query):
    expected = brute_force(minilm, corpus_texts, doc_vectors, query, 10)
    assert [h.id for h in small_index.search(query, k=10, mode="dense")] == expected
    assert [h.id for h in small_index.search(query, k=10, mode="dense", exact=True)] == expected


def test_hits_carry_scores_and_metadata(small_index, minilm):
    hit = small_index.search("solar electricity", k=1)[0]
    assert hit.id == hit.doc_id and hit.metadata["topic"] == "energy"
    q = minilm.encode_query(["solar electricity"], normalize_embeddings=True)[0]
    d = minilm.encode([hit.text], normalize_embeddings=True)[0]
    assert hit.scores["dense"] == pytest.approx(float(q @ d), abs=1e-4)


def test_ann_store_equals_brute_force_on_clustered_vectors():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((20, 32))
    x = (centers[rng.integers(0, 20, 3000)] + 0.3 * rng.standard_normal((3000, 32))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    store = LocalIndex(32, {"ef_search": 128})
    store.add([Chunk(str(i), str(i), f"t{i}", 0, 2, {"g": i % 50}) for i in range(3000)], x)
    recall = []
    for q in x[:50] + 0.05:
        truth = set(map(str, np.argsort(-(x @ q))[:10]))
        recall.append(len(truth & {i for i, _ in store.dense(q, 10)}) / 10)
    assert np.mean(recall) >= 0.95
    # a filter that keeps 2% of the rows: every hit passes and none is lost (exact search over the allowed rows)
    from embedlab.index.filters import parse_filters

    conds = parse_filters(["g in [3]"])
    q = x[3]
    allowed = [i for i in range(3000) if i % 50 == 3]
    truth = [str(i) for i in sorted(allowed, key=lambda i: -(x[i] @ q))[:10]]
    assert [i for i, _ in store.dense(q, 10, conds)] == truth
    # a broad filter (half the rows) goes through the graph with a selector and still returns k allowed rows
    broad = parse_filters(["g<25"])
    hits = store.dense(q, 10, broad)
    assert len(hits) == 10 and all(int(i) % 50 < 25 for i, _ in hits)


def test_selective_filter_returns_all_matches(small_index):
    hits = small_index.search("anything at all", k=10, filters=["lang=de"])
    assert sorted(h.id for h in hits) == ["cat2", "sun3"]
    hits = small_index.search("energy", k=3, filters=["year>=2021", "topic in [energy,science]"])
    assert len(hits) == 3
    assert all(h.metadata["year"] >= 2021 and h.metadata["topic"] in ("energy", "science") for h in hits)
    assert small_index.search("energy", filters={"year": {"gt": 3000}}) == []
    with pytest.raises(ParameterError, match="no document has the field 'yaer'"):
        small_index.search("energy", filters=["yaer>2000"])


def test_bm25_finds_exact_codes(small_index):
    hits = small_index.search("XJ-4471", mode="bm25", k=5)
    assert hits[0].id == "code1"
    assert all(h.scores["bm25"] > 0 for h in hits)  # documents sharing no term are not returned


def test_rrf_and_weighted_fusion_by_hand():
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.1)]
    lexical = [("c", 12.0), ("b", 6.0)]
    fused = dict(rrf([dense, lexical], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 62)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert [d for d, _ in rrf([dense, lexical], k=60)] == ["c", "b", "a"]
    assert minmax(dense) == {"a": 1.0, "b": pytest.approx(0.875), "c": 0.0}
    w = dict(weighted(dense, lexical, alpha=0.25))
    assert w["a"] == pytest.approx(0.25)
    assert w["b"] == pytest.approx(0.25 * 0.875)
    assert w["c"] == pytest.approx(0.75)
    with pytest.raises(ParameterError, match=r"^alpha: "):
        weighted(dense, lexical, alpha=1.5)


def test_hybrid_search_fuses_the_two_lists(small_index):
    query = "error XJ-4471 pump"
    dense = small_index.search(query, mode="dense", k=50, candidates=50)
    lexical = small_index.search(query, mode="bm25", k=50, candidates=50)
    hybrid = small_index.search(query, mode="hybrid", fusion="rrf", k=5, candidates=50)
    expected = rrf([[(h.id, h.score) for h in dense], [(h.id, h.score) for h in lexical]], k=60)[:5]
    assert [(h.id, pytest.approx(h.score)) for h in hybrid] == [(d, pytest.approx(s)) for d, s in expected]
    assert "dense" in hybrid[0].scores and "bm25" in hybrid[0].scores and "hybrid" in hybrid[0].scores
    only_dense = small_index.search(query, mode="hybrid", fusion="weighted", alpha=1.0, k=5, candidates=50)
    assert [h.id for h in only_dense] == [h.id for h in dense[:5]]
    only_bm25 = small_index.search(query, mode="hybrid", fusion="weighted", alpha=0.0, k=len(lexical), candidates=50)
    assert [h.id for h in only_bm25][: len(lexical)] == [h.id for h in lexical]


def test_mmr_by_hand():
    v = np.array([[1.0, 0.0], [0.999, 0.045], [0.0, 1.0]])
    rel = [0.9, 0.89, 0.5]
    assert [i for i, _ in mmr(rel, v, 3, lambda_=1.0)] == [0, 1, 2]
    # the near-duplicate of the first pick is pushed below the different document
    assert [i for i, _ in mmr(rel, v, 3, lambda_=0.5)] == [0, 2, 1]
    with pytest.raises(ParameterError, match=r"^mmr: "):
        mmr(rel, v, 2, lambda_=2.0)


def test_mmr_search_diversifies(small_index):
    plain = small_index.search("solar power", k=4)
    same = small_index.search("solar power", k=4, mmr=1.0)
    assert [h.id for h in same] == [h.id for h in plain]
    diverse = small_index.search("solar power", k=4, mmr=0.3)
    assert diverse[0].id == plain[0].id
    assert {h.metadata["topic"] for h in diverse} != {h.metadata["topic"] for h in plain} or [
        h.id for h in diverse
    ] != [h.id for h in plain]
    assert all("mmr" in h.scores for h in diverse)


def test_rerank_orders_by_cross_encoder(small_index, minilm_path):
    from sentence_transformers import CrossEncoder

    ce = CrossEncoder(minilm_path, num_labels=1, max_length=64)  # an untrained head: arbitrary but fixed scores
    query = "renewable energy"
    first = small_index.search(query, k=8)
    hits = small_index.search(query, k=8, rerank=ce, rerank_top=8)
    expected = ce.predict([(query, h.text) for h in first])
    order = [first[i].id for i in np.argsort(-expected, kind="stable")]
    assert [h.id for h in hits] == order
    assert all(
        h.scores["rerank"] == pytest.approx(float(expected[[f.id for f in first].index(h.id)]), abs=1e-5) for h in hits
    )
    assert all("dense" in h.scores for h in hits)


def test_bad_search_options(small_index):
    with pytest.raises(ParameterError, match=r"^mode: unknown mode 'sparse'") as info:
        small_index.search("x", mode="sparse")  # type: ignore[arg-type]
    assert info.value.param == "mode"  # the library speaks Python names; the CLI and service map them
    with pytest.raises(ParameterError, match=r"^k: must be at least 1"):
        small_index.search("x", k=0)
    with pytest.raises(ParameterError, match=r"^alpha: must be a finite number"):
        small_index.search("x", mode="hybrid", fusion="weighted", alpha=float("nan"))
    with pytest.raises(ParameterError, match="query"):
        small_index.search("   ")
