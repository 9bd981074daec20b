"""Ids survive the whole data path: corpus file -> pairs-from-corpus -> split -> mine-negatives -> the index."""

from __future__ import annotations

import json

import pytest

TOPICS = {
    "paper-7": "Cats",
    "paper-3": "Volcanoes",
    "paper-11": "Compilers",
    "paper-20": "Bread",
}
FACTS = [
    "{t} have been studied by Dr. Smith at St. Mary's since 1950.",
    "Early reports on {t} were published in the U.S. and in Europe.",
    "A survey of {t} counted 3.5 million records, e.g. photographs and notes.",
    "Mrs. Jones wrote that {t} are often misunderstood by the public.",
    "Modern work on {t} uses sensors, archives and careful field notes.",
    "Critics say research on {t} is expensive, slow and hard to repeat.",
    "Students learn about {t} in their second year at university.",
    "The future of {t} depends on funding and on public interest.",
]


def _rows(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


@pytest.mark.slow
def test_ids_join_back_to_the_corpus_and_the_index(cli, tmp_path, minilm_path):
    from embedlab.index import Index

    corpus = tmp_path / "papers.jsonl"
    docs = {pid: " ".join(f.format(t=topic) for f in FACTS) for pid, topic in TOPICS.items()}
    corpus.write_text(
        "".join(json.dumps({"id": pid, "text": text, "year": 2020}) + "\n" for pid, text in docs.items())
    )

    pairs = tmp_path / "pairs.jsonl"
    code, _, err = cli(
        "data", "pairs-from-corpus", corpus, "-o", pairs, "--chunk-size", "4", "--overlap", "0", "--keep-sentence", "1"
    )
    assert code == 0, err
    made = _rows(pairs)
    assert {r["doc_id"] for r in made} == set(docs)  # the corpus's own ids, not doc0, doc1...

    code, _, err = cli("data", "split", pairs, "-o", tmp_path / "split", "--fractions", "0.5,0.5")
    assert code == 0, err
    train, test = _rows(tmp_path / "split" / "train.jsonl"), _rows(tmp_path / "split" / "test.jsonl")
    assert not {r["doc_id"] for r in train} & {r["doc_id"] for r in test}  # a document is in one split

    mined = tmp_path / "neg.jsonl"
    code, out, err = cli("data", "mine-negatives", tmp_path / "split" / "train.jsonl", "-o", mined, "-m", minilm_path)
    assert code == 0, err
    negs = _rows(mined)
    assert negs and all({"doc_id", "passage_id"} <= set(r) for r in negs)
    by_pair = {(r["anchor"], r["positive"]): r for r in train}
    assert all(by_pair[(r["anchor"], r["positive"])]["doc_id"] == r["doc_id"] for r in negs)
    got = len({(r["anchor"], r["positive"]) for r in negs})
    assert f"{len(train) - got} of {len(train)} pairs got no negative" in " ".join(out.split())

    index = Index.build(minilm_path, corpus, tmp_path / "index", chunk="sentences", chunk_size=4, overlap=0)
    chunks = {h.id: h for h in index.search("research", k=index.count, mode="dense")}
    for row in made + negs:
        chunk = chunks[row["passage_id"]]  # the pair's passage is the index's chunk, same id
        assert chunk.doc_id == row["doc_id"] and chunk.text == row["positive"]  # kept sentence: positive = passage
        assert docs[row["doc_id"]][chunk.start : chunk.end] == chunk.text
