"""Pairs from unlabeled text: ICT and cropping on gensim's Wikipedia excerpt."""

from __future__ import annotations

import json

import pytest

from embedlab.data.documents import Document
from embedlab.data.pairs_from_corpus import (
    cropping_pairs,
    inverse_cloze_pairs,
    pairs_from_corpus,
    passages,
    read_documents,
    split_sentences,
)
from embedlab.errors import InputError, ParameterError

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def test_sentence_splitter_keeps_abbreviations():
    s = split_sentences("Dr. Smith met J. R. Tolkien in 1950. They talked, e.g. about elves! Then? Home.")
    assert s == ["Dr. Smith met J. R. Tolkien in 1950.", "They talked, e.g. about elves!", "Then?", "Home."]


def test_chunking_by_sentences_and_words_with_overlap():
    text = " ".join(f"Sentence number {i} is here." for i in range(10))
    ps = passages([("t", text)], by="sentences", size=4, overlap=1)
    assert [len(p.sentences) for p in ps] == [4, 4, 4]
    assert ps[0].sentences[-1] == ps[1].sentences[0]  # the overlap
    ws = passages([("t", text)], by="words", size=15, overlap=5)
    assert all(len(p.text.split()) <= 15 for p in ws)
    with pytest.raises(ParameterError, match=r"^overlap: "):
        passages([("t", text)], size=3, overlap=3)
    # Offsets are exact: a passage is a slice of its document, a sentence a slice of its passage.
    for p in ps + ws:
        assert text[p.start : p.end] == p.text and p.doc_id == "t"
        assert all(p.text[s:e] == sent for (s, e), sent in zip(p.spans, p.sentences, strict=True))


def test_ict_and_cropping_on_the_wikipedia_excerpt(gensim_test_data):
    docs = read_documents(gensim_test_data / WIKI, limit=3)
    assert len(docs) == 3 and all(len(d.text) > 200 for d in docs)
    assert [d.id for d in docs] == ["Anarchism", "Autism", "Albedo"]  # page titles are the ids
    assert not any("ISBN" in d.text for d in docs)  # reference sections are cut
    parts = passages(docs, size=5, overlap=1)
    pairs = inverse_cloze_pairs(parts, keep_sentence=0.0, seed=0)
    assert len(pairs) > 50
    by_id = {p.id: p for p in parts}
    for pair in pairs[:50]:
        passage = by_id[pair["passage_id"]]
        assert pair["doc_id"] == passage.doc_id
        assert pair["anchor"] in passage.sentences
        assert pair["anchor"] not in pair["positive"]  # removed from its passage (keep_sentence=0)
    kept = inverse_cloze_pairs(parts, keep_sentence=1.0, seed=0)
    assert all(p["anchor"] in p["positive"] for p in kept)
    assert all(p["positive"] == by_id[p["passage_id"]].text for p in kept)
    crops = cropping_pairs(parts, seed=0)
    assert crops and all(set(c["anchor"].split()) <= set(by_id[c["passage_id"]].text.split()) for c in crops)
    assert inverse_cloze_pairs(parts, seed=0) == inverse_cloze_pairs(parts, seed=0)


def test_missing_corpus(tmp_path):
    with pytest.raises(InputError, match="corpus not found"):
        read_documents(tmp_path / "nope.txt")


def test_documents_keep_their_ids(tmp_path):
    rows = [
        {"id": f"paper-{i}", "text": " ".join(f"Paper {i} sentence {k} says something new here." for k in range(8))}
        for i in (7, 3, 11)
    ]
    f = tmp_path / "papers.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pairs = pairs_from_corpus(f, size=4, overlap=0, keep_sentence=0.0)
    assert {p["doc_id"] for p in pairs} == {"paper-7", "paper-3", "paper-11"}
    text = {r["id"]: r["text"] for r in rows}
    assert all(p["anchor"] in text[p["doc_id"]] for p in pairs)  # every pair joins back to its document
    txt = tmp_path / "notes.txt"
    txt.write_text("First note. It has three sentences here. Yes it does.\n\nSecond note. Also three. Indeed so.\n")
    assert [d.id for d in read_documents(txt)] == ["0", "1"]  # as load_documents numbers rows without ids


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keep_sentence": 2.0}, r"^keep_sentence: must be a probability between 0 and 1, got 2.0"),
        ({"keep_sentence": float("nan")}, r"^keep_sentence: must be a probability"),
        ({"queries_per_passage": 0}, r"^queries_per_passage: must be at least 1"),
        ({"size": 0}, r"^chunk_size: must be at least 1"),
        ({"method": "cloze"}, r"^method: 'cloze' is not one of ict, crop"),
        ({"chunk_by": "pages"}, r"^chunk_by: 'pages' is not one of sentences, words"),
    ],
)
def test_bad_parameters_fail_before_reading(tmp_path, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        pairs_from_corpus(tmp_path / "not-read.txt", **kwargs)


def test_one_splitter_everywhere():
    from embedlab.data import chunking, documents

    assert split_sentences is chunking.split_sentences and documents.sentence_spans is chunking.sentence_spans
    from embedlab.data import pairs_from_corpus as pfc

    # one chunker: the name pairs_from_corpus sees is the index's chunk_documents
    assert getattr(pfc, "chunk_documents", documents.chunk_documents) is documents.chunk_documents
    assert documents.chunk_documents([Document("d", "Mr. Prosser came. He left.")], by="sentences", size=1, overlap=0)[
        0
    ].text == ("Mr. Prosser came.")
