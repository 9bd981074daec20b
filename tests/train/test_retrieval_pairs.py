"""(query, chunk) training pairs made with the index's chunker: the positive chunk choice and the false-negative guard,
on real aims_qa passages and questions and the real all-MiniLM-L6-v2."""

from __future__ import annotations

import pytest

from embedlab.data import IRDataset, load_ir
from embedlab.data.documents import Document, chunk_documents, sentence_spans
from embedlab.errors import ParameterError
from embedlab.train.retrieval_pairs import (
    chunk_pairs,
    doc_disjoint_batches,
    long_share,
    to_training_data,
)


@pytest.fixture(scope="module")
def aims(shared_data) -> IRDataset:
    """Six real passages of aims_qa with their questions (two per passage), ~2,000 characters each."""
    ir = load_ir(shared_data / "aims_qa" / "train_dataset.json")
    docs = [d for d in sorted(ir.corpus) if len(sentence_spans(ir.corpus[d])) >= 12][10:16]
    qids = [q for q in ir.relevant if set(ir.relevant[q]) & set(docs)]
    return IRDataset(
        {q: ir.queries[q] for q in qids}, {d: ir.corpus[d] for d in docs}, {q: ir.relevant[q] for q in qids}
    )


@pytest.fixture(scope="module")
def cloze(aims) -> tuple[IRDataset, dict[str, str]]:
    """Queries that are a middle sentence of their passage, copied word for word: the chunk holding that sentence
    is the one right answer, so each way of choosing must find it."""
    queries, relevant, sentence = {}, {}, {}
    for did, text in aims.corpus.items():
        # 15 words or more: long enough to be distinctive (short dialogue lines repeat across a passage)
        spans = [s for s in sentence_spans(text) if len(text[s[0] : s[1]].split()) >= 15]
        s, e = spans[len(spans) // 2]
        queries[f"q-{did}"] = text[s:e]
        relevant[f"q-{did}"] = {did: 1}
        sentence[f"q-{did}"] = text[s:e]
    return IRDataset(queries, dict(aims.corpus), relevant), sentence


@pytest.fixture(scope="module")
def encoder(minilm):
    from embedlab.models import as_encoder

    return as_encoder(minilm, name="all-MiniLM-L6-v2")


def test_pairs_are_index_chunks_one_per_query_and_document(aims):
    pairs = chunk_pairs(aims, choose="bm25", size=3, overlap=1)
    chunks = chunk_documents([Document(d, t) for d, t in aims.corpus.items()], by="sentences", size=3, overlap=1)
    by_id = {c.id: c for c in chunks}
    expected = [(q, d) for q, rel in aims.relevant.items() for d in rel]
    assert [(p.query_id, p.doc_id) for p in pairs] == expected
    for p in pairs:
        # The positive is exactly what the index embeds for that chunk, from the query's own document.
        assert by_id[p.chunk_id].doc_id == p.doc_id
        assert by_id[p.chunk_id].text == p.chunk
        assert p.query == aims.queries[p.query_id]
        assert p.chunks == sum(c.doc_id == p.doc_id for c in chunks) > 1
        assert len(p.chunk) < len(aims.corpus[p.doc_id]) / 2


@pytest.mark.parametrize("choose", ["bm25", "dense", "fused"])
def test_each_choice_finds_the_chunk_holding_the_answer(cloze, encoder, choose):
    ir, sentence = cloze
    pairs = chunk_pairs(ir, encoder if choose != "bm25" else None, choose=choose, size=3, overlap=1)
    assert len(pairs) == len(ir.queries) == 6
    for p in pairs:
        assert sentence[p.query_id] in p.chunk, (choose, p.query_id, p.chunk_id)


def test_fused_follows_the_index_weighted_fusion(cloze, encoder):
    """alpha=1 is the dense choice, alpha=0 the BM25 choice."""
    ir, _ = cloze
    dense = {p.query_id: p.chunk_id for p in chunk_pairs(ir, encoder, choose="dense", size=2, overlap=1)}
    bm25 = {p.query_id: p.chunk_id for p in chunk_pairs(ir, None, choose="bm25", size=2, overlap=1)}
    at1 = {p.query_id: p.chunk_id for p in chunk_pairs(ir, encoder, choose="fused", alpha=1.0, size=2)}
    at0 = {p.query_id: p.chunk_id for p in chunk_pairs(ir, encoder, choose="fused", alpha=0.0, size=2)}
    assert at1 == dense
    assert at0 == bm25


def test_real_questions_get_different_chunks_and_the_guard_keeps_documents_apart(aims, encoder):
    pairs = chunk_pairs(aims, encoder, size=5, overlap=1)
    # Two questions about one passage usually ask about different parts of it.
    per_doc: dict[str, set[str]] = {}
    for p in pairs:
        per_doc.setdefault(p.doc_id, set()).add(p.chunk_id)
    assert any(len(c) > 1 for c in per_doc.values())
    keys = to_training_data(pairs, "aims").group_keys
    assert keys == [p.doc_id for p in pairs]
    batches = doc_disjoint_batches(keys, 4, seed=1)
    assert sorted(i for b in batches for i in b) == list(range(len(pairs)))
    for b in batches:
        # No query meets another chunk of its own passage as an in-batch negative.
        assert len({keys[i] for i in b}) == len(b)


def test_max_per_document_keeps_the_best_scored_pair(aims, encoder):
    full = chunk_pairs(aims, encoder, size=5, overlap=1)
    capped = chunk_pairs(aims, encoder, size=5, overlap=1, max_per_document=1)
    assert sorted(p.doc_id for p in capped) == sorted(aims.corpus)
    for p in capped:
        assert p.score == max(q.score for q in full if q.doc_id == p.doc_id)


def test_short_documents_stay_whole(encoder):
    ir = IRDataset({"q": "cats purr"}, {"a": "Cats purr when content.", "b": "Dogs bark."}, {"q": {"a": 1}})
    (pair,) = chunk_pairs(ir, encoder, size=5, overlap=1)
    assert (pair.chunk_id, pair.chunk, pair.score, pair.chunks) == ("a#0", "Cats purr when content.", 1.0, 1)


def test_long_share_counts_passages_the_model_cuts(aims, encoder):
    texts = list(aims.corpus.values())
    assert long_share(texts, encoder.tokenizer, 10_000) == 0.0
    assert long_share(texts, encoder.tokenizer, 16) == 1.0
    assert long_share(["short one", *texts[:1]], encoder.tokenizer, 64) == 0.5


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"choose": "best"}, "choose"),
        ({"choose": "fused"}, "encoder"),
        ({"choose": "bm25", "alpha": 2.0}, "alpha"),
        ({"choose": "bm25", "max_per_document": 0}, "max_per_document"),
    ],
)
def test_bad_arguments_name_the_parameter(aims, kwargs, param):
    with pytest.raises(ParameterError) as err:
        chunk_pairs(aims, None, **kwargs)
    assert err.value.param == param


def test_doc_disjoint_batches_refuses_an_empty_batch():
    with pytest.raises(ParameterError, match="batch_size"):
        doc_disjoint_batches(["a"], 0)
