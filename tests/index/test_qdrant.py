"""The Qdrant store (local on-disk mode) behind the same API: same results as the local store."""

from __future__ import annotations

import pytest

from embedlab.index import Index

pytest.importorskip("qdrant_client")


@pytest.fixture(scope="module")
def qdrant_index(tmp_path_factory, minilm, corpus_docs):
    idx = Index.build(
        "all-MiniLM-L6-v2", corpus_docs, tmp_path_factory.mktemp("q") / "qidx", backend="qdrant", encoder=minilm
    )
    yield idx
    idx.close()


@pytest.mark.parametrize("query", ["renewable energy from the sun", "interest rates"])
def test_dense_matches_the_local_store(qdrant_index, small_index, query):
    q = [h.id for h in qdrant_index.search(query, k=8, exact=True)]
    assert q == [h.id for h in small_index.search(query, k=8, exact=True)]
    scores = [h.score for h in qdrant_index.search(query, k=3)]
    assert scores == pytest.approx([h.score for h in small_index.search(query, k=3)], abs=1e-4)


def test_filters_bm25_hybrid_mmr(qdrant_index):
    assert sorted(h.id for h in qdrant_index.search("anything", k=10, filters=["lang=de"])) == ["cat2", "sun3"]
    hits = qdrant_index.search("energy", k=4, filters=["year>=2021", "topic in [energy,science]"])
    assert len(hits) == 4 and all(h.metadata["year"] >= 2021 for h in hits)
    assert qdrant_index.search("XJ-4471 pump", mode="bm25", k=3)[0].id == "code1"
    hybrid = qdrant_index.search("XJ-4471 pump sensor", mode="hybrid", k=3)
    assert hybrid[0].id == "code1" and "hybrid" in hybrid[0].scores
    weighted = qdrant_index.search("XJ-4471 pump sensor", mode="hybrid", fusion="weighted", k=3)
    assert weighted[0].id == "code1" and "bm25" in weighted[0].scores
    plain = [h.id for h in qdrant_index.search("solar power", k=4)]
    assert [h.id for h in qdrant_index.search("solar power", k=4, mmr=1.0)] == plain
    diverse = qdrant_index.search("solar power", k=4, mmr=0.2)
    assert diverse[0].id == plain[0] and len(diverse) == 4


def test_delete_add_and_reopen(qdrant_index, minilm):
    n = qdrant_index.count
    assert qdrant_index.delete(["mkt1"]) == 1
    qdrant_index.add(
        [{"id": "mkt9", "text": "Gold prices climbed to a record.", "year": 2024, "lang": "en", "topic": "finance"}]
    )
    path = qdrant_index.path
    qdrant_index.close()
    reopened = Index.load(path, encoder=minilm)
    try:
        assert reopened.count == n
        assert reopened.search("price of gold", k=1)[0].id == "mkt9"
        assert "mkt1" not in {h.id for h in reopened.search("stock market", k=24)}
        assert reopened.info()["backend"] == "qdrant"
    finally:
        reopened.close()
    qdrant_index.store = Index.load(path, encoder=minilm).store  # keep the module fixture usable


def test_native_hybrid_fuses_as_embedlab_rrf_does(qdrant_index):
    from embedlab.index.search import rrf

    for rrf_k in (10, 60):
        hits = qdrant_index.search("XJ-4471 pump sensor", mode="hybrid", fusion="rrf", rrf_k=rrf_k, k=3)
        # code1 is first in both lists: its fused score is what rrf() gives a document first in two lists
        expected = rrf([[("code1", 1.0)], [("code1", 1.0)]], k=rrf_k)[0][1]
        assert hits[0].id == "code1"
        assert hits[0].scores["hybrid"] == pytest.approx(expected, rel=1e-5)
