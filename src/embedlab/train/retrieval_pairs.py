"""Train the way the index retrieves: (query, chunk) pairs made with the index's own chunker.

An index built with ``--chunk sentences`` embeds chunks of a few sentences and ranks a document by its best chunk,
while ``ir_to_pairs`` trains on whole passages that the model cuts at its ``max_seq_length``. When passages are longer
than the model reads, training on them teaches the model about their first few hundred tokens only, and on texts of a
length it never embeds at search time. Here each (query, relevant passage) becomes (query, the passage's chunk that
answers it), the chunks made by :func:`embedlab.data.documents.chunk_documents` with the index's settings.

Which chunk answers a query is not labelled, so it is chosen:

* ``dense``: the chunk the base model scores highest for the query;
* ``bm25``: the chunk with the highest BM25 score (statistics over every chunk of the corpus, tokenised as the index
  tokenises);
* ``fused`` (default): both, fused exactly as the index's weighted hybrid search fuses them
  (:func:`embedlab.index.search.weighted`: min-max-normalised within the document's chunks, ``alpha`` on dense).

False-negative guards: with in-batch negatives (MNRL) every other row's positive is a negative for a query. The
other chunks of a query's own document may hold its answer too, so they must never serve as its negatives:

* only the chosen chunk of a (query, document) pair is kept: the document's other chunks never enter the data as
  positives of that pair;
* every row carries its document id (``group_keys``): rows of one document (two questions about one passage that
  chose different chunks) must not share a batch; :func:`doc_disjoint_batches` builds such batches, and
  ``max_per_document=1`` removes the risk for any batch sampler at the cost of the other rows.

Example:
    >>> from embedlab.data import load_ir
    >>> from embedlab.models import load_encoder
    >>> ir = load_ir("aims_qa/train_dataset.json")
    >>> pairs = chunk_pairs(ir, load_encoder("all-MiniLM-L6-v2"), size=5, overlap=1)
    >>> pairs[0].query, pairs[0].chunk_id
    ('What does ...?', 'd12#3')
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from embedlab.data.documents import ChunkBy, Document, chunk_documents
from embedlab.errors import InputError, ParameterError
from embedlab.train.disjoint_batches import disjoint_batches

if TYPE_CHECKING:
    from embedlab.data import IRDataset
    from embedlab.data.training import TrainingData
    from embedlab.models.encoder import Encoder

Choose = Literal["dense", "bm25", "fused"]
CHOOSE: tuple[str, ...] = ("dense", "bm25", "fused")


@dataclass(frozen=True)
class ChunkPair:
    """One training row: a query and the chunk of its relevant document chosen as its positive.

    Attributes:
        query_id: the query's id in the IR data.
        query: the query text.
        doc_id: the relevant document (the false-negative guard's group key).
        chunk_id: the chunk's id as the index names it (``"<doc id>#<n>"``, or the doc id when not split).
        chunk: the chunk text (what the index embeds).
        score: the choosing score of the chunk (fused, cosine or BM25), 1.0 when the document has one chunk.
        chunks: how many chunks the document has.
    """

    query_id: str
    query: str
    doc_id: str
    chunk_id: str
    chunk: str
    score: float
    chunks: int


def long_share(texts: Sequence[str], tokenizer: Any, max_seq_length: int) -> float:
    """Share of ``texts`` longer than ``max_seq_length`` tokens (special tokens counted): the ones a model cuts.

    Example:
        >>> long_share(list(ir.corpus.values()), encoder.tokenizer, 256)
        0.31
    """
    if not texts:
        return 0.0
    from embedlab.data.tokens import token_lengths

    lengths = token_lengths(tokenizer, texts)
    return float(np.mean([n > max_seq_length for n in lengths]))


def _bm25_scores(chunk_texts: list[str], queries: list[str]) -> np.ndarray:
    """BM25 score of every query against every chunk, tokenised and weighted as the index's lexical search does."""
    from embedlab.utils.optional import require

    bm25s = require("bm25s", "sentence")

    from embedlab.index.local import tokenize

    corpus = tokenize(chunk_texts)
    if not any(corpus):  # bm25s cannot index passages without a single term (stop words only): no lexical match
        return np.zeros((len(queries), len(chunk_texts)), dtype=np.float32)
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    return np.stack([retriever.get_scores(tokens) for tokens in tokenize(queries)]).astype(np.float32)


def _dense_scores(encoder: Encoder, chunk_texts: list[str], queries: list[str], batch_size: int) -> np.ndarray:
    """Cosine similarity of every query to every chunk, in the query and document roles the index uses."""
    q = encoder.encode(queries, role="query", batch_size=batch_size, normalize=True)
    d = encoder.encode(chunk_texts, role="document", batch_size=batch_size, normalize=True)
    return q @ d.T


def _check(choose: str, alpha: float, encoder: Any) -> None:
    if choose not in CHOOSE:
        raise ParameterError("choose", f"unknown choice {choose!r}; use {', '.join(CHOOSE)}")
    if not 0.0 <= alpha <= 1.0:
        raise ParameterError("alpha", f"must be between 0 and 1, got {alpha}")
    if choose != "bm25" and encoder is None:
        raise ParameterError("encoder", f"choose={choose!r} needs the base model's encoder")


def chunk_pairs(
    ir: IRDataset,
    encoder: Encoder | None = None,
    *,
    chunk: ChunkBy = "sentences",
    size: int = 5,
    overlap: int = 1,
    tokenizer: Any | None = None,
    max_tokens: int | None = None,
    choose: Choose = "fused",
    alpha: float = 0.5,
    max_per_document: int | None = None,
    batch_size: int = 32,
) -> list[ChunkPair]:
    """(query, chunk) pairs: each relevant document of each query replaced by its chunk that best answers the query.

    Args:
        ir: queries, corpus and relevance (only documents with a grade > 0 are used).
        encoder: the base model (an :class:`~embedlab.models.Encoder`); needed unless ``choose="bm25"``.
        chunk: the index's chunking (``sentences``, ``tokens`` or ``none``).
        size: sentences or tokens per chunk, as the index uses them.
        overlap: sentences or tokens shared by consecutive chunks.
        tokenizer: for ``chunk="tokens"`` and ``"auto"``: the model's tokenizer (default: the encoder's).
        max_tokens: for ``chunk="auto"``: the model's sequence length (longer documents are chunked).
        choose: ``dense``, ``bm25`` or ``fused`` (weighted fusion of both, as the index's hybrid search).
        alpha: weight of the dense score in ``fused``.
        max_per_document: keep at most this many pairs per document (the best-scoring ones); 1 removes every
            in-batch false negative of one document whatever the batch sampler. None keeps all.
        batch_size: embedding batch size.

    Returns:
        One pair per (query, relevant document), in query order.

    Example:
        >>> chunk_pairs(ir, None, choose="bm25", size=3)[0].chunk_id
        'd1#2'
    """
    from embedlab.index.search import weighted

    _check(choose, alpha, encoder)
    if max_per_document is not None and max_per_document < 1:
        raise ParameterError("max_per_document", f"must be at least 1, got {max_per_document}")
    wanted = sorted({d for rel in ir.relevant.values() for d, g in rel.items() if g > 0 and d in ir.corpus})
    if not wanted:
        raise InputError("no (query, relevant document) pairs to chunk")
    if tokenizer is None and chunk in ("tokens", "auto"):
        tokenizer = getattr(encoder, "tokenizer", None)
    docs = [Document(d, ir.corpus[d]) for d in wanted]
    chunks = chunk_documents(docs, by=chunk, size=size, overlap=overlap, tokenizer=tokenizer, max_tokens=max_tokens)
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(chunks):
        by_doc[c.doc_id].append(i)
    qids = [q for q in ir.relevant if q in ir.queries]
    texts = [c.text for c in chunks]
    queries = [ir.queries[q] for q in qids]
    dense = _dense_scores(encoder, texts, queries, batch_size) if choose != "bm25" else None  # type: ignore[arg-type]
    lexical = _bm25_scores(texts, queries) if choose != "dense" else None
    pairs: list[ChunkPair] = []
    for qi, qid in enumerate(qids):
        for did, grade in ir.relevant[qid].items():
            if grade <= 0 or did not in by_doc:
                continue
            rows = by_doc[did]
            d_list = [(chunks[r].id, float(dense[qi, r])) for r in rows] if dense is not None else []
            l_list = [(chunks[r].id, float(lexical[qi, r])) for r in rows] if lexical is not None else []
            if choose == "fused":
                ranked = weighted(d_list, l_list, alpha=alpha)
            else:
                ranked = sorted(d_list or l_list, key=lambda kv: (-kv[1], kv[0]))
            best_id, best_score = ranked[0] if len(rows) > 1 else (chunks[rows[0]].id, 1.0)
            best = next(chunks[r] for r in rows if chunks[r].id == best_id)
            pairs.append(ChunkPair(qid, ir.queries[qid], did, best.id, best.text, float(best_score), len(rows)))
    return _cap(pairs, max_per_document)


def _cap(pairs: list[ChunkPair], limit: int | None) -> list[ChunkPair]:
    """Keep at most ``limit`` pairs per document, the highest-scoring ones, in the original order."""
    if limit is None:
        return pairs
    per_doc: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        per_doc[p.doc_id].append(i)
    keep = {i for rows in per_doc.values() for i in sorted(rows, key=lambda i: -pairs[i].score)[:limit]}
    return [p for i, p in enumerate(pairs) if i in keep]


def doc_disjoint_batches(group_keys: Sequence[str], batch_size: int, *, seed: int = 0) -> list[list[int]]:
    """Random batches of row indices in which no two rows share a group key (a document).

    A row that would repeat a document in the batch being filled waits for a later batch, so every row is used once;
    the last batches may be smaller when one document has more rows than there are batches.

    Example:
        >>> doc_disjoint_batches(["a", "a", "b", "c"], 2, seed=0)
        [[2, 0], [1, 3]]
    """
    if batch_size < 1:
        raise ParameterError("batch_size", f"must be at least 1, got {batch_size}")
    order = list(range(len(group_keys)))
    random.Random(seed).shuffle(order)
    return disjoint_batches(order, batch_size, lambda i: (group_keys[i],))


def to_training_data(pairs: Sequence[ChunkPair], source: str) -> TrainingData:
    """The pairs as ``embedlab.train`` data: ``anchor``/``positive`` columns, grouped by document.

    ``group_keys`` are the document ids, so a split by document keeps every chunk of a passage on one side, and a
    batch sampler can keep rows of one document apart (see :func:`doc_disjoint_batches`).
    """
    from datasets import Dataset

    from embedlab.data.training import TrainingData

    if not pairs:
        raise InputError("no (query, chunk) pairs", path=source)
    ds = Dataset.from_dict({"anchor": [p.query for p in pairs], "positive": [p.chunk for p in pairs]})
    return TrainingData("pairs", ds, source, group_keys=[p.doc_id for p in pairs])


def write_pairs(pairs: Sequence[ChunkPair], path: str) -> None:
    """Write the pairs as JSONL rows ``{"anchor": query, "positive": chunk}``, a pairs file ``embedlab train`` reads.

    The file cannot carry the document of each row to a batch sampler; use :func:`to_training_data` (or
    ``max_per_document=1``) where the false-negative guard must hold inside batches.
    """
    import json

    from embedlab.utils.atomic import atomic_write_text

    lines = [json.dumps({"anchor": p.query, "positive": p.chunk}, ensure_ascii=False) for p in pairs]
    atomic_write_text(path, "\n".join(lines) + "\n")
