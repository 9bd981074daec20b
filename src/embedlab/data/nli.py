"""Natural language inference (NLI) data: premise, hypothesis, and entailment / neutral / contradiction.

NLI pairs are the classic training data for sentence embeddings (SBERT trained on SNLI + MultiNLI): entailed
hypotheses are positives, contradictions hard negatives. Read into :class:`NLIData`:

* an SNLI folder of line-aligned ``s1.<split>``, ``s2.<split>``, ``labels.<split>`` (e-SNLI / InferSent layout);
* SICK TSV (``sentence_A``, ``sentence_B``, ``entailment_judgment``);
* CSV/TSV/JSONL/JSON with premise, hypothesis and label columns; labels as names or 0/1/2 (0 entailment,
  1 neutral, 2 contradiction, as the Hugging Face SNLI and MultiNLI sets number them).

Example:
    >>> nli = load_nli("snli", split="dev")
    >>> nli.label[:3]
    ['neutral', 'entailment', 'contradiction']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.data.records import (
    check_file,
    iter_lines,
    iter_records,
    pick_column,
    suffix_of,
    text_value,
    unknown_format,
)
from embedlab.errors import InputError, ParameterError, require_file

LABELS = ("entailment", "neutral", "contradiction")
_LABEL_NAMES = {
    "entailment": "entailment",
    "entails": "entailment",
    "neutral": "neutral",
    "contradiction": "contradiction",
    "contradicts": "contradiction",
    "0": "entailment",
    "1": "neutral",
    "2": "contradiction",
}


@dataclass
class NLIData:
    """Premise/hypothesis pairs with labels ``entailment``, ``neutral`` or ``contradiction``."""

    premise: list[str]
    hypothesis: list[str]
    label: list[str]
    name: str = field(default="nli")

    def __len__(self) -> int:
        return len(self.label)

    def triplets(self) -> list[tuple[str, str, str]]:
        """``(anchor, positive, negative)`` triplets, the layout MultipleNegativesRankingLoss trains on: the one NLI
        -> triplets conversion of embedlab.

        Every premise gives one triplet per (entailed, contradicting) hypothesis pair it has, all combinations, in
        file order, duplicates removed; premises lacking either label give none. This keeps every judged hypothesis
        (the layout of the ``all-nli`` triplet set sentence-transformers trains on) rather than one per premise,
        and it is deterministic (no sampling).

        Example:
            >>> NLIData(["p", "p", "p"], ["e1", "e2", "c"], ["entailment", "entailment", "contradiction"]).triplets()
            [('p', 'e1', 'c'), ('p', 'e2', 'c')]
        """
        by_premise: dict[str, dict[str, list[str]]] = {}
        for p, h, lab in zip(self.premise, self.hypothesis, self.label, strict=False):
            hyps = by_premise.setdefault(p, {}).setdefault(lab, [])
            if h not in hyps:
                hyps.append(h)
        return [
            (p, pos, neg)
            for p, hyps in by_premise.items()
            for pos in hyps.get("entailment", [])
            for neg in hyps.get("contradiction", [])
        ]


def _label(value: Any, path: Path, line: int) -> str:
    key = str(value).strip().lower() if value is not None else ""
    if isinstance(value, float) and value == int(value):
        key = str(int(value))
    if key not in _LABEL_NAMES:
        raise InputError(
            f"unknown label {value!r}; expected entailment, neutral, contradiction (or 0, 1, 2)", path=path, line=line
        )
    return _LABEL_NAMES[key]


def _from_folder(folder: Path, split: str | None, encoding: str | None) -> NLIData:
    splits = sorted({p.suffix[1:] for p in folder.glob("labels.*")})
    if not splits:
        raise InputError(
            "folder has no labels.<split> file (expected s1.<split>, s2.<split>, labels.<split>)", path=folder
        )
    if split is None:
        if "train" in splits:
            split = "train"
        elif len(splits) == 1:
            split = splits[0]
        else:
            raise ParameterError("split", f"{folder} has splits {', '.join(splits)}; choose one")
    files = [require_file(folder / f"{stem}.{split}", f"NLI {stem}.{split}") for stem in ("s1", "s2", "labels")]
    s1, s2, labels = ([line for _, line in iter_lines(f, encoding=encoding)] for f in files)
    # A final empty line is a trailing newline, not a row.
    while labels and not labels[-1].strip():
        labels.pop()
    for f, lines in zip(files[:2], (s1, s2), strict=False):
        while len(lines) > len(labels) and not lines[-1].strip():
            lines.pop()
        if len(lines) != len(labels):
            raise InputError(
                f"misaligned: {len(lines)} lines but {files[2].name} has {len(labels)}; files must be line-aligned",
                path=f,
            )
    out = NLIData([], [], [], name=f"{folder.name}-{split}")
    for i, (p, h, lab) in enumerate(zip(s1, s2, labels, strict=False), 1):
        out.premise.append(text_value(p.strip(), files[0], i, "premise"))
        out.hypothesis.append(text_value(h.strip(), files[1], i, "hypothesis"))
        out.label.append(_label(lab, files[2], i))
    if not out.label:
        raise InputError("no rows", path=files[2])
    return out


def load_nli(
    path: str | Path,
    *,
    split: str | None = None,
    premise_column: str | None = None,
    hypothesis_column: str | None = None,
    label_column: str | None = None,
    encoding: str | None = None,
) -> NLIData:
    """Read NLI data and check every row.

    Args:
        path: an SNLI folder (``s1.<split>``, ``s2.<split>``, ``labels.<split>``), SICK TSV, or CSV/TSV/JSONL/JSON.
        split: the split of an SNLI folder; default ``train`` if present, else the only split.
        premise_column, hypothesis_column, label_column: column names of a table (defaults: premise/sentence1/
            sentence_A, hypothesis/sentence2/sentence_B, label/gold_label/entailment_judgment).
        encoding: the text encoding (default UTF-8; see :func:`embedlab.data.records.open_text`).

    Raises:
        InputError: unknown label, misaligned files, missing columns, empty text (naming file and line).
        ParameterError: an SNLI folder with several splits and no ``split``.

    Example:
        >>> sick = load_nli("sick/SICK_trial.txt")
    """
    p = require_file(path, "NLI data")
    if p.is_dir():
        return _from_folder(p, split, encoding)
    p = check_file(p, "NLI data")
    if suffix_of(p) not in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".parquet"):
        raise unknown_format(p, "an SNLI folder, SICK TSV, or .csv/.tsv/.jsonl/.json with premise, hypothesis, label")
    out = NLIData([], [], [], name=p.stem)
    cols: tuple[str, str, str] | None = None
    for line, rec in iter_records(p, encoding=encoding):
        if cols is None:
            names = list(rec)
            cols = (
                pick_column(names, premise_column, ("premise", "sentence1", "sentence_A", "s1"), p, "the premise"),
                pick_column(
                    names, hypothesis_column, ("hypothesis", "sentence2", "sentence_B", "s2"), p, "the hypothesis"
                ),
                pick_column(names, label_column, ("label", "gold_label", "entailment_judgment"), p, "the label"),
            )
        a, b, lab = cols
        out.premise.append(text_value(rec.get(a), p, line, a))
        out.hypothesis.append(text_value(rec.get(b), p, line, b))
        if rec.get(lab) is None or str(rec.get(lab)).strip() == "":
            raise InputError(f"missing label in column {lab!r}", path=p, line=line)
        out.label.append(_label(rec[lab], p, line))
    if not out.label:
        raise InputError("no rows", path=p)
    return out
