"""Sentence pairs with a gold similarity score: the data of semantic textual similarity (STS).

Read into :class:`ScoredPairs`:

* STS Benchmark (``sts-dev.csv``...): tab separated without a header, columns genre, file, year, id, score (0-5),
  sentence1, sentence2; some rows carry extra trailing columns, which are ignored. No CSV quoting (sentences contain
  quotes), so lines are split on tabs.
* SICK (``SICK_train.txt``): tab separated with a header, ``sentence_A``, ``sentence_B``, ``relatedness_score``
  (1-5).
* CSV/TSV with a header, JSONL, or a JSON array, with two text columns and a score column.

Example:
    >>> pairs = load_scored_pairs("stsb/sts-dev.csv")
    >>> len(pairs), pairs.low, pairs.high
    (1500, 0.0, 5.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embedlab.data.records import (
    check_file,
    first_line,
    iter_lines,
    iter_records,
    number_value,
    pick_column,
    suffix_of,
    text_value,
    unknown_format,
)
from embedlab.errors import InputError

SCORE_COLUMNS = ("score", "relatedness_score", "similarity", "similarity_score", "label", "gold")
TEXT_COLUMN_PAIRS = (
    ("sentence1", "sentence2"),
    ("sentence_A", "sentence_B"),
    ("sentence_a", "sentence_b"),
    ("s1", "s2"),
    ("text1", "text2"),
    ("text_a", "text_b"),
    ("query", "document"),
    ("anchor", "positive"),
)


@dataclass
class ScoredPairs:
    """Sentence pairs and their raw gold scores on the scale ``low..high``.

    Attributes:
        sentence1, sentence2: the texts of each pair.
        scores: the gold scores as written in the file.
        low, high: the ends of the scale (STS Benchmark 0-5, SICK 1-5).
        name: a short name for tables.
    """

    sentence1: list[str]
    sentence2: list[str]
    scores: list[float]
    low: float
    high: float
    name: str = field(default="sts")

    def __len__(self) -> int:
        return len(self.scores)

    def normalized(self) -> list[float]:
        """The gold scores scaled to 0..1 (what CosineSimilarityLoss trains against).

        Example:
            >>> ScoredPairs(["a"], ["b"], [2.5], 0, 5).normalized()
            [0.5]
        """
        span = self.high - self.low
        return [(s - self.low) / span if span else 0.0 for s in self.scores]

    def subset(self, n: int) -> ScoredPairs:
        """The first ``n`` pairs (for quick runs)."""
        return ScoredPairs(self.sentence1[:n], self.sentence2[:n], self.scores[:n], self.low, self.high, self.name)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def is_stsb_line(line: str) -> bool:
    """Whether a first line looks like STS Benchmark: genre, file, year, id, score, sentence1, sentence2 (tabs)."""
    fields = line.split("\t")
    return len(fields) >= 7 and _is_number(fields[4])


def is_sick_line(line: str) -> bool:
    """Whether a first line is a SICK header (``pair_ID`` ... ``relatedness_score``, tab separated)."""
    fields = line.split("\t")
    return "pair_ID" in fields and "relatedness_score" in fields


def _read_stsb(path: Path, encoding: str | None) -> tuple[list[str], list[str], list[float], list[int]]:
    lines: list[int] = []
    s1: list[str] = []
    s2: list[str] = []
    scores: list[float] = []
    for i, line in iter_lines(path, encoding=encoding):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 7:
            raise InputError(
                f"expected 7 tab-separated columns (genre, file, year, id, score, sentence1, sentence2), "
                f"found {len(parts)}",
                path=path,
                line=i,
            )
        scores.append(number_value(parts[4], path, i, "score (5th)"))
        s1.append(text_value(parts[5], path, i, "sentence1 (6th)"))
        s2.append(text_value(parts[6], path, i, "sentence2 (7th)"))
        lines.append(i)
    return s1, s2, scores, lines


def _infer_scale(scores: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(scores), max(scores)
    low = 0.0 if lo >= 0 else lo
    for top in (1.0, 5.0, 10.0, 100.0):
        if hi <= top:
            return low, top
    return low, hi


def load_scored_pairs(
    path: str | Path,
    *,
    score_column: str | None = None,
    text_columns: tuple[str, str] | None = None,
    scale: tuple[float, float] | None = None,
    encoding: str | None = None,
) -> ScoredPairs:
    """Read sentence pairs with gold scores and check every row.

    Args:
        path: STS Benchmark TSV, SICK TSV, or CSV/TSV/JSONL/JSON with two text columns and a score column.
        score_column: the score column (default: the first of score, relatedness_score, similarity, label).
        text_columns: the two text columns (default: sentence1/sentence2, sentence_A/sentence_B, s1/s2, ...).
        scale: the score scale ``(low, high)``; default STS Benchmark 0-5, SICK 1-5, otherwise 0-1, 0-5, 0-10 or
            0-100, whichever holds every score.
        encoding: the text encoding (default UTF-8; see :func:`embedlab.data.records.open_text`).

    Returns:
        :class:`ScoredPairs`.

    Raises:
        InputError: unknown format, missing columns, an empty text, a NaN or non-numeric score, a score outside the
            scale; the message names the file and line.

    Example:
        >>> sick = load_scored_pairs("sick/SICK_trial.txt")
        >>> sick.low, sick.high
        (1.0, 5.0)
    """
    p = check_file(path, "sentence-pair data")
    suffix = suffix_of(p)
    first = first_line(p, encoding=encoding) if suffix != ".parquet" else ""
    if is_stsb_line(first) and suffix in (".csv", ".tsv", ".txt", ""):
        s1, s2, scores, lines = _read_stsb(p, encoding)
        default_scale = (0.0, 5.0)
    else:
        if suffix in (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet") or (
            suffix == ".txt" and "\t" in first
        ):
            records = iter_records(p, encoding=encoding)
        else:
            raise unknown_format(p, "STS Benchmark/SICK TSV, or .csv/.tsv/.jsonl/.json with a score column")
        s1, s2, scores, lines = [], [], [], []
        cols: tuple[str, str, str] | None = None
        for line, rec in records:
            if cols is None:
                cols = _columns(list(rec), p, score_column, text_columns)
            a, b, s = cols
            s1.append(text_value(rec.get(a), p, line, a))
            s2.append(text_value(rec.get(b), p, line, b))
            scores.append(number_value(rec.get(s), p, line, s))
            lines.append(line)
        if cols is None:
            raise InputError("no rows", path=p)
        default_scale = (1.0, 5.0) if cols[2] == "relatedness_score" else None  # SICK
    if not scores:
        raise InputError("no rows", path=p)
    low, high = scale or default_scale or _infer_scale(scores)
    if high <= low:
        raise InputError(f"score scale {low}..{high} is empty", path=p)
    for s, line in zip(scores, lines, strict=False):
        if not low <= s <= high:
            raise InputError(f"score {s:g} is outside the scale {low:g}..{high:g}", path=p, line=line)
    return ScoredPairs(s1, s2, scores, float(low), float(high), name=p.stem)


def _columns(
    columns: list[str], path: Path, score_column: str | None, text_columns: tuple[str, str] | None
) -> tuple[str, str, str]:
    score = pick_column(columns, score_column, SCORE_COLUMNS, path, "the score")
    if text_columns is not None:
        a = pick_column(columns, text_columns[0], (), path, "the first text")
        b = pick_column(columns, text_columns[1], (), path, "the second text")
        return a, b, score
    for a, b in TEXT_COLUMN_PAIRS:
        if a in columns and b in columns:
            return a, b, score
    raise InputError(
        "missing text columns (looked for "
        + ", ".join(f"{a}/{b}" for a, b in TEXT_COLUMN_PAIRS)
        + "); columns are "
        + ", ".join(columns),
        path=path,
    )
