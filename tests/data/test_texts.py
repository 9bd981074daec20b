"""load_texts from plain lines and from a table column."""

from __future__ import annotations

import pytest

from embedlab.data import load_texts
from embedlab.errors import InputError


def test_lines_and_column(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("first line\n\n  second  \n")
    assert load_texts(f) == ["first line", "second"]
    j = tmp_path / "t.jsonl"
    j.write_text('{"body": "a"}\n{"body": "b"}\n')
    assert load_texts(j, text_column="body") == ["a", "b"]


def test_errors(tmp_path):
    with pytest.raises(InputError, match="text not found"):
        load_texts(tmp_path / "nope.txt")
    e = tmp_path / "e.txt"
    e.write_text("")
    with pytest.raises(InputError, match="empty"):
        load_texts(e)
    j = tmp_path / "t.jsonl"
    j.write_text('{"body": "a"}\n')
    with pytest.raises(InputError, match="missing column 'text'"):
        load_texts(j)
