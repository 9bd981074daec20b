"""`embedlab data ...` end to end on real text: pairs from the Wikipedia excerpt, a leak-free split, easy negatives."""

from __future__ import annotations

import json

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def _rows(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_pairs_split_and_negatives(cli, tmp_path, gensim_test_data):
    pairs = tmp_path / "pairs.jsonl"
    code, out, err = cli(
        "data", "pairs-from-corpus", gensim_test_data / WIKI, "-o", pairs, "--max-docs", "2", "--size", "4"
    )
    assert code == 0, err
    rows = _rows(pairs)
    assert "ict pairs" in out and len(rows) > 40 and set(rows[0]) == {"anchor", "positive", "doc_id", "passage_id"}
    # doc_id is the source document's own id (a Wikipedia page title), not a made-up doc0, doc1...
    assert {r["doc_id"] for r in rows} == {"Anarchism", "Autism"}
    assert all(r["passage_id"].startswith(r["doc_id"] + "#") for r in rows)

    code, out, err = cli("data", "split", pairs, "-o", tmp_path / "split", "--fractions", "0.8,0.2")
    assert code == 0, err
    train, test = _rows(tmp_path / "split" / "train.jsonl"), _rows(tmp_path / "split" / "test.jsonl")
    assert len(train) + len(test) == len(rows)
    assert not {r["doc_id"] for r in train} & {r["doc_id"] for r in test}

    code, out, err = cli(
        "data",
        "mine-negatives",
        tmp_path / "split" / "train.jsonl",
        "-o",
        tmp_path / "neg.jsonl",
        "--kind",
        "easy",
        "-n",
        "2",
        "--format",
        "n-tuple",
    )
    assert code == 0, err
    neg = _rows(tmp_path / "neg.jsonl")
    assert len(neg) == len(train) and all(r["negative_1"] not in (r["positive"], r["negative_2"]) for r in neg)

    code, out, err = cli(
        "data",
        "pairs-from-corpus",
        gensim_test_data / WIKI,
        "-o",
        tmp_path / "c.jsonl",
        "--method",
        "crop",
        "--max-docs",
        "1",
    )
    assert code == 0 and "crop pairs" in out


def test_bad_options_exit_2(cli, tmp_path):
    code, _, err = cli("data", "split", tmp_path / "missing.jsonl", "-o", tmp_path / "o")
    assert code == 2 and "missing.jsonl" in err
    (tmp_path / "p.jsonl").write_text('{"anchor": "a", "positive": "b"}\n')
    code, _, err = cli("data", "mine-negatives", tmp_path / "p.jsonl", "-o", tmp_path / "n.jsonl", "--kind", "medium")
    assert code == 2 and "--kind" in err
    code, _, err = cli("data", "mine-negatives", tmp_path / "p.jsonl", "-o", tmp_path / "n.jsonl", "--kind", "easy")
    assert code == 2 and "too small" in err
    code, _, err = cli("data", "split", tmp_path / "p.jsonl", "-o", tmp_path / "o", "--fractions", "0.5,0.5,0.5")
    assert code == 2 and "sum to 1" in err
