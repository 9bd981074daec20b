"""Data in every supported format becomes role columns; every bad row stops with file and row."""

from __future__ import annotations

import json

import pytest

from embedlab.data.training import load_training_data, parse_columns
from embedlab.errors import InputError, ParameterError
from testsupport import shared_path


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_pairs_by_synonyms_and_by_columns(tmp_path):
    f = _jsonl(tmp_path / "qa.jsonl", [{"question": "q1", "answer": "a1"}, {"question": "q2", "answer": "a2"}])
    d = load_training_data(f)
    assert d.shape == "pairs" and d.columns == ["anchor", "positive"]
    assert d.dataset["anchor"] == ["q1", "q2"]
    g = _jsonl(tmp_path / "odd.jsonl", [{"x": "q1", "y": "a1", "z": "n1"}])
    d = load_training_data(g, columns="x=anchor,y=positive,z=negative")
    assert d.shape == "triplets" and d.dataset[0] == {"anchor": "q1", "positive": "a1", "negative": "n1"}


def test_csv_parquet_and_saved_hf_folder(tmp_path):
    import pandas as pd
    from datasets import Dataset

    rows = [{"anchor": "q1", "positive": "a1"}, {"anchor": "q2", "positive": "a2"}]
    pd.DataFrame(rows).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame(rows).to_parquet(tmp_path / "p.parquet")
    Dataset.from_list(rows).save_to_disk(str(tmp_path / "hf"))
    for src in ("p.csv", "p.parquet", "hf"):
        d = load_training_data(tmp_path / src)
        assert d.shape == "pairs" and d.dataset["positive"] == ["a1", "a2"], src


def test_missing_column_names_file_and_row(tmp_path):
    f = _jsonl(tmp_path / "qa.jsonl", [{"question": "q1", "answer": "a1"}, {"question": "q2"}])
    with pytest.raises(InputError, match=r"qa\.jsonl:2: row has no column 'answer'"):
        load_training_data(f)
    with pytest.raises(InputError, match=r"column 'nope' given in --columns is missing"):
        load_training_data(f, columns="nope=anchor,answer=positive")


def test_empty_text_and_empty_file(tmp_path):
    f = _jsonl(tmp_path / "qa.jsonl", [{"anchor": "q1", "positive": "a1"}, {"anchor": " ", "positive": "a2"}])
    with pytest.raises(InputError, match=r"qa\.jsonl:2: empty text in column 'anchor'"):
        load_training_data(f)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match="empty"):
        load_training_data(tmp_path / "empty.jsonl")


def test_score_outside_range_names_the_row(tmp_path):
    (tmp_path / "s.csv").write_text("sentence1,sentence2,score\na,b,0.5\nc,d,1.7\n")
    with pytest.raises(InputError, match=r"s\.csv:3: score '1\.7' is outside 0\.\.1"):
        load_training_data(tmp_path / "s.csv", fmt="scored")


def test_nli_unknown_label_and_triplets(tmp_path):
    rows = [
        {"premise": "p", "hypothesis": "h1", "label": "entailment"},
        {"premise": "p", "hypothesis": "h2", "label": "contradiction"},
        {"premise": "p", "hypothesis": "h3", "label": 1},
    ]
    f = _jsonl(tmp_path / "nli.jsonl", rows)
    d = load_training_data(f)
    assert d.shape == "nli" and d.dataset["label"] == [0, 2, 1]
    t = load_training_data(f, nli_as_triplets=True)
    assert t.shape == "triplets" and t.dataset[0] == {"anchor": "p", "positive": "h1", "negative": "h2"}
    bad = _jsonl(tmp_path / "bad.jsonl", [*rows, {"premise": "p", "hypothesis": "h", "label": "maybe"}])
    with pytest.raises(InputError, match=r"bad\.jsonl:4: unknown label 'maybe'"):
        load_training_data(bad)


def test_unknown_shape_asks_for_columns(tmp_path):
    f = _jsonl(tmp_path / "x.jsonl", [{"a": "1", "b": "2", "c": "3"}])
    with pytest.raises(InputError, match="--columns"):
        load_training_data(f)
    with pytest.raises(ParameterError, match=r"^columns: unknown role"):
        parse_columns("a=query")


@pytest.mark.shared_data
def test_real_formats():
    sts = load_training_data(shared_path("stsb", "sts-dev.csv"))
    assert sts.shape == "scored" and len(sts) == 1500
    assert min(sts.dataset["score"]) >= 0 and max(sts.dataset["score"]) == pytest.approx(1.0)
    sick = load_training_data(shared_path("sick", "SICK_trial.txt"))
    assert sick.shape == "scored" and all(0 <= s <= 1 for s in sick.dataset["score"])
    nli = load_training_data(shared_path("snli"), split="dev")
    assert nli.shape == "nli" and len(nli) > 9000
    ir = load_training_data(shared_path("aims_qa", "train_dataset.json"))
    assert ir.shape == "pairs" and len(ir) == 594 and ir.ir is not None
    assert len(set(ir.group_keys)) == 297  # grouped by passage id for leak-free splits
