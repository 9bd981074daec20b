"""Texts with class labels (intent detection, topic, sentiment): data for classification and clustering.

A CSV/TSV with a header, a JSONL file or a JSON array, one text and one label per row. Banking77's ``train.csv``
has columns ``text,category``.

Example:
    >>> texts, labels = load_labeled_texts("banking77/train.csv", label_column="category")
    >>> len(set(labels))
    77
"""

from __future__ import annotations

from pathlib import Path

from embedlab.data.records import check_file, iter_records, pick_column, suffix_of, text_value, unknown_format
from embedlab.errors import InputError

# Tried, in order, when the default label column "label" is absent.
LABEL_FALLBACKS = ("label", "category", "intent", "class", "labels", "topic")
TEXT_FALLBACKS = ("text", "sentence", "utterance", "query", "question")


def load_labeled_texts(
    path: str | Path, *, text_column: str = "text", label_column: str = "label", encoding: str | None = None
) -> tuple[list[str], list[str]]:
    """Read ``(texts, labels)`` from a table, every label as a string.

    Args:
        path: ``.csv``, ``.tsv``, ``.jsonl`` or ``.json`` with a header/keys.
        text_column: the text column; when the default ``text`` is absent, sentence/utterance/query are tried.
        label_column: the label column; when the default ``label`` is absent, category/intent/class are tried.
        encoding: the text encoding (default UTF-8; see :func:`embedlab.data.records.open_text`).

    Raises:
        InputError: unknown format, missing column, an empty text or a missing label (naming file and line),
            fewer than two classes.

    Example:
        >>> texts, labels = load_labeled_texts("reviews.jsonl", label_column="stars")
    """
    p = check_file(path, "labelled text data")
    if suffix_of(p) not in (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet"):
        raise unknown_format(p, ".csv, .tsv, .jsonl, .json or .parquet with text and label columns")
    texts: list[str] = []
    labels: list[str] = []
    cols: tuple[str, str] | None = None
    for line, rec in iter_records(p, encoding=encoding):
        if cols is None:
            names = list(rec)
            tcol = pick_column(
                names,
                None if text_column == "text" and "text" not in names else text_column,
                TEXT_FALLBACKS,
                p,
                "text",
            )
            lcol = pick_column(
                names,
                None if label_column == "label" and "label" not in names else label_column,
                LABEL_FALLBACKS,
                p,
                "label",
            )
            cols = (tcol, lcol)
        tcol, lcol = cols
        texts.append(text_value(rec.get(tcol), p, line, tcol))
        label = rec.get(lcol)
        if label is None or str(label).strip() == "" or (isinstance(label, float) and label != label):
            raise InputError(f"missing label in column {lcol!r}", path=p, line=line)
        labels.append(str(label).strip())
    if not texts:
        raise InputError("no rows", path=p)
    if len(set(labels)) < 2:
        raise InputError(f"only one class ({labels[0]!r}); classification needs at least two", path=p)
    return texts, labels
