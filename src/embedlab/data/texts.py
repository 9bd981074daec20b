"""Plain texts: one per line of a ``.txt`` file, or one column of a CSV/TSV/JSONL/JSON table.

Example:
    >>> load_texts("sentences.txt")[:2]
"""

from __future__ import annotations

from pathlib import Path

from embedlab.data.records import check_file, iter_lines, iter_records, pick_column, suffix_of, text_value
from embedlab.errors import InputError


def load_texts(path: str | Path, *, text_column: str = "text", encoding: str | None = None) -> list[str]:
    """Read a list of texts.

    Args:
        path: a ``.txt`` (or other non-table) file with one text per line (blank lines skipped), or a
            ``.csv``/``.tsv``/``.jsonl``/``.json``/``.parquet`` table (optionally ``.gz``/``.bz2``).
        text_column: the column to read from a table.
        encoding: the text encoding (default UTF-8; see :func:`embedlab.data.records.open_text`).

    Raises:
        InputError: missing file or column, an empty cell, no texts (naming file and line).

    Example:
        >>> texts = load_texts("corpus.jsonl", text_column="body")
    """
    p = check_file(path, "text")
    if suffix_of(p) in (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet"):
        out: list[str] = []
        col: str | None = None
        for line, rec in iter_records(p, encoding=encoding):
            if col is None:
                col = pick_column(list(rec), text_column, (), p, "text")
            out.append(text_value(rec.get(col), p, line, col))
    else:
        out = [line.strip() for _, line in iter_lines(p, encoding=encoding) if line.strip()]
    if not out:
        raise InputError("no texts", path=p)
    return out
