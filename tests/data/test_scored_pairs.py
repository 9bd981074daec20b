"""load_scored_pairs on STS Benchmark and SICK, and its errors (NaN scores, missing columns, out of scale)."""

from __future__ import annotations

import pytest

from embedlab.data import ScoredPairs, load_scored_pairs
from embedlab.errors import InputError
from testsupport import shared_path


def test_stsb_dev_and_train():
    dev = load_scored_pairs(shared_path("stsb", "sts-dev.csv"))
    assert len(dev) == 1500 and (dev.low, dev.high) == (0.0, 5.0)
    assert dev.sentence1[0] == "A man with a hard hat is dancing."
    assert dev.sentence2[0] == "A man wearing a hard hat is dancing."
    assert dev.scores[:2] == [5.0, 4.75] and dev.normalized()[1] == pytest.approx(0.95)
    train = load_scored_pairs(shared_path("stsb", "sts-train.csv"))  # has rows with 9 columns
    assert len(train) == 5749


def test_sick():
    sick = load_scored_pairs(shared_path("sick", "SICK_trial.txt"))
    assert len(sick) == 500 and (sick.low, sick.high) == (1.0, 5.0)
    assert sick.scores[0] == 3.6 and sick.normalized()[0] == pytest.approx(0.65)


def test_csv_and_jsonl(tmp_path):
    c = tmp_path / "p.csv"
    c.write_text('sentence1,sentence2,score\n"a, b",c,0.5\nd,e,1\n')
    p = load_scored_pairs(c)
    assert p.sentence1 == ["a, b", "d"] and (p.low, p.high) == (0.0, 1.0)
    j = tmp_path / "p.jsonl"
    j.write_text('{"x": "a", "y": "b", "sim": 4}\n')
    p = load_scored_pairs(j, text_columns=("x", "y"), score_column="sim", scale=(0, 5))
    assert p.scores == [4.0] and p.normalized() == [0.8]
    assert isinstance(p, ScoredPairs)


def test_nan_score_names_line(tmp_path):
    f = tmp_path / "sts.csv"
    f.write_text("g\tf\t2012\t1\t3.0\ta\tb\ng\tf\t2012\t2\tnan\tc\td\n")
    with pytest.raises(InputError, match=r"sts\.csv:2: score 'nan' .* is not a finite number"):
        load_scored_pairs(f)


def test_non_numeric_and_missing_columns(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("sentence1,sentence2,score\na,b,high\n")
    with pytest.raises(InputError, match=r"s\.csv:2: score 'high' in column 'score' is not a number"):
        load_scored_pairs(f)
    g = tmp_path / "t.csv"
    g.write_text("sentence1,score\na,1\n")
    with pytest.raises(InputError, match="missing text columns"):
        load_scored_pairs(g)
    h = tmp_path / "u.csv"
    h.write_text("sentence1,sentence2\na,b\n")
    with pytest.raises(InputError, match="missing column for the score"):
        load_scored_pairs(h)


def test_out_of_scale_and_short_row(tmp_path):
    f = tmp_path / "sts.csv"
    f.write_text("g\tf\t2012\t1\t3.0\ta\tb\ng\tf\t2012\t2\t7.5\tc\td\n")
    with pytest.raises(InputError, match=r"sts\.csv:2: score 7.5 is outside the scale 0..5"):
        load_scored_pairs(f)
    g = tmp_path / "short.csv"
    g.write_text("g\tf\t2012\t1\t3.0\ta\tb\ng\tf\t2012\t2\t3.0\tc\n")
    with pytest.raises(InputError, match=r"short\.csv:2: expected 7 tab-separated columns"):
        load_scored_pairs(g)


def test_unknown_format(tmp_path):
    f = tmp_path / "x.parquet"
    f.write_bytes(b"PAR1")
    with pytest.raises(InputError, match=r"x\.parquet: not a readable Parquet file"):
        load_scored_pairs(f)
    f = tmp_path / "x.xlsx"
    f.write_bytes(b"PK")
    with pytest.raises(InputError, match=r"unknown format '\.xlsx'"):
        load_scored_pairs(f)
