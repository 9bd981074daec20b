"""Documents and chunks: what an index stores.

A *document* is one row of a JSONL, CSV or Parquet file: an id, a text field, and any other fields, which are kept
as *metadata* (filterable at search time). Long documents are often split into *chunks* before embedding, because an
embedding model only reads its first few hundred tokens and because a passage-sized hit is what a RAG application
wants. Each chunk keeps the id of its document and the character offsets of its text in it, so a hit can always be
traced back and highlighted.

Example:
    >>> docs = load_documents("docs.jsonl", id_field="id", text_field="text")
    >>> chunks = chunk_documents(docs, by="sentences", size=3, overlap=1)
    >>> chunks[0].doc_id, chunks[0].start, chunks[0].end
    ('d1', 0, 212)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from embedlab.data.chunking import check_window, sentence_spans, text_windows, token_spans
from embedlab.data.records import iter_records, suffix_of
from embedlab.data.tokens import token_lengths
from embedlab.errors import InputError, ParameterError, require_file

__all__ = [
    "DOC_SUFFIXES",
    "Chunk",
    "ChunkBy",
    "Document",
    "as_documents",
    "chunk_documents",
    "load_documents",
    "sentence_spans",
    "token_spans",
]

ChunkBy = Literal["none", "sentences", "tokens", "auto"]

DOC_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet")


@dataclass
class Document:
    """One document: its id, its text and its other fields.

    Attributes:
        id: unique id (always a string; numbers in the file are converted).
        text: the text that is embedded and indexed.
        metadata: every other field of the row, JSON-serialisable.
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Chunk:
    """A piece of a document, the unit an index stores and returns.

    Attributes:
        id: the chunk id: the document id when the document is not split, else ``"<doc id>#<n>"``.
        doc_id: the id of the document it comes from.
        text: the chunk text (``document.text[start:end]``).
        start: character offset of the chunk in the document text.
        end: character offset one past its last character.
        metadata: the document's metadata (shared by all its chunks).
    """

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    metadata: dict[str, Any] = field(default_factory=dict)


def _clean(value: Any) -> Any:
    """Make a value JSON-friendly (pandas/pyarrow give numpy scalars, NaN for missing, timestamps)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def load_documents(
    path: str | Path, *, id_field: str = "id", text_field: str = "text", encoding: str | None = None
) -> list[Document]:
    """Read documents from a JSONL, JSON array, CSV/TSV or Parquet file (optionally ``.gz``/``.bz2``).

    Args:
        path: the file.
        id_field: the field holding each document's unique id. When the default ``id`` is absent, ids are the row
            numbers (from 0); another field that is absent is an error.
        text_field: the field holding the text to index.
        encoding: the text encoding (default UTF-8; see :func:`embedlab.data.records.open_text`).

    Returns:
        The documents, in file order; every other field becomes metadata.

    Raises:
        InputError: missing file, malformed row, missing/empty text, duplicate id (naming file and line).

    Example:
        >>> docs = load_documents("papers.csv", id_field="paper_id", text_field="abstract")
    """
    p = require_file(path, "documents file")
    if suffix_of(p) not in DOC_SUFFIXES:
        raise InputError(
            f"unknown document format {suffix_of(p) or '(no suffix)'}; use one of {', '.join(DOC_SUFFIXES)}", path=p
        )
    docs: list[Document] = []
    seen: dict[str, int] = {}
    have_ids: bool | None = None
    for lineno, row in iter_records(p, encoding=encoding, strict=True, numbers=True):
        if have_ids is None:
            have_ids = id_field in row
            if not have_ids and id_field != "id":
                # An id field the user named must exist: row numbers instead would silently break every join.
                raise ParameterError(
                    "id_field",
                    f"the documents have no field {id_field!r} ({p}:{lineno} has {', '.join(map(str, row))})",
                )
        if text_field not in row:
            fields = ", ".join(map(str, row))
            if not docs:  # the first row: the field name is wrong, not the data
                raise ParameterError(
                    "text_field", f"the documents have no field {text_field!r} ({p}:{lineno} has {fields})"
                )
            raise InputError(f"no {text_field!r} field (fields: {fields})", path=p, line=lineno)
        text = row[text_field]
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"field {text_field!r} is empty or not text", path=p, line=lineno)
        if have_ids:
            raw_id = row.get(id_field)
            if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
                raise InputError(f"missing id in field {id_field!r}", path=p, line=lineno)
            doc_id = str(_clean(raw_id))
        else:
            doc_id = str(len(docs))
        if doc_id in seen:
            raise InputError(f"duplicate id {doc_id!r} (first seen on line {seen[doc_id]})", path=p, line=lineno)
        seen[doc_id] = lineno
        meta = {str(k): _clean(v) for k, v in row.items() if k not in (id_field, text_field)}
        docs.append(Document(doc_id, text, meta))
    if not docs:
        raise InputError("no documents", path=p)
    return docs


def as_documents(items: Iterable[Document | dict[str, Any] | str]) -> list[Document]:
    """Accept documents as :class:`Document`, dicts (``id``, ``text``, rest metadata) or plain strings."""
    docs: list[Document] = []
    for i, item in enumerate(items):
        if isinstance(item, Document):
            docs.append(item)
        elif isinstance(item, str):
            docs.append(Document(str(i), item))
        elif isinstance(item, dict):
            if "text" not in item:
                raise InputError(f"document {i} has no 'text' field")
            meta = {k: _clean(v) for k, v in item.items() if k not in ("id", "text")}
            docs.append(Document(str(item.get("id", i)), item["text"], meta))
        else:
            raise InputError(f"document {i}: expected a dict, a string or a Document, got {type(item).__name__}")
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"duplicate document id {dup!r}")
    return docs


def chunk_documents(
    docs: Sequence[Document],
    *,
    by: ChunkBy = "none",
    size: int = 5,
    overlap: int = 1,
    tokenizer: Any | None = None,
    max_tokens: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Chunk]:
    """Split documents into chunks of ``size`` sentences or tokens, consecutive chunks sharing ``overlap`` of them.

    Args:
        docs: the documents.
        by: ``none`` (one chunk per document), ``sentences`` or ``tokens``; ``auto``: ``size``-sentence chunks for
            the documents longer than ``max_tokens`` (what the model would cut off), the others whole; a chunk still
            longer than ``max_tokens`` (long sentences) is cut into windows of the model's tokens.
        size: sentences or tokens per chunk.
        overlap: how many sentences/tokens consecutive chunks share (less than ``size``).
        tokenizer: for ``tokens`` and ``auto``: a Hugging Face fast tokenizer (the embedding model's), else words
            are counted.
        max_tokens: for ``auto``: the model's sequence length (None: no document is split).
        progress: called with the number of documents done, for progress bars.

    Returns:
        Chunks with their document id and character offsets; ``chunk.text == doc.text[chunk.start:chunk.end]``.
        Sentences and windows come from :mod:`embedlab.data.chunking`, the one splitter and chunker.

    Raises:
        ParameterError: an unknown ``by``, ``size`` below 1, ``overlap`` outside ``0..size-1``.

    Example:
        >>> chunk_documents([Document("a", "One. Two. Three.")], by="sentences", size=2, overlap=1)[1].text
        'Two. Three.'
    """
    if by not in ("none", "sentences", "tokens", "auto"):
        raise ParameterError("chunk", f"unknown chunking {by!r}; use none, sentences, tokens or auto")
    if by != "none":
        check_window(size, overlap)
    long = _longer_than(docs, max_tokens, tokenizer) if by == "auto" else set()
    chunks: list[Chunk] = []
    for n, doc in enumerate(docs, 1):
        if by == "none" or (by == "auto" and doc.id not in long):
            chunks.append(Chunk(doc.id, doc.id, doc.text, 0, len(doc.text), doc.metadata))
        else:
            unit = "sentences" if by == "auto" else by
            spans = text_windows(doc.text, by=unit, size=size, overlap=overlap, tokenizer=tokenizer)
            if by == "auto":
                spans = _fit(doc.text, spans, max_tokens, tokenizer)
            for i, (s, e) in enumerate(spans):
                chunks.append(Chunk(f"{doc.id}#{i}", doc.id, doc.text[s:e], s, e, doc.metadata))
        if progress is not None:
            progress(n)
    return chunks


Span = tuple[int, int]


def _fit(text: str, spans: list[Span], max_tokens: int | None, tokenizer: Any | None) -> list[Span]:
    """Sentence windows still longer than ``max_tokens``, cut further into windows of the model's tokens.

    ``auto`` chunks exist so that the model reads every word; a window of five long sentences would otherwise be
    embedded by its first ``max_tokens`` tokens only. Windows that fit are kept as they are.
    """
    if not max_tokens or tokenizer is None or not callable(tokenizer) or not spans:
        return spans
    size = max(1, max_tokens - 2)  # room for the special tokens ([CLS] and [SEP])
    out: list[Span] = []
    for (s, e), n in zip(spans, token_lengths(tokenizer, [text[s:e] for s, e in spans]), strict=True):
        if n <= max_tokens:
            out.append((s, e))
            continue
        parts = text_windows(text[s:e], by="tokens", size=size, overlap=min(size // 8, size - 1), tokenizer=tokenizer)
        out.extend((s + a, s + b) for a, b in parts)
    return out


def _longer_than(docs: Sequence[Document], max_tokens: int | None, tokenizer: Any | None) -> set[str]:
    """Ids of the documents with more than ``max_tokens`` tokens (the model's own tokens when there is a tokenizer)."""
    if not max_tokens or not docs:
        return set()
    texts = [d.text for d in docs]
    if tokenizer is not None and callable(tokenizer):
        lengths = token_lengths(tokenizer, texts)
    else:
        lengths = [len(t.split()) for t in texts]
    return {d.id for d, n in zip(docs, lengths, strict=True) if n > max_tokens}
