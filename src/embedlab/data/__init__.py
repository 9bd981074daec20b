"""embedlab's one data layer: every file format read once, typed collections that keep their ids, and the tools.

Every file is read through :mod:`.records` (one decoder: UTF-8 with or without BOM, or ``encoding=``; binary and
UTF-16 files refused; ``.gz``/``.bz2`` read through; CSV, TSV, JSONL, JSON, Parquet). Readers validate the whole
file before returning and raise :class:`embedlab.errors.InputError` naming the file and the row (or byte offset) of
the first problem, so a bad file fails at once, before any model is loaded.

* :func:`load_ir` -> :class:`IRDataset`: IR JSON, BEIR folders, query/passage pairs.
* :func:`load_scored_pairs` -> :class:`ScoredPairs`: STS Benchmark, SICK, CSV/JSONL with a score.
* :func:`load_nli` -> :class:`NLIData`: SNLI folders, SICK, CSV/JSONL with premise/hypothesis/label.
* :func:`load_labeled_texts` -> ``(texts, labels)``: classification tables (Banking77).
* :func:`load_texts` -> ``list[str]``: one text per line, or a column.
* :func:`load_documents` -> ``list[Document]``: documents with ids and metadata; :func:`chunk_documents` cuts them.
* :func:`load_training_data` -> :class:`TrainingData`: any table, in the role columns that pick a loss.

Conversions are written once: :meth:`IRDataset.pairs` (IR -> pairs; :func:`ir_to_pairs` as training data),
:meth:`IRDataset.from_pairs` (pairs -> IR, ids from the texts), :meth:`NLIData.triplets` (NLI -> triplets).
:mod:`.chunking` holds the one sentence splitter and chunker (:func:`split_sentences`, :func:`sentence_spans`,
:func:`text_windows`), :func:`is_ir_json` the one rule for IR JSON, :mod:`.split` the one split
(:func:`split_ir`, :func:`split_rows`, :func:`hold_out`, seed convention ``DEFAULT_SEED``).

The tools that make data (:mod:`.pairs_from_corpus`, :mod:`.mine_negatives`, :mod:`.split`) live beside them.

Example:
    >>> from embedlab.data import load_scored_pairs
    >>> sts = load_scored_pairs("../shared/data/stsb/sts-dev.csv")
    >>> sts.normalized()[0]
    1.0
"""

from __future__ import annotations

from embedlab.data.chunking import sentence_spans, split_sentences, text_windows
from embedlab.data.documents import Chunk, Document, as_documents, chunk_documents, load_documents
from embedlab.data.ir import IRDataset, is_ir_json, load_ir
from embedlab.data.labeled import load_labeled_texts
from embedlab.data.nli import LABELS, NLIData, load_nli
from embedlab.data.records import iter_records, open_text, read_records, write_records
from embedlab.data.scored_pairs import ScoredPairs, load_scored_pairs
from embedlab.data.split import hold_out, split_ir, split_rows
from embedlab.data.texts import load_texts
from embedlab.data.training import TrainingData, ir_to_pairs, load_training_data

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
    "hold_out",
    "ir_to_pairs",
    "is_ir_json",
    "iter_records",
    "load_documents",
    "load_ir",
    "load_labeled_texts",
    "load_nli",
    "load_scored_pairs",
    "load_texts",
    "load_training_data",
    "open_text",
    "read_records",
    "sentence_spans",
    "split_ir",
    "split_rows",
    "split_sentences",
    "text_windows",
    "write_records",
]
