"""embedlab's one data layer: every file format read once, typed collections that keep their ids, and the tools.

Readers validate the whole file before returning and raise :class:`embedlab.errors.InputError` naming the file and
the row of the first problem, so a bad file fails at once, before any model is loaded.

* :func:`load_ir` -> :class:`IRDataset`: IR JSON, BEIR folders, query/passage pairs.
* :func:`load_scored_pairs` -> :class:`ScoredPairs`: STS Benchmark, SICK, CSV/JSONL with a score.
* :func:`load_nli` -> :class:`NLIData`: SNLI folders, SICK, CSV/JSONL with premise/hypothesis/label.
* :func:`load_labeled_texts` -> ``(texts, labels)``: classification tables (Banking77).
* :func:`load_texts` -> ``list[str]``: one text per line, or a column.
* :func:`load_documents` -> ``list[Document]``: documents with ids and metadata; :func:`chunk_documents` cuts them.
* :func:`load_training_data` -> :class:`TrainingData`: any table, in the role columns that pick a loss.

The tools that make data (:mod:`.pairs_from_corpus`, :mod:`.mine_negatives`, :mod:`.split`) live beside them.

Example:
    >>> from embedlab.data import load_scored_pairs
    >>> sts = load_scored_pairs("../shared/data/stsb/sts-dev.csv")
    >>> sts.normalized()[0]
    1.0
"""

from __future__ import annotations

from embedlab.data.documents import Chunk, Document, as_documents, chunk_documents, load_documents
from embedlab.data.ir import IRDataset, load_ir
from embedlab.data.labeled import load_labeled_texts
from embedlab.data.nli import LABELS, NLIData, load_nli
from embedlab.data.scored_pairs import ScoredPairs, load_scored_pairs
from embedlab.data.texts import load_texts
from embedlab.data.training import TrainingData, load_training_data

__all__ = [
    "LABELS",
    "Chunk",
    "Document",
    "IRDataset",
    "NLIData",
    "ScoredPairs",
    "TrainingData",
    "as_documents",
    "chunk_documents",
    "load_documents",
    "load_ir",
    "load_labeled_texts",
    "load_nli",
    "load_scored_pairs",
    "load_texts",
    "load_training_data",
]
