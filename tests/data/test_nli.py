"""load_nli on SNLI and SICK, and its errors (unknown label, misaligned files)."""

from __future__ import annotations

import pytest

from embedlab.data import NLIData, load_nli
from embedlab.errors import InputError, ParameterError
from testsupport import shared_path


def test_snli_folder():
    nli = load_nli(shared_path("snli"), split="dev")
    assert isinstance(nli, NLIData) and len(nli) == 9842
    assert nli.label[:3] == ["neutral", "entailment", "contradiction"]
    assert nli.premise[0] == "Two women are embracing while holding to go packages ."
    triplets = nli.triplets()
    assert triplets and all(len(t) == 3 for t in triplets)
    with pytest.raises(ParameterError, match=r"^split: .*splits dev, test"):
        load_nli(shared_path("snli"))


def test_sick_entailment():
    nli = load_nli(shared_path("sick", "SICK_trial.txt"))
    assert len(nli) == 500 and set(nli.label) == {"entailment", "neutral", "contradiction"}


def test_jsonl_numeric_labels(tmp_path):
    f = tmp_path / "n.jsonl"
    f.write_text('{"premise": "a", "hypothesis": "b", "label": 0}\n{"premise": "a", "hypothesis": "c", "label": 2}\n')
    assert load_nli(f).label == ["entailment", "contradiction"]


def test_unknown_label(tmp_path):
    f = tmp_path / "n.csv"
    f.write_text("premise,hypothesis,label\na,b,entailment\na,c,maybe\n")
    with pytest.raises(InputError, match=r"n\.csv:3: unknown label 'maybe'"):
        load_nli(f)


def test_misaligned(tmp_path):
    (tmp_path / "s1.train").write_text("a\nb\nc\n")
    (tmp_path / "s2.train").write_text("x\ny\n")
    (tmp_path / "labels.train").write_text("neutral\nneutral\nneutral\n")
    with pytest.raises(InputError, match=r"s2\.train: misaligned: 2 lines but labels\.train has 3"):
        load_nli(tmp_path)
