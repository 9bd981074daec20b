"""Pairs from unlabeled text: ICT and cropping on gensim's Wikipedia excerpt."""

from __future__ import annotations

import pytest

from embedlab.data.pairs_from_corpus import (
    chunk_documents,
    cropping_pairs,
    inverse_cloze_pairs,
    read_documents,
    split_sentences,
)
from embedlab.errors import InputError, OptionError

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def test_sentence_splitter_keeps_abbreviations():
    s = split_sentences("Dr. Smith met J. R. Tolkien in 1950. They talked, e.g. about elves! Then? Home.")
    assert s == ["Dr. Smith met J. R. Tolkien in 1950.", "They talked, e.g. about elves!", "Then?", "Home."]


def test_chunking_by_sentences_and_words_with_overlap():
    text = " ".join(f"Sentence number {i} is here." for i in range(10))
    ps = chunk_documents([("t", text)], by="sentences", size=4, overlap=1)
    assert [len(p.sentences) for p in ps] == [4, 4, 4]
    assert ps[0].sentences[-1] == ps[1].sentences[0]  # the overlap
    ws = chunk_documents([("t", text)], by="words", size=15, overlap=5)
    assert all(len(p.text.split()) <= 15 for p in ws)
    with pytest.raises(OptionError):
        chunk_documents([("t", text)], size=3, overlap=3)


def test_ict_and_cropping_on_the_wikipedia_excerpt(gensim_test_data):
    docs = read_documents(gensim_test_data / WIKI, limit=3)
    assert len(docs) == 3 and all(len(t) > 200 for _, t in docs)
    assert not any("ISBN" in t for _, t in docs)  # reference sections are cut
    passages = chunk_documents(docs, size=5, overlap=1)
    pairs = inverse_cloze_pairs(passages, keep_sentence=0.0, seed=0)
    assert len(pairs) > 50
    by_id = {p.id: p for p in passages}
    for pair in pairs[:50]:
        passage = by_id[pair["doc_id"]]
        assert pair["anchor"] in passage.sentences
        assert pair["anchor"] not in pair["positive"]  # removed from its passage (keep_sentence=0)
    kept = inverse_cloze_pairs(passages, keep_sentence=1.0, seed=0)
    assert all(p["anchor"] in p["positive"] for p in kept)
    crops = cropping_pairs(passages, seed=0)
    assert crops and all(set(c["anchor"].split()) <= set(by_id[c["doc_id"]].text.split()) for c in crops)
    assert inverse_cloze_pairs(passages, seed=0) == inverse_cloze_pairs(passages, seed=0)


def test_missing_corpus(tmp_path):
    with pytest.raises(InputError, match="corpus not found"):
        read_documents(tmp_path / "nope.txt")
