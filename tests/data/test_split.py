"""Leak-free, deterministic splits."""

from __future__ import annotations

import re

import pytest

from embedlab.data import IRDataset
from embedlab.data.split import parse_fractions, split_ir, split_rows
from embedlab.errors import InputError, ParameterError


def _ir():
    # 40 passages; two questions per passage; q-shared links passages d0 and d1 (one connected group)
    corpus = {f"d{i}": f"passage {i}" for i in range(40)}
    queries, relevant = {}, {}
    for i in range(40):
        for k in range(2):
            queries[f"q{i}_{k}"] = f"question {k} about {i}"
            relevant[f"q{i}_{k}"] = {f"d{i}": 1}
    queries["q-shared"] = "about 0 and 1"
    relevant["q-shared"] = {"d0": 1, "d1": 1}
    return IRDataset(queries=queries, corpus=corpus, relevant=relevant)


def test_split_by_doc_never_shares_a_passage():
    parts = split_ir(_ir(), {"train": 0.7, "dev": 0.1, "test": 0.2}, by="doc", seed=0)
    seen = {}
    for name, p in parts.items():
        for docs in p.relevant.values():
            for d in docs:
                assert d in p.corpus  # every judged passage is in its own split's corpus
                assert seen.setdefault(d, name) == name
    corpora = [set(p.corpus) for p in parts.values()]
    assert sum(len(c) for c in corpora) == 40 and len(set().union(*corpora)) == 40
    assert set(parts["train"].relevant.get("q-shared", {})) | set(parts["test"].relevant.get("q-shared", {})) or True
    # the linked passages d0, d1 went together
    assert seen["d0"] == seen["d1"]
    assert 50 <= len(parts["train"].queries) <= 65


def test_split_by_query_shares_the_corpus_and_is_deterministic():
    a = split_ir(_ir(), "0.8,0.2", by="query", seed=5)
    b = split_ir(_ir(), "0.8,0.2", by="query", seed=5)
    assert a["test"].queries == b["test"].queries
    assert a["train"].corpus == a["test"].corpus
    assert not set(a["train"].queries) & set(a["test"].queries)
    c = split_ir(_ir(), "0.8,0.2", by="query", seed=6)
    assert c["test"].queries != a["test"].queries


def test_split_rows_keeps_groups_together():
    keys = [f"g{i // 3}" for i in range(60)]
    out = split_rows(keys, {"train": 0.8, "test": 0.2}, seed=0)
    assert sorted(out["train"] + out["test"]) == list(range(60))
    assert not {keys[i] for i in out["train"]} & {keys[i] for i in out["test"]}


def test_empty_split_and_bad_fractions():
    with pytest.raises(InputError, match="would be empty"):
        split_rows(["a", "a"], {"train": 0.5, "dev": 0.25, "test": 0.25}, source="tiny.jsonl")
    with pytest.raises(ParameterError, match=r"^fractions: .*sum to 1"):
        parse_fractions("0.5,0.6")
    assert parse_fractions("train=0.9,dev=0.1") == {"train": 0.9, "dev": 0.1}


@pytest.mark.parametrize(
    ("fractions", "message"),
    [
        ("0.5,nan,0.5", r"option --fractions: split 'dev': 'nan' is not a fraction above 0"),
        ("0.5,-0.5,1", r"option --fractions: split 'dev': '-0.5' is not a fraction above 0"),
        ("0,0", r"option --fractions: split 'train': '0' is not a fraction above 0"),
        ("train=inf", r"option --fractions: split 'train': 'inf' is not a fraction above 0"),
        ("../x=1", r"option --fractions: split name '../x' is empty, repeated or not a plain file name"),
    ],
)
def test_cli_refuses_bad_fractions_before_writing(cli, tmp_path, fractions, message):
    data = tmp_path / "p.jsonl"
    data.write_text("".join(f'{{"anchor": "q{i}", "positive": "p{i}", "doc_id": "d{i}"}}\n' for i in range(10)))
    code, _, err = cli("data", "split", data, "-o", tmp_path / "o", "--fractions", fractions)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert re.search(message, err), err
    assert not (tmp_path / "o").exists()


def test_cli_refuses_an_existing_file_or_foreign_folder_as_output(cli, tmp_path):
    data = tmp_path / "p.jsonl"
    data.write_text("".join(f'{{"anchor": "q{i}", "positive": "p{i}", "doc_id": "d{i}"}}\n' for i in range(10)))
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me\n")
    code, _, err = cli("data", "split", data, "-o", existing, "--fractions", "0.5,0.5")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "notes.txt" in err and "is a file" in err
    assert existing.read_text() == "keep me\n"
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("x")
    code, _, err = cli("data", "split", data, "-o", foreign, "--fractions", "0.5,0.5")
    assert code == 2 and "not an embedlab data-split output" in err and (foreign / "thesis.tex").exists()
    code, _, err = cli("data", "split", data, "-o", tmp_path / "s", "--fractions", "0.5,0.5")
    assert code == 0, err
    code, _, err = cli("data", "split", data, "-o", tmp_path / "s", "--fractions", "0.6,0.4")
    assert code == 0, err  # its own earlier output is replaced


def test_ir_split_writes_a_beir_folder_that_reads_back_identically(cli, tmp_path, shared_data):
    from datasets import load_dataset

    from embedlab.data import load_ir

    aims = shared_data / "aims_qa" / "train_dataset.json"
    for by in ("doc", "query"):
        out = tmp_path / by
        code, _, err = cli("data", "split", aims, "-o", out, "--fractions", "0.8,0.2", "--by", by)
        assert code == 0, err
        for name in ("train", "test"):
            part = load_ir(out / f"{name}.json")
            beir = load_ir(out / name, split=name)
            assert (beir.queries, beir.corpus, beir.relevant) == (part.queries, part.corpus, part.relevant)
            corpus = load_dataset("json", data_files=str(out / name / "corpus.jsonl"), split="train")
            assert set(corpus.column_names) == {"_id", "title", "text"} and len(corpus) == len(part.corpus)
            qrels = load_dataset("csv", data_files=str(out / name / "qrels" / f"{name}.tsv"), delimiter="\t")
            assert len(qrels["train"]) == sum(len(d) for d in part.relevant.values())


def test_hold_out_is_data_split_with_the_same_seed(cli, tmp_path, shared_data):
    import json

    from embedlab.data.split import DEFAULT_SEED, hold_out
    from embedlab.data.training import load_training_data

    aims = shared_data / "aims_qa" / "train_dataset.json"
    train, held = hold_out(load_training_data(aims), 0.1, by="doc", seed=DEFAULT_SEED)
    code, _, err = cli("data", "split", aims, "-o", tmp_path / "s", "--fractions", "0.9,0.1")
    assert code == 0, err
    written = json.loads((tmp_path / "s" / "test.json").read_text())
    assert sorted(held.dataset["anchor"]) == sorted(written["queries"].values())
    assert not set(train.group_keys) & set(held.group_keys)  # no passage on both sides

    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"anchor": f"q{i}", "positive": f"p{i // 2}"}) + "\n" for i in range(40)))
    train, held = hold_out(load_training_data(rows), 0.25)
    code, _, err = cli(
        "data", "split", rows, "-o", tmp_path / "r", "--fractions", "0.75,0.25", "--group-column", "positive"
    )
    assert code == 0, err
    test_rows = [json.loads(x) for x in (tmp_path / "r" / "test.jsonl").read_text().splitlines()]
    assert held.dataset["anchor"] == [r["anchor"] for r in test_rows]
