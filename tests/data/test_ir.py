"""load_ir on the real aims_qa set, BEIR folders and pair files, and one clear error per kind of bad input."""

from __future__ import annotations

import json

import pytest

from embedlab.data import IRDataset, load_ir
from embedlab.errors import InputError
from testsupport import shared_path


def test_aims_qa_ir_json():
    ds = load_ir(shared_path("aims_qa", "train_dataset.json"))
    assert isinstance(ds, IRDataset)
    assert (len(ds.queries), len(ds.corpus)) == (594, 297)
    raw = json.loads(shared_path("aims_qa", "train_dataset.json").read_text())
    assert ds.relevant_sets() == {q: set(d) for q, d in raw["relevant_docs"].items()}
    pairs = ds.pairs()
    assert len(pairs) == sum(len(d) for d in raw["relevant_docs"].values())
    qid, query, did, doc = pairs[0]
    assert query == raw["queries"][qid] and doc == raw["corpus"][did]
    assert not ds.graded


def test_graded_dict_relevance(tmp_path):
    f = tmp_path / "ir.json"
    f.write_text(
        json.dumps(
            {"queries": {"q": "a"}, "corpus": {"d1": "x", "d2": "y"}, "relevant_docs": {"q": {"d1": 2, "d2": 1}}}
        )
    )
    ds = load_ir(f)
    assert ds.relevant == {"q": {"d1": 2, "d2": 1}} and ds.graded


def _beir(tmp_path, qrels="query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\n"):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        '{"_id": "d1", "title": "Cats", "text": "Cats purr."}\n{"_id": "d2", "title": "", "text": "Dogs bark."}\n'
    )
    (tmp_path / "queries.jsonl").write_text(
        '{"_id": "q1", "text": "what purrs"}\n{"_id": "q2", "text": "other split"}\n'
    )
    (tmp_path / "qrels" / "test.tsv").write_text(qrels)
    return tmp_path


def test_beir_folder(tmp_path):
    ds = load_ir(_beir(tmp_path))
    assert ds.queries == {"q1": "what purrs"}  # q2 is judged in no qrels of this split
    assert ds.corpus == {"d1": "Cats Cats purr.", "d2": "Dogs bark."}
    assert ds.relevant == {"q1": {"d1": 2}}  # grade 0 = judged not relevant


def test_beir_unknown_doc_names_line(tmp_path):
    with pytest.raises(InputError, match=r"test\.tsv:3: document id 'd9' not in corpus\.jsonl"):
        load_ir(_beir(tmp_path, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\n"))


def test_beir_missing_split(tmp_path):
    with pytest.raises(InputError, match="no qrels for split 'dev'; available: test"):
        load_ir(_beir(tmp_path), split="dev")


def test_pairs_jsonl_and_csv(tmp_path):
    f = tmp_path / "pairs.jsonl"
    f.write_text(
        '{"query": "q one", "passage": "p one"}\n{"query": "q one", "passage": "p two"}\n'
        '{"query": "q2", "passage": "p one"}\n'
    )
    ds = load_ir(f)
    assert len(ds.queries) == 2 and len(ds.corpus) == 2 and len(ds.pairs()) == 3
    c = tmp_path / "pairs.csv"
    c.write_text('question,answer\n"what, exactly?","this, here"\n')
    ds = load_ir(c)
    assert list(ds.queries.values()) == ["what, exactly?"] and list(ds.corpus.values()) == ["this, here"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"queries": {"q": "a"}, "corpus": {"d": "x"}, "relevant_docs": {"q": ["zz"]}},
            r"relevant_docs\['q'\]: document id 'zz' not in corpus",
        ),
        (
            {"queries": {"q": "a", "q2": "b"}, "corpus": {"d": "x"}, "relevant_docs": {"q": ["d"]}},
            "query 'q2' has no relevant document",
        ),
        ({"queries": {"q": "a"}, "corpus": {}, "relevant_docs": {"q": ["d"]}}, "corpus is empty"),
        ({"queries": {"q": "a"}, "corpus": {"d": "x"}}, "missing key.*relevant_docs"),
        (
            {"queries": {"q": "a"}, "corpus": {"d": "x"}, "relevant_docs": {"q9": ["d"]}},
            r"relevant_docs\['q9'\]: query id not in queries",
        ),
    ],
)
def test_bad_ir_json(tmp_path, payload, message):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(payload))
    with pytest.raises(InputError, match=message) as err:
        load_ir(f)
    assert str(f) in str(err.value) and "\n" not in str(err.value)


def test_duplicate_ids(tmp_path):
    f = tmp_path / "dup.json"
    f.write_text('{"queries": {"q": "a"}, "corpus": {"d": "x", "d": "y"}, "relevant_docs": {"q": ["d"]}}')
    with pytest.raises(InputError, match="duplicate id 'd'"):
        load_ir(f)


def test_unknown_format_and_missing_column(tmp_path):
    f = tmp_path / "data.xml"
    f.write_text("<a/>")
    with pytest.raises(InputError, match=r"unknown format '\.xml'"):
        load_ir(f)
    c = tmp_path / "p.csv"
    c.write_text("foo,bar\n1,2\n")
    with pytest.raises(InputError, match="missing column for the query"):
        load_ir(c)
    e = tmp_path / "e.jsonl"
    e.write_text('{"query": "q", "passage": "p"}\n{"query": "", "passage": "p"}\n')
    with pytest.raises(InputError, match=r"e\.jsonl:2: empty text in column 'query'"):
        load_ir(e)
