"""Row readers shared by the dataset loaders: CSV, TSV, JSONL and JSON arrays, each row with its line number.

Every loader validates before anything expensive happens (no model is loaded until the data is known to be good),
and names the file and the line of the first bad row.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from embedlab.errors import InputError, require_file

RECORD_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json")

# Rows of real data sets can be long (2,000-character passages, whole articles).
csv.field_size_limit(1 << 30)


def suffix_of(path: Path) -> str:
    """The format suffix of ``path``, ignoring a trailing ``.txt`` only when nothing else says more."""
    return path.suffix.lower()


def check_file(path: str | Path, what: str) -> Path:
    """``path`` as a Path; :class:`InputError` when it is missing, empty or a folder."""
    p = require_file(path, what)
    if p.is_dir():
        raise InputError(f"expected a {what} file, found a folder", path=p)
    if p.stat().st_size == 0:
        raise InputError(f"{what} file is empty", path=p)
    return p


def unknown_format(path: Path, expected: str) -> InputError:
    return InputError(f"unknown format {path.suffix or '(no suffix)'!r}; expected {expected}", path=path)


def iter_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, record)`` for a CSV/TSV with a header, a JSONL file, or a JSON array of objects.

    Raises:
        InputError: unknown suffix, malformed JSON, a JSONL line that is not an object.
    """
    suffix = suffix_of(path)
    if suffix in (".csv", ".tsv", ".txt"):
        with path.open(encoding="utf-8", newline="") as fh:
            first = fh.readline()
            fh.seek(0)
            if suffix in (".tsv", ".txt") or ("\t" in first and "," not in first):
                # Real TSV files (SICK, qrels) use no quoting: a quote is part of the text.
                yield from iter_tsv(path)
                return
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                raise InputError("no header row", path=path, line=1)
            start = 2
            for row in reader:
                # DictReader puts surplus fields under the key None; real files (STS) carry trailing extras.
                row.pop(None, None)  # type: ignore[call-overload]
                yield start, dict(row)
                start = reader.line_num + 1
        return
    if suffix in (".jsonl", ".ndjson"):
        yield from iter_jsonl(path)
        return
    if suffix == ".json":
        data = load_json(path)
        if not isinstance(data, list):
            raise InputError("expected a JSON array of objects (or use .jsonl)", path=path)
        for i, obj in enumerate(data, 1):
            if not isinstance(obj, dict):
                raise InputError(f"item {i}: expected a JSON object, got {type(obj).__name__}", path=path)
            yield i, obj
        return
    raise unknown_format(path, "one of " + ", ".join(RECORD_SUFFIXES))


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, record)`` for a JSON Lines file of objects, skipping blank lines.

    Raises:
        InputError: a line that is not valid JSON or not an object, naming the file and line.
    """
    with Path(path).open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not valid JSON ({exc.msg})", path=path, line=i) from exc
            if not isinstance(obj, dict):
                raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=i)
            yield i, obj


def iter_tsv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, record)`` for a tab-separated file with a header row, split on tabs without quoting."""
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
        for i, raw in enumerate(fh, 2):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < len(header):
                raise InputError(
                    f"expected {len(header)} tab-separated columns, found {len(parts)}", path=path, line=i
                )
            yield i, dict(zip(header, parts, strict=False))


def header_of(path: Path) -> list[str]:
    """Column names of a record file (the CSV header, or the keys of the first JSON object)."""
    for _, rec in iter_records(path):
        return list(rec)
    raise InputError("no rows", path=path)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def load_json(path: Path, *, unique_keys: bool = False) -> Any:
    """Parse a JSON file; with ``unique_keys`` a key repeated in one object is an error (JSON allows it silently)."""
    try:
        with path.open(encoding="utf-8") as fh:
            if unique_keys:
                return json.load(fh, object_pairs_hook=_no_duplicates)
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", path=path, line=exc.lineno) from exc
    except _DuplicateKey as exc:
        raise InputError(f"duplicate id {exc.key!r}", path=path) from exc


def pick_column(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], path: Path, what: str) -> str:
    """The column to read: ``wanted`` if given (it must exist), else the first of ``candidates`` present."""
    if wanted is not None:
        if wanted not in columns:
            raise InputError(f"missing column {wanted!r} ({what}); columns are {', '.join(columns)}", path=path)
        return wanted
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand in columns:
            return cand
        if cand.lower() in lower:
            return lower[cand.lower()]
    raise InputError(
        f"missing column for {what} (looked for {', '.join(candidates)}); columns are {', '.join(columns)}",
        path=path,
    )


def text_value(value: Any, path: Path, line: int, column: str) -> str:
    """A non-empty text cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise InputError(f"missing value in column {column!r}", path=path, line=line)
    text = str(value)
    if not text.strip():
        raise InputError(f"empty text in column {column!r}", path=path, line=line)
    return text


def number_value(value: Any, path: Path, line: int, column: str) -> float:
    """A finite number (NaN, inf, empty and non-numeric cells are errors)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"missing score in column {column!r}", path=path, line=line)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"score {value!r} in column {column!r} is not a number", path=path, line=line) from None
    if not math.isfinite(number):
        raise InputError(f"score {value!r} in column {column!r} is not a finite number", path=path, line=line)
    return number
