"""Readers for the standard evaluation and training data formats, with validation.

Every loader checks the whole file before returning and raises :class:`embedlab.errors.InputError` naming the
file and the row of the first problem, so a bad file fails at once, before any model is loaded.

* :func:`load_ir` -> :class:`IRDataset`: IR JSON, BEIR folders, query/passage pairs.
* :func:`load_scored_pairs` -> :class:`ScoredPairs`: STS Benchmark, SICK, CSV/JSONL with a score.
* :func:`load_nli` -> :class:`NLIData`: SNLI folders, SICK, CSV/JSONL with premise/hypothesis/label.
* :func:`load_labeled_texts` -> ``(texts, labels)``: classification tables (Banking77).
* :func:`load_texts` -> ``list[str]``: one text per line, or a column.

Example:
    >>> from embedlab.datasets import load_scored_pairs
    >>> sts = load_scored_pairs("../shared/data/stsb/sts-dev.csv")
    >>> sts.normalized()[0]
    1.0
"""

from __future__ import annotations

from embedlab.datasets.ir import IRDataset, load_ir
from embedlab.datasets.labeled import load_labeled_texts
from embedlab.datasets.nli import LABELS, NLIData, load_nli
from embedlab.datasets.pairs import ScoredPairs, load_scored_pairs
from embedlab.datasets.texts import load_texts

__all__ = [
    "LABELS",
    "IRDataset",
    "NLIData",
    "ScoredPairs",
    "load_ir",
    "load_labeled_texts",
    "load_nli",
    "load_scored_pairs",
    "load_texts",
]
