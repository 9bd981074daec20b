"""The one record reader: every table format read once, every text file decoded once.

Every reader of embedlab (IR data, scored pairs, NLI, labelled texts, plain texts, documents, training tables, the
``data`` tools and the word-vector corpus) goes through this module, so a file is read and decoded the same way
everywhere and every problem is reported the same way: one :class:`~embedlab.errors.InputError` naming the file and
the line (``path:line: message``).

* **Decoding** (:func:`open_text`, :func:`read_text`): UTF-8, with or without a byte-order mark. A byte that is
  not valid UTF-8 stops reading with the file and the byte offset; ``encoding="latin-1"`` (CLI ``--encoding``)
  reads another encoding. Binary files (NUL bytes in the first block) and UTF-16/32 text are refused with one line
  before anything is read, instead of being read as junk.
* **Compression**: ``.gz`` and ``.bz2`` files are read through, the format coming from the name under the suffix
  (``rows.jsonl.gz`` is JSON Lines).
* **Tables** (:func:`iter_records`): CSV with a header (RFC 4180 quoting), TSV with a header (split on tabs, no
  quoting: a quote in real TSV files is text), JSON Lines, a JSON array of objects or an object of equal-length
  columns, Parquet. Each row comes with its line number (row number for JSON arrays and Parquet).

Example:
    >>> for line, row in iter_records(Path("pairs.jsonl.gz")):
    ...     print(line, row["anchor"])
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from embedlab.errors import InputError, ParameterError, require_file

RECORD_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet")
COMPRESSION_SUFFIXES = (".gz", ".bz2")
SNIFF_BYTES = 8192  # the first block, where binary and UTF-16 files show themselves

# Rows of real data sets can be long (2,000-character passages, whole articles).
csv.field_size_limit(1 << 30)


# ---------------------------------------------------------------------------------------------------------------
# Names and files


def suffix_of(path: str | Path) -> str:
    """The format suffix of ``path`` under a compression suffix: ``rows.jsonl.gz`` -> ``.jsonl``."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    while suffixes and suffixes[-1] in COMPRESSION_SUFFIXES:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def check_file(path: str | Path, what: str) -> Path:
    """``path`` as a Path; :class:`InputError` when it is missing, empty or a folder."""
    p = require_file(path, what)
    if p.is_dir():
        raise InputError(f"expected a {what} file, found a folder", path=p)
    if p.stat().st_size == 0:
        raise InputError(f"{what} file is empty", path=p)
    return p


def unknown_format(path: Path, expected: str) -> InputError:
    suffix = suffix_of(path)
    return InputError(f"unknown format {suffix or '(no suffix)'!r}; expected {expected}", path=path)


def check_encoding(encoding: str | None) -> str | None:
    """``encoding`` if Python knows it (None means UTF-8 with an optional byte-order mark).

    Raises:
        ParameterError: an unknown encoding name.
    """
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ParameterError("encoding", f"unknown encoding {encoding!r} (e.g. utf-8, latin-1, utf-16)") from None


# ---------------------------------------------------------------------------------------------------------------
# Decoding


def _open_bytes(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


def _refuse_non_text(head: bytes, path: Path) -> None:
    """Refuse UTF-16/32 and binary data by their first block (UTF-8 text never holds a NUL byte)."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError("UTF-32 text (byte-order mark); convert it to UTF-8 or pass encoding='utf-32'", path=path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("UTF-16 text (byte-order mark); convert it to UTF-8 or pass encoding='utf-16'", path=path)
    if b"\0" not in head:
        return
    even, odd = head[0::2], head[1::2]
    # ASCII-range UTF-16 without a mark: every other byte is NUL.
    if len(head) >= 4 and (odd.count(0) > 0.9 * len(odd) or even.count(0) > 0.9 * len(even)):
        raise InputError("looks like UTF-16 text (every other byte is NUL); convert it to UTF-8", path=path)
    offset = head.index(b"\0")
    raise InputError(f"binary file, not text (NUL byte at offset {offset})", path=path)


def _decode_error(exc: UnicodeDecodeError, offset: int, path: Path, encoding: str) -> InputError:
    bad = exc.object[exc.start : exc.start + 4]
    hint = "pass encoding='latin-1' (CLI: --encoding latin-1) if that is the file's encoding"
    return InputError(f"not {encoding} text: byte {offset} ({bad!r}...) cannot be decoded; {hint}", path=path)


class _Counting(io.BufferedIOBase):
    """A byte stream that counts what it hands out, so a decoding error can name its byte offset in the file."""

    def __init__(self, inner: IO[bytes], start: int = 0) -> None:
        super().__init__()
        self.inner = inner
        self.pos = start

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.inner.read(-1 if size is None else size)
        self.pos += len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        read1 = getattr(self.inner, "read1", None)
        data = read1(size) if read1 is not None else self.inner.read(size)
        self.pos += len(data)
        return data

    def close(self) -> None:
        self.inner.close()
        super().close()


@contextmanager
def open_text(path: str | Path, *, encoding: str | None = None, newline: str | None = None) -> Iterator[IO[str]]:
    """Open a (possibly ``.gz``/``.bz2``) text file for reading, decoded once, the embedlab way.

    Args:
        path: the file.
        encoding: None for UTF-8 with an optional byte-order mark (and refusal of binary/UTF-16 files), or any
            encoding Python knows (``latin-1``, ``utf-16``...), used as given.
        newline: as :func:`open` (``""`` for the csv module).

    Raises:
        InputError: a binary or UTF-16 file, or a byte that does not decode (naming the file and the byte offset,
            counted in the decompressed data of a compressed file).

    Example:
        >>> with open_text("notes.txt.gz") as fh:
        ...     first = fh.readline()
    """
    p = Path(path)
    enc = check_encoding(encoding)
    try:
        raw = _open_bytes(p)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", path=p) from None
    start = 0
    try:
        head = raw.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(raw, "peek") else b""
    except (OSError, EOFError) as exc:  # a corrupt .gz/.bz2
        raw.close()
        raise InputError(f"cannot decompress ({exc})", path=p) from None
    if enc is None:
        _refuse_non_text(head, p)
        if head.startswith(codecs.BOM_UTF8):
            raw.read(len(codecs.BOM_UTF8))
            start = len(codecs.BOM_UTF8)
    counted = _Counting(raw, start)
    fh = io.TextIOWrapper(counted, encoding=enc or "utf-8", newline=newline)
    try:
        yield fh
    except UnicodeDecodeError as exc:
        # The wrapper decodes what it last read: the failing bytes end where the count stands.
        offset = counted.pos - len(exc.object) + exc.start
        raise _decode_error(exc, offset, p, enc or "UTF-8") from None
    except (OSError, EOFError) as exc:
        if isinstance(exc, (gzip.BadGzipFile, EOFError)) or "compressed" in str(exc).lower():
            raise InputError(f"cannot decompress ({exc})", path=p) from None
        raise
    finally:
        fh.close()


def read_text(path: str | Path, *, encoding: str | None = None) -> str:
    """The whole text of a (possibly compressed) file, decoded as :func:`open_text` does."""
    with open_text(path, encoding=encoding) as fh:
        return fh.read()


def iter_lines(path: str | Path, *, encoding: str | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line without its line break)`` for every line of a text file."""
    with open_text(path, encoding=encoding) as fh:
        for i, line in enumerate(fh, 1):
            yield i, line.rstrip("\r\n")


# ---------------------------------------------------------------------------------------------------------------
# Records


def iter_records(
    path: str | Path, *, encoding: str | None = None, strict: bool = False, numbers: bool = False
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, record)`` for every row of a table file; the format comes from the suffix.

    Args:
        path: a ``.csv``, ``.tsv`` (``.txt`` with tabs), ``.jsonl``/``.ndjson``, ``.json`` or ``.parquet`` file,
            optionally ``.gz``/``.bz2`` compressed.
        encoding: see :func:`open_text`.
        strict: a CSV row with more cells than the header is an error (else the surplus is dropped: STS files
            carry trailing extras).
        numbers: turn CSV/TSV cells that are numbers into ints/floats and empty cells into None (documents, whose
            metadata is filtered by value).

    Raises:
        InputError: unknown suffix, malformed JSON, a row that is not an object, a short TSV row.

    Example:
        >>> next(iter_records(Path("banking77/train.csv")))
        (2, {'text': 'I am still waiting on my card?', 'category': 'card_arrival'})
    """
    p = Path(path)
    suffix = suffix_of(p)
    if suffix in (".csv", ".tsv", ".txt"):
        rows = _iter_delimited(p, suffix, encoding, strict)
        if numbers:
            rows = ((line, {k: csv_value(v) for k, v in rec.items()}) for line, rec in rows)
        yield from rows
    elif suffix in (".jsonl", ".ndjson"):
        yield from iter_jsonl(p, encoding=encoding)
    elif suffix == ".json":
        yield from _iter_json(p, encoding)
    elif suffix == ".parquet":
        yield from _iter_parquet(p)
    else:
        raise unknown_format(p, "one of " + ", ".join(RECORD_SUFFIXES) + " (optionally .gz/.bz2)")


def _iter_delimited(
    path: Path, suffix: str, encoding: str | None, strict: bool
) -> Iterator[tuple[int, dict[str, Any]]]:
    with open_text(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
        if suffix in (".tsv", ".txt") or ("\t" in first and "," not in first):
            # Real TSV files (SICK, qrels) use no quoting: a quote is part of the text.
            yield from _tsv_rows(path, first, fh)
            return
        reader = csv.DictReader(fh, fieldnames=next(csv.reader([first]), None))
        if not reader.fieldnames:
            raise InputError("no header row", path=path, line=1)
        start = 2
        try:
            for row in reader:
                extra = row.pop(None, None)  # type: ignore[call-overload]
                line = start
                start = reader.line_num + 2
                if extra is not None and strict:
                    raise InputError("more cells than header columns", path=path, line=line)
                yield line, dict(row)
        except csv.Error as exc:
            raise InputError(f"malformed CSV ({exc})", path=path, line=reader.line_num + 1) from None


def _tsv_rows(path: Path, first: str, fh: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    header = first.rstrip("\r\n").split("\t")
    if not any(h.strip() for h in header):
        raise InputError("no header row", path=path, line=1)
    for i, raw in enumerate(fh, 2):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < len(header):
            raise InputError(f"expected {len(header)} tab-separated columns, found {len(parts)}", path=path, line=i)
        yield i, dict(zip(header, parts, strict=False))


def iter_jsonl(path: str | Path, *, encoding: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, record)`` for a JSON Lines file of objects, skipping blank lines.

    Raises:
        InputError: a line that is not valid JSON or not an object, naming the file and line.
    """
    for i, line in iter_lines(path, encoding=encoding):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON ({exc.msg}, column {exc.colno})", path=path, line=i) from None
        if not isinstance(obj, dict):
            raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=i)
        yield i, obj


def _iter_json(path: Path, encoding: str | None) -> Iterator[tuple[int, dict[str, Any]]]:
    """A JSON array of objects, an object of equal-length columns, or JSON Lines saved under a ``.json`` name."""
    text = read_text(path, encoding=encoding)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.lineno > 1 and text.lstrip().startswith("{"):
            yield from iter_jsonl(path, encoding=encoding)  # JSON Lines named .json
            return
        raise InputError(f"not valid JSON ({exc.msg})", path=path, line=exc.lineno) from None
    if isinstance(data, list):
        for i, obj in enumerate(data, 1):
            if not isinstance(obj, dict):
                raise InputError(f"item {i}: expected a JSON object, got {type(obj).__name__}", path=path)
            yield i, obj
        return
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        lengths = {len(v) for v in data.values()}
        if len(lengths) != 1:
            raise InputError("columns of a JSON table have different lengths", path=path)
        for i in range(lengths.pop()):
            yield i + 1, {k: v[i] for k, v in data.items()}
        return
    if isinstance(data, dict):
        yield 1, data  # one object: a JSON Lines file of one line
        return
    raise InputError("expected a JSON array of objects, an object of columns, or JSON Lines", path=path)


def _iter_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types for corrupt files
        raise InputError(f"not a readable Parquet file ({str(exc).splitlines()[0]})", path=path) from None
    yield from enumerate(table.to_pylist(), 1)


def read_records(
    path: str | Path, *, encoding: str | None = None, strict: bool = False
) -> tuple[list[dict[str, Any]], list[int]]:
    """Every row of a table file and its line number (:func:`iter_records`, collected).

    Example:
        >>> rows, lines = read_records("pairs.csv")
    """
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, rec in iter_records(path, encoding=encoding, strict=strict):
        rows.append(rec)
        lines.append(line)
    return rows, lines


def header_of(path: Path, *, encoding: str | None = None) -> list[str]:
    """Column names of a record file (the CSV header, or the keys of the first JSON object)."""
    for _, rec in iter_records(path, encoding=encoding):
        return list(rec)
    raise InputError("no rows", path=path)


def first_line(path: str | Path, *, encoding: str | None = None) -> str:
    """The first line of a text file (without its line break), decoded as :func:`open_text` does."""
    with open_text(path, encoding=encoding) as fh:
        return fh.readline().rstrip("\r\n")


# ---------------------------------------------------------------------------------------------------------------
# JSON documents and cells


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


def load_json(path: str | Path, *, unique_keys: bool = False, encoding: str | None = None) -> Any:
    """Parse a JSON file; with ``unique_keys`` a key repeated in one object is an error (JSON allows it silently)."""
    text = read_text(path, encoding=encoding)
    try:
        if unique_keys:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", path=path, line=exc.lineno) from None
    except _DuplicateKey as exc:
        raise InputError(f"duplicate id {exc.key!r}", path=path) from None


def csv_value(text: Any) -> Any:
    """A CSV cell as a value: numbers back to numbers (so ``year>=2020`` filters work), empty to None."""
    if not isinstance(text, str):
        return text
    if text == "":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


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


def text_value(value: Any, path: Path | str, line: int, column: str) -> str:
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


# ---------------------------------------------------------------------------------------------------------------
# Writing


def write_records(rows: Sequence[dict[str, Any]], path: str | Path, fmt: str | None = None) -> Path:
    """Write rows as JSONL (default), CSV or Parquet (by suffix when ``fmt`` is None), atomically.

    The one row writer of embedlab: any rows :func:`iter_records` reads (mixed cell types included) are written
    back; what a format cannot hold (a Parquet column of mixed types) is an :class:`InputError`, and nothing is
    left at ``path``.

    Example:
        >>> write_records([{"anchor": "q", "positive": "p"}], "pairs.jsonl")
        PosixPath('pairs.jsonl')
    """
    from embedlab.utils.atomic import atomic_open, atomic_path

    p = Path(path)
    fmt = fmt or {".csv": "csv", ".parquet": "parquet"}.get(p.suffix.lower(), "jsonl")
    if fmt == "jsonl":
        with atomic_open(p, encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return p
    if fmt == "csv":
        keys = list(dict.fromkeys(k for row in rows for k in row))
        with atomic_open(p, encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, keys)
            writer.writeheader()
            writer.writerows(rows)
        return p
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pylist(list(rows))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(
            f"rows cannot be written as Parquet ({str(exc).splitlines()[0]}); use .jsonl", path=p
        ) from None
    with atomic_path(p) as tmp:
        pq.write_table(table, tmp)
    return p
