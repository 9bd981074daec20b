"""Plain texts: one per line of a ``.txt`` file, or one column of a CSV/TSV/JSONL/JSON table.

Example:
    >>> load_texts("sentences.txt")[:2]
"""

from __future__ import annotations

from pathlib import Path

from embedlab.data.records import check_file, iter_records, pick_column, text_value
from embedlab.errors import InputError


def load_texts(path: str | Path, *, text_column: str = "text") -> list[str]:
    """Read a list of texts.

    Args:
        path: a ``.txt`` (or other non-table) file with one text per line (blank lines skipped), or a
            ``.csv``/``.tsv``/``.jsonl``/``.json`` table.
        text_column: the column to read from a table.

    Raises:
        InputError: missing file or column, an empty cell, no texts (naming file and line).

    Example:
        >>> texts = load_texts("corpus.jsonl", text_column="body")
    """
    p = check_file(path, "text")
    if p.suffix.lower() in (".csv", ".tsv", ".jsonl", ".ndjson", ".json"):
        out: list[str] = []
        col: str | None = None
        for line, rec in iter_records(p):
            if col is None:
                col = pick_column(list(rec), text_column, (), p, "text")
            out.append(text_value(rec.get(col), p, line, col))
    else:
        try:
            with p.open(encoding="utf-8") as fh:
                out = [line.strip() for line in fh if line.strip()]
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason})", path=p) from exc
    if not out:
        raise InputError("no texts", path=p)
    return out
