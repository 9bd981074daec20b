"""Information-retrieval data: queries, a corpus, and which documents are relevant to which query.

Three layouts are read into one :class:`IRDataset`:

* the IR JSON of sentence-transformers' ``InformationRetrievalEvaluator``:
  ``{"queries": {id: text}, "corpus": {id: text}, "relevant_docs": {query_id: [doc_id, ...]}}`` (the lists may be
  ``{doc_id: grade}`` dicts for graded relevance);
* a BEIR folder: ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl`` (``_id``, ``text``) and
  ``qrels/<split>.tsv`` (``query-id``, ``corpus-id``, ``score``);
* a JSONL/CSV/TSV of (query, passage) pairs, one relevant pair per row (ids are made from the text, so a query or
  passage repeated on several rows is one query or one document).

Example:
    >>> ds = load_ir("aims_qa/train_dataset.json")
    >>> len(ds.queries), len(ds.corpus)
    (594, 297)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.data.records import (
    check_file,
    iter_records,
    load_json,
    number_value,
    open_text,
    pick_column,
    suffix_of,
    text_value,
    unknown_format,
)
from embedlab.errors import InputError, require_file

QUERY_COLUMNS = ("query", "question", "anchor", "q")
PASSAGE_COLUMNS = ("passage", "positive", "document", "doc", "answer", "context", "text")
GRADE_COLUMNS = ("relevance", "grade", "score", "label")


@dataclass
class IRDataset:
    """Queries, a corpus and graded relevance judgements.

    Attributes:
        queries: query id -> text (only queries with at least one relevant document).
        corpus: document id -> text.
        relevant: query id -> {document id: relevance grade > 0}; 1 for binary relevance.
        name: a short name for tables (the file or folder name).
    """

    queries: dict[str, str]
    corpus: dict[str, str]
    relevant: dict[str, dict[str, int]]
    name: str = field(default="ir")

    def pairs(self) -> list[tuple[str, str, str, str]]:
        """Every relevant ``(query_id, query, doc_id, doc)``, in query order.

        Example:
            >>> qid, query, did, doc = ds.pairs()[0]
        """
        return [
            (qid, self.queries[qid], did, self.corpus[did])
            for qid in self.queries
            for did in self.relevant.get(qid, {})
        ]

    @property
    def graded(self) -> bool:
        """Whether any judgement is above 1 (graded rather than binary relevance)."""
        return any(g > 1 for rel in self.relevant.values() for g in rel.values())

    def relevant_sets(self) -> dict[str, set[str]]:
        """query id -> set of relevant doc ids (the form ``InformationRetrievalEvaluator`` takes)."""
        return {qid: set(rel) for qid, rel in self.relevant.items()}

    @classmethod
    def from_pairs(
        cls,
        pairs: Iterable[tuple[str, str] | tuple[str, str, int]],
        *,
        extra_corpus: Iterable[str] = (),
        name: str = "pairs",
    ) -> IRDataset:
        """IR data from (query, relevant passage[, grade]) texts, the one id scheme for pairs turned into IR data.

        Ids are made from the texts (:func:`text_id`: ``q`` or ``d`` and 12 hex digits of the text's SHA-1), so a
        query or passage repeated on several rows is one query or one document, and the same text gets the same id
        in every file and every run. ``extra_corpus`` adds passages no query points to (negatives). A grade of 0
        records the passage in the corpus but not as relevant.

        Example:
            >>> ir = IRDataset.from_pairs([("who?", "Arthur."), ("where?", "Earth.")])
            >>> len(ir.queries), len(ir.corpus)
            (2, 2)
        """
        queries: dict[str, str] = {}
        corpus: dict[str, str] = {}
        relevant: dict[str, dict[str, int]] = {}
        for row in pairs:
            query, doc = row[0], row[1]
            grade = int(row[2]) if len(row) > 2 else 1  # type: ignore[misc]
            qid, did = text_id("q", query), text_id("d", doc)
            corpus[did] = doc
            if grade > 0:
                queries[qid] = query
                relevant.setdefault(qid, {})[did] = grade
        for doc in extra_corpus:
            corpus.setdefault(text_id("d", doc), doc)
        return cls(queries, corpus, relevant, name=name)


def _grade(value: Any, path: Path, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise InputError(f"{where}: relevance grade {value!r} is not an integer", path=path)
    return int(value)


def _validate(ds: IRDataset, path: Path) -> IRDataset:
    if not ds.corpus:
        raise InputError("corpus is empty", path=path)
    if not ds.queries:
        raise InputError("no queries", path=path)
    for qid, rel in ds.relevant.items():
        if qid not in ds.queries:
            raise InputError(f"relevant_docs[{qid!r}]: query id not in queries", path=path)
        for did in rel:
            if did not in ds.corpus:
                raise InputError(f"relevant_docs[{qid!r}]: document id {did!r} not in corpus", path=path)
    for qid in ds.queries:
        if not ds.relevant.get(qid):
            raise InputError(f"query {qid!r} has no relevant document", path=path)
    for kind, texts in (("query", ds.queries), ("document", ds.corpus)):
        for key, text in texts.items():
            if not isinstance(text, str) or not text.strip():
                raise InputError(f"{kind} {key!r} has no text", path=path)
    return ds


def _from_ir_json(path: Path, encoding: str | None) -> IRDataset:
    data = load_json(path, unique_keys=True, encoding=encoding)
    if not isinstance(data, dict):
        raise InputError("expected an object with queries, corpus, relevant_docs", path=path)
    missing = [k for k in ("queries", "corpus", "relevant_docs") if k not in data]
    if missing:
        raise InputError(
            f"missing key(s) {', '.join(missing)} (IR JSON needs queries, corpus, relevant_docs)", path=path
        )
    for key in ("queries", "corpus", "relevant_docs"):
        if not isinstance(data[key], dict):
            raise InputError(f"{key!r} must be an object mapping ids to values", path=path)
    relevant: dict[str, dict[str, int]] = {}
    for qid, docs in data["relevant_docs"].items():
        if isinstance(docs, dict):
            grades = {str(d): _grade(g, path, f"relevant_docs[{qid!r}][{d!r}]") for d, g in docs.items()}
        elif isinstance(docs, (list, tuple)):
            if len(set(map(str, docs))) != len(docs):
                raise InputError(f"relevant_docs[{qid!r}]: a document id is listed twice", path=path)
            grades = {str(d): 1 for d in docs}
        elif isinstance(docs, (str, int)):
            grades = {str(docs): 1}
        else:
            raise InputError(f"relevant_docs[{qid!r}]: expected a list or an object", path=path)
        relevant[str(qid)] = {d: g for d, g in grades.items() if g > 0}
    queries = {str(k): v for k, v in data["queries"].items()}
    corpus = {str(k): v for k, v in data["corpus"].items()}
    return _validate(IRDataset(queries, corpus, relevant, name=path.stem), path)


def _read_beir_jsonl(path: Path, what: str, encoding: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for line, rec in iter_records(path, encoding=encoding):
        if "_id" not in rec:
            raise InputError(f"{what} row has no '_id'", path=path, line=line)
        key = str(rec["_id"])
        if key in out:
            raise InputError(f"duplicate id {key!r}", path=path, line=line)
        text = text_value(rec.get("text"), path, line, "text")
        title = str(rec.get("title") or "").strip()
        # MTEB and BEIR join title and text with a space for dense retrieval.
        out[key] = f"{title} {text}".strip() if title else text
    return out


def _from_beir(folder: Path, split: str, encoding: str | None) -> IRDataset:
    corpus_file = require_file(folder / "corpus.jsonl", "BEIR corpus.jsonl")
    queries_file = require_file(folder / "queries.jsonl", "BEIR queries.jsonl")
    qrels_dir = folder / "qrels"
    qrels_file = qrels_dir / f"{split}.tsv"
    if not qrels_file.exists():
        splits = sorted(p.stem for p in qrels_dir.glob("*.tsv")) if qrels_dir.is_dir() else []
        raise InputError(f"no qrels for split {split!r}; available: {', '.join(splits) or 'none'}", path=qrels_file)
    corpus = _read_beir_jsonl(corpus_file, "corpus", encoding)
    all_queries = _read_beir_jsonl(queries_file, "queries", encoding)
    relevant: dict[str, dict[str, int]] = {}
    for line, rec in iter_records(qrels_file, encoding=encoding):
        qcol = pick_column(list(rec), None, ("query-id", "query_id", "qid"), qrels_file, "query id")
        dcol = pick_column(list(rec), None, ("corpus-id", "corpus_id", "doc-id", "docid"), qrels_file, "corpus id")
        qid, did = str(rec[qcol]), str(rec[dcol])
        score = number_value(rec.get("score", 1), qrels_file, line, "score")
        if score != int(score):
            raise InputError(f"relevance grade {score} is not an integer", path=qrels_file, line=line)
        if qid not in all_queries:
            raise InputError(f"query id {qid!r} not in {queries_file.name}", path=qrels_file, line=line)
        if did not in corpus:
            raise InputError(f"document id {did!r} not in {corpus_file.name}", path=qrels_file, line=line)
        if score > 0:  # grade 0 means judged not relevant
            relevant.setdefault(qid, {})[did] = int(score)
    # queries.jsonl holds every split's queries: keep the ones this split judges relevant.
    queries = {qid: all_queries[qid] for qid in relevant}
    return _validate(IRDataset(queries, corpus, relevant, name=folder.name), qrels_file)


def text_id(prefix: str, text: str) -> str:
    """The id of a text that has none: ``prefix`` and 12 hex digits of its SHA-1 (stable across files and runs).

    Example:
        >>> text_id("q", "who?")
        'q8af81fa91d64'
    """
    return prefix + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _from_pairs(path: Path, query_column: str | None, passage_column: str | None, encoding: str | None) -> IRDataset:
    rows: list[tuple[str, str, int]] = []
    qcol = dcol = gcol = None
    for line, rec in iter_records(path, encoding=encoding):
        if qcol is None:
            qcol = pick_column(list(rec), query_column, QUERY_COLUMNS, path, "the query")
            dcol = pick_column(list(rec), passage_column, PASSAGE_COLUMNS, path, "the passage")
            gcol = next((c for c in GRADE_COLUMNS if c in rec and c not in (qcol, dcol)), None)
        assert dcol is not None
        query = text_value(rec.get(qcol), path, line, qcol)
        doc = text_value(rec.get(dcol), path, line, dcol)
        grade = 1
        if gcol is not None:
            value = number_value(rec.get(gcol), path, line, gcol)
            if value != int(value):
                raise InputError(f"relevance grade {value} in column {gcol!r} is not an integer", path=path, line=line)
            grade = int(value)
        rows.append((query, doc, grade))
    if qcol is None:
        raise InputError("no rows", path=path)
    ir = IRDataset.from_pairs(rows, name=path.stem)
    # A query whose every row has grade 0 is still a query: the check below names it.
    for query, _, _ in rows:
        ir.queries.setdefault(text_id("q", query), query)
    return _validate(ir, path)


_IR_KEY = re.compile(r'"(queries|corpus|relevant_docs)"\s*:')


def is_ir_json(path: str | Path, *, encoding: str | None = None) -> bool:
    """Whether a file is IR JSON: the one rule every reader uses.

    A ``.json`` file (optionally compressed) is IR JSON when it is a JSON object (its first non-blank character is
    ``{``) and one of the keys ``queries``, ``corpus`` or ``relevant_docs`` appears in its first 64 KiB; a JSON
    array, JSON Lines of other objects, or an object of other columns is a table. :func:`load_ir` then checks the
    three keys are all there.

    Example:
        >>> is_ir_json("../shared/data/aims_qa/train_dataset.json")
        True
    """
    p = Path(path)
    if not p.is_file() or suffix_of(p) != ".json":
        return False
    with open_text(p, encoding=encoding) as fh:
        head = fh.read(1 << 16)
    return head.lstrip().startswith("{") and _IR_KEY.search(head) is not None


def load_ir(
    path: str | Path,
    *,
    split: str = "test",
    query_column: str | None = None,
    passage_column: str | None = None,
    encoding: str | None = None,
) -> IRDataset:
    """Read retrieval data (IR JSON, BEIR folder, or query/passage pairs) and check it.

    Args:
        path: an IR JSON file, a BEIR folder, or a ``.jsonl``/``.csv``/``.tsv`` of (query, passage) rows.
        split: the BEIR qrels split (``qrels/<split>.tsv``).
        query_column: the query column of a pairs file (default: the first of query, question, anchor).
        passage_column: the passage column (default: the first of passage, positive, document, answer, text).
        encoding: the text encoding (default UTF-8; see :func:`embedlab.data.records.open_text`).

    Returns:
        An :class:`IRDataset`.

    Raises:
        InputError: unknown format, missing columns, duplicate ids, a relevant id not in the corpus, a query
            with no relevant document, or no data; the message names the file and the row or id.

    Example:
        >>> ds = load_ir("beir/scifact", split="test")
        >>> ds.pairs()[0][1]  # first query text
    """
    p = require_file(path, "retrieval data")
    if p.is_dir():
        if (p / "corpus.jsonl").exists() or (p / "qrels").is_dir():
            return _from_beir(p, split, encoding)
        raise InputError("folder is not a BEIR data set (no corpus.jsonl, queries.jsonl, qrels/)", path=p)
    p = check_file(p, "retrieval data")
    suffix = suffix_of(p)
    if suffix == ".json" and is_ir_json(p, encoding=encoding):
        return _from_ir_json(p, encoding)
    if suffix in (".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".parquet"):
        return _from_pairs(p, query_column, passage_column, encoding)
    raise unknown_format(p, "IR JSON (.json), a BEIR folder, or a .jsonl/.csv/.tsv of query, passage pairs")
