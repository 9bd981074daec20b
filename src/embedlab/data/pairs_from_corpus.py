"""Training pairs from unlabeled documents, with no labels and no LLM.

Two self-supervised recipes from the dense-retrieval literature turn plain documents into (anchor, positive) pairs
for MultipleNegativesRankingLoss:

* **Inverse cloze task** (ICT, Lee et al. 2019): cut documents into passages; take one sentence of a passage as a
  pseudo-query and the passage as its positive. The sentence is removed from the passage most of the time (so the
  model must learn topic, not string overlap) and kept with probability ``keep_sentence`` (so it also learns that
  exact matches are relevant).
* **Independent cropping** (Contriever, Izacard et al. 2021): two random spans of one document are a positive pair.

Documents are cut into passages by embedlab's one chunker (:func:`embedlab.data.documents.chunk_documents`, by
sentences or by words, with overlap), so a passage id is the chunk id an index built with the same chunking gives.
Every pair carries the id of its source document (``doc_id``, the corpus file's own id) and of its passage
(``passage_id``, ``<doc id>#<k>``): pairs join back to the corpus and the index, and :mod:`embedlab.data.split`
keeps all pairs of one document in one split.

Readers: plain text (documents separated by blank lines), JSONL/CSV/Parquet with an id and a text column (via
:func:`embedlab.data.load_documents`), and Wikipedia XML dumps (``.xml.bz2``, via gensim's ``extract_pages`` and
``filter_wiki``; the page title is the id), such as the excerpt bundled with gensim.

Example:
    >>> docs = read_documents(gensim_wiki_excerpt)  # doctest: +SKIP
    >>> pairs = inverse_cloze_pairs(passages(docs, by="sentences", size=6, overlap=1), seed=0)
    >>> sorted(pairs[0])
    ['anchor', 'doc_id', 'passage_id', 'positive']
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from embedlab.data.chunking import check_window, sentence_spans, split_sentences
from embedlab.data.documents import Document, chunk_documents, load_documents
from embedlab.data.records import read_text, suffix_of
from embedlab.errors import InputError, ParameterError

ChunkBy = Literal["sentences", "words"]
Method = Literal["ict", "crop"]

__all__ = [
    "Passage",
    "cropping_pairs",
    "inverse_cloze_pairs",
    "pairs_from_corpus",
    "passages",
    "read_documents",
    "split_sentences",
]


@dataclass(frozen=True)
class Passage:
    """A chunk of a document, with its sentences.

    Attributes:
        id: the chunk id, ``<doc id>#<k>`` (as :func:`embedlab.data.documents.chunk_documents` names chunks).
        doc_id: the id of the source document.
        text: the passage text, exactly ``document.text[start:end]``.
        start, end: the character offsets of the passage in its document.
        sentences: the passage's sentences (exact slices of ``text``).
        spans: the character span of each sentence in ``text``.
    """

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    sentences: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


def _clean_wiki(text: str) -> str:
    """Markup left by gensim's ``filter_wiki``: bold/italic quotes, headings, image captions and empty brackets."""
    text = re.sub(r"'{2,}", "", text)
    # Reference sections are lists of citations, not prose: cut the article at the first of them.
    end = re.search(
        r"^=+\s*(References|Notes|See also|External links|Further reading|Bibliography|Sources)\s*=+", text, flags=re.M
    )
    if end:
        text = text[: end.start()]
    text = re.sub(r"^=+[^=\n]*=+\s*$", "", text, flags=re.M)
    text = re.sub(r"\(\s*[;,]?\s*[;,]?\s*\)", "", text)
    keep = []
    for line in text.splitlines():
        s = line.strip()
        # Captions and list fragments: short lines that do not end like a sentence.
        if s and (len(s) < 60 and not s.endswith((".", "!", "?"))):
            continue
        if s.startswith(("*", "#", "|", "{", "!")) or "ISBN" in s:
            continue
        keep.append(line)
    # One space between words inside a paragraph, a blank line between paragraphs: sentences then read cleanly.
    paragraphs = (" ".join(para.split()) for para in re.split(r"\n\s*\n", "\n".join(keep)))
    return "\n\n".join(p for p in paragraphs if p)


def read_documents(
    path: str | Path,
    *,
    text_column: str = "text",
    id_column: str = "id",
    limit: int | None = None,
    encoding: str | None = None,
) -> list[Document]:
    """Read documents, keeping their ids.

    Args:
        path: a Wikipedia XML dump (``.xml.bz2``/``.xml``; ids are page titles), a ``.txt`` (documents separated by
            blank lines; ids are their numbers from 0, as :func:`embedlab.data.load_documents` numbers rows without
            ids), or a JSONL/JSON/CSV/TSV/Parquet file with ``id_column`` (else row numbers) and ``text_column``.
        text_column: the column holding the document text in tables.
        id_column: the column holding the document id in tables.
        limit: read at most this many documents.
        encoding: the text encoding of ``.txt`` and table files (default UTF-8).

    Example:
        >>> [d.id for d in read_documents("docs.jsonl", limit=2)]  # doctest: +SKIP
        ['d17', 'd18']
    """
    p = Path(path)
    if not p.exists():
        raise InputError("corpus not found", path=p)
    if limit is not None and limit < 1:
        raise ParameterError("limit", f"must be at least 1, got {limit}")
    name = p.name.lower()
    if ".xml" in name:
        docs = _wiki_documents(p, limit)
    elif suffix_of(p) == ".txt":
        blocks = [c.strip() for c in re.split(r"\n\s*\n", read_text(p, encoding=encoding)) if c.strip()]
        docs = [Document(str(i), c) for i, c in enumerate(blocks)]
    else:
        docs = load_documents(p, id_field=id_column, text_field=text_column, encoding=encoding)
    if limit:
        docs = docs[:limit]
    if not docs:
        raise InputError("no documents found", path=p)
    return docs


def _wiki_documents(path: Path, limit: int | None) -> list[Document]:
    import bz2

    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    docs: list[Document] = []
    opener = bz2.BZ2File if path.name.lower().endswith(".bz2") else open
    try:
        with opener(path, "rb") as fh:
            for title, raw, pageid in extract_pages(fh, filter_namespaces=("0",)):
                if raw.lstrip().lower().startswith("#redirect"):
                    continue
                text = _clean_wiki(filter_wiki(raw))
                if len(text) > 200:
                    docs.append(Document(title, text, {"page_id": pageid}))
                if limit and len(docs) >= limit:
                    break
    except (OSError, EOFError, ValueError, SyntaxError) as exc:  # SyntaxError: xml ParseError
        raise InputError(f"cannot read as a Wikipedia XML dump ({exc})", path=path) from None
    return docs


def passages(
    docs: Sequence[Document | tuple[str, str]],
    *,
    by: ChunkBy = "sentences",
    size: int = 6,
    overlap: int = 1,
    min_sentences: int = 2,
) -> list[Passage]:
    """Cut documents into passages with :func:`embedlab.data.documents.chunk_documents` (the one chunker).

    Args:
        docs: documents (or ``(id, text)`` pairs).
        by: ``sentences`` (windows of whole sentences) or ``words`` (windows of ``size`` whitespace words; the
            first and last sentence of a window may be cut).
        size: sentences (or words) per passage.
        overlap: sentences (or words) shared by consecutive passages.
        min_sentences: drop shorter passages (ends of documents).

    Raises:
        ParameterError: an unknown ``by``, ``size`` below 1, ``overlap`` outside ``0..size-1``.

    Example:
        >>> [p.id for p in passages([Document("d", "One. Two. Three.")], size=2, overlap=1, min_sentences=1)]
        ['d#0', 'd#1']
    """
    if by not in ("sentences", "words"):
        raise ParameterError("chunk_by", f"{by!r} is not one of sentences, words")
    check_window(size, overlap)
    out: list[Passage] = []
    for doc in docs:
        if not isinstance(doc, Document):
            doc = Document(str(doc[0]), str(doc[1]))
        sents = sentence_spans(doc.text)
        chunk_by = "sentences" if by == "sentences" else "tokens"
        for chunk in chunk_documents([doc], by=chunk_by, size=size, overlap=overlap):
            spans = []
            for s, e in sents:
                s, e = max(s, chunk.start), min(e, chunk.end)
                if e > s and doc.text[s:e].strip():
                    spans.append((s - chunk.start, e - chunk.start))
            if len(spans) >= min_sentences:
                sentences = tuple(chunk.text[s:e] for s, e in spans)
                out.append(Passage(chunk.id, doc.id, chunk.text, chunk.start, chunk.end, sentences, tuple(spans)))
    return out


def _check_probability(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ParameterError(name, f"must be a probability between 0 and 1, got {value!r}")


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(name, f"must be at least 1, got {value!r}")


def inverse_cloze_pairs(
    passages: Sequence[Passage],
    *,
    queries_per_passage: int = 1,
    keep_sentence: float = 0.1,
    seed: int = 0,
    min_words: int = 5,
) -> list[dict[str, str]]:
    """ICT pairs: a sentence of a passage as pseudo-query, the passage (mostly without the sentence) as positive.

    Args:
        passages: from :func:`passages` (needs at least 3 sentences per passage to leave context).
        queries_per_passage: pseudo-queries drawn per passage (distinct sentences).
        keep_sentence: probability of leaving the sentence in its passage (0..1).
        seed: random seed.
        min_words: sentences shorter than this are not used as queries.

    Returns:
        ``{"anchor", "positive", "doc_id", "passage_id"}`` rows; a kept sentence's positive is exactly the passage
        text, a removed one's is the passage text with that sentence cut out.

    Raises:
        ParameterError: ``keep_sentence`` outside 0..1 (NaN included), ``queries_per_passage`` below 1.
    """
    _check_probability("keep_sentence", keep_sentence)
    _check_count("queries_per_passage", queries_per_passage)
    rng = random.Random(seed)
    pairs = []
    for p in passages:
        if len(p.sentences) < 3:
            continue
        candidates = [i for i, s in enumerate(p.sentences) if len(s.split()) >= min_words]
        for i in rng.sample(candidates, min(queries_per_passage, len(candidates))):
            keep = rng.random() < keep_sentence
            s, e = p.spans[i]
            positive = p.text if keep else f"{p.text[:s].rstrip()} {p.text[e:].lstrip()}".strip()
            pairs.append({"anchor": p.sentences[i], "positive": positive, "doc_id": p.doc_id, "passage_id": p.id})
    return pairs


def cropping_pairs(
    passages: Sequence[Passage],
    *,
    min_ratio: float = 0.1,
    max_ratio: float = 0.5,
    seed: int = 0,
    min_words: int = 8,
) -> list[dict[str, str]]:
    """Independent cropping: two random word spans of one passage (each ``min_ratio``..``max_ratio`` of it)."""
    rng = random.Random(seed)
    pairs = []
    for p in passages:
        words = p.text.split()
        if len(words) < 2 * min_words:
            continue

        def crop(words: list[str] = words) -> str:
            n = max(min_words, int(len(words) * rng.uniform(min_ratio, max_ratio)))
            start = rng.randrange(0, len(words) - n + 1)
            return " ".join(words[start : start + n])

        pairs.append({"anchor": crop(), "positive": crop(), "doc_id": p.doc_id, "passage_id": p.id})
    return pairs


def pairs_from_corpus(
    path: str | Path,
    *,
    method: Method = "ict",
    chunk_by: ChunkBy = "sentences",
    size: int = 6,
    overlap: int = 1,
    queries_per_passage: int = 1,
    keep_sentence: float = 0.1,
    max_docs: int | None = None,
    seed: int = 0,
    text_column: str = "text",
    id_column: str = "id",
    encoding: str | None = None,
) -> list[dict[str, str]]:
    """Read a corpus, chunk it, and make (anchor, positive, doc_id, passage_id) pairs by ICT or cropping.

    ``doc_id`` is the document's own id in ``path`` (its ``id_column``), so pairs join back to the corpus and to an
    index built from it. Every option is checked before the corpus is read.

    Raises:
        ParameterError: an unknown ``method`` or ``chunk_by``, a bad ``size``/``overlap``, ``keep_sentence`` outside
            0..1, ``queries_per_passage`` or ``max_docs`` below 1.
        InputError: an unreadable corpus, or documents too short to make any pair.

    Example:
        >>> pairs = pairs_from_corpus("enwiki-excerpt.xml.bz2", method="ict", max_docs=20)  # doctest: +SKIP
    """
    if method not in ("ict", "crop"):
        raise ParameterError("method", f"{method!r} is not one of ict, crop")
    if chunk_by not in ("sentences", "words"):
        raise ParameterError("chunk_by", f"{chunk_by!r} is not one of sentences, words")
    check_window(size, overlap)
    _check_probability("keep_sentence", keep_sentence)
    _check_count("queries_per_passage", queries_per_passage)
    if max_docs is not None:
        _check_count("max_docs", max_docs)
    docs = read_documents(path, text_column=text_column, id_column=id_column, limit=max_docs, encoding=encoding)
    parts = passages(docs, by=chunk_by, size=size, overlap=overlap)
    if method == "ict":
        pairs = inverse_cloze_pairs(
            parts, queries_per_passage=queries_per_passage, keep_sentence=keep_sentence, seed=seed
        )
    else:
        pairs = cropping_pairs(parts, seed=seed)
    if not pairs:
        raise InputError(
            f"no pairs: the documents are too short for {method} with passages of {size} {chunk_by}", path=path
        )
    return pairs
