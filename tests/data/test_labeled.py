"""load_labeled_texts on Banking77 and its errors (missing label, missing column)."""

from __future__ import annotations

import json

import pytest

from embedlab.data import load_labeled_texts
from embedlab.errors import InputError
from testsupport import shared_path


def test_banking77():
    path = shared_path("banking77", "train.csv")
    texts, labels = load_labeled_texts(path, label_column="category")
    assert len(texts) == len(labels) == 10003
    assert set(labels) == set(json.loads(shared_path("banking77", "categories.json").read_text()))
    assert texts[0] == "I am still waiting on my card?" and labels[0] == "card_arrival"
    # Without naming it, the 'category' column is found as the label.
    assert load_labeled_texts(path)[1] == labels


def test_missing_label(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("text,label\nhello,a\nworld,\n")
    with pytest.raises(InputError, match=r"c\.csv:3: missing label in column 'label'"):
        load_labeled_texts(f)
    j = tmp_path / "c.jsonl"
    j.write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": null}\n')
    with pytest.raises(InputError, match=r"c\.jsonl:2: missing label"):
        load_labeled_texts(j)


def test_missing_column(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("text,label\nhello,a\n")
    with pytest.raises(InputError, match="missing column 'intent'"):
        load_labeled_texts(f, label_column="intent")
