"""Training pairs from unlabeled documents, with no labels and no LLM.

Two self-supervised recipes from the dense-retrieval literature turn plain documents into (anchor, positive) pairs
for MultipleNegativesRankingLoss:

* **Inverse cloze task** (ICT, Lee et al. 2019): cut documents into passages; take one sentence of a passage as a
  pseudo-query and the passage as its positive. The sentence is removed from the passage most of the time (so the
  model must learn topic, not string overlap) and kept with probability ``keep_sentence`` (so it also learns that
  exact matches are relevant).
* **Independent cropping** (Contriever, Izacard et al. 2021): two random spans of one document are a positive pair.

Documents are first chunked into passages by sentences or by words, with overlap, so positives fit the model.
Every pair carries a ``doc_id`` (the passage it came from) so :mod:`embedlab.data.split` can keep all pairs of one
passage in one split.

Readers: plain text (documents separated by blank lines), JSONL/CSV with a text column (via
:func:`embedlab.data.load_texts`), and Wikipedia XML dumps (``.xml.bz2``, via gensim's ``extract_pages`` and
``filter_wiki``), such as the excerpt bundled with gensim.

Example:
    >>> docs = read_documents(gensim_wiki_excerpt)  # doctest: +SKIP
    >>> passages = chunk_documents(docs, by="sentences", size=6, overlap=1)
    >>> pairs = inverse_cloze_pairs(passages, seed=0)
    >>> pairs[0].keys()
    dict_keys(['anchor', 'positive', 'doc_id'])
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from embedlab.errors import InputError, OptionError

ChunkBy = Literal["sentences", "words"]
Method = Literal["ict", "crop"]

# A sentence ends at . ! ? (optionally followed by a closing quote/bracket) before whitespace and a capital/digit.
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|etc|e\.g|i\.e|cf|Fig|No|Vol|ca|c)\.$")


@dataclass(frozen=True)
class Passage:
    """A chunk of a document: its id (``doc#k``), the source document's title and its sentences."""

    id: str
    title: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences with a small rule-based splitter (no model download needed).

    Handles common abbreviations (Mr., e.g., ...) and initials; good enough for chunking and ICT, where a rare
    wrong split only makes a slightly shorter pseudo-query.
    """
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        if not para:
            continue
        start = 0
        for m in _SENT_END.finditer(para):
            piece = para[start : m.start() + 1].strip()
            # Do not split after an abbreviation or a single initial ("J. R. R. Tolkien").
            if _ABBREV.search(piece) or re.search(r"\b[A-Z]\.$", piece):
                continue
            if piece:
                out.append(para[start : m.end()].strip())
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out


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
    return re.sub(r"\n{3,}", "\n\n", "\n".join(keep)).strip()


def read_documents(path: str | Path, *, text_column: str = "text", limit: int | None = None) -> list[tuple[str, str]]:
    """Read documents as ``(title, text)``.

    Args:
        path: a Wikipedia XML dump (``.xml.bz2``/``.xml``), a ``.txt`` (documents separated by blank lines), or a
            JSONL/CSV/Parquet file with ``text_column``.
        text_column: the column holding the document text in tables.
        limit: read at most this many documents.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("corpus not found", path=p)
    name = p.name.lower()
    docs: list[tuple[str, str]] = []
    if ".xml" in name:
        import bz2

        from gensim.corpora.wikicorpus import extract_pages, filter_wiki

        opener = bz2.BZ2File if name.endswith(".bz2") else open
        with opener(p, "rb") as fh:
            for title, raw, _pageid in extract_pages(fh, filter_namespaces=("0",)):
                if raw.lstrip().lower().startswith("#redirect"):
                    continue
                text = _clean_wiki(filter_wiki(raw))
                if len(text) > 200:
                    docs.append((title, text))
                if limit and len(docs) >= limit:
                    break
    elif p.suffix.lower() == ".txt":
        chunks = [c.strip() for c in re.split(r"\n\s*\n", p.read_text(encoding="utf-8")) if c.strip()]
        docs = [(f"doc{i}", c) for i, c in enumerate(chunks)]
    else:
        from embedlab.data import load_texts

        docs = [(f"doc{i}", t) for i, t in enumerate(load_texts(p, text_column=text_column))]
    if limit:
        docs = docs[:limit]
    if not docs:
        raise InputError("no documents found", path=p)
    return docs


def chunk_documents(
    docs: list[tuple[str, str]], *, by: ChunkBy = "sentences", size: int = 6, overlap: int = 1, min_sentences: int = 2
) -> list[Passage]:
    """Cut documents into passages of ``size`` sentences (or about ``size`` words), overlapping by ``overlap``.

    Args:
        docs: ``(title, text)`` pairs.
        by: ``sentences`` (whole sentences) or ``words`` (windows of ``size`` words, cut at sentence ends where the
            window allows: a window holds the sentences whose first word falls inside it).
        size: sentences (or words) per passage.
        overlap: sentences (or words) shared by consecutive passages.
        min_sentences: drop shorter passages (ends of documents).
    """
    if size < 1 or overlap < 0 or overlap >= size:
        raise OptionError("--overlap", f"need 0 <= overlap < size (got size {size}, overlap {overlap})")
    out: list[Passage] = []
    for d, (title, text) in enumerate(docs):
        sents = split_sentences(text)
        groups: list[list[str]] = []
        if by == "sentences":
            step = size - overlap
            for start in range(0, len(sents), step):
                groups.append(sents[start : start + size])
                if start + size >= len(sents):
                    break
        else:
            starts, n = [], 0
            for s in sents:
                starts.append(n)
                n += len(s.split())
            step = size - overlap
            for w0 in range(0, max(n, 1), step):
                group = [s for s, st in zip(sents, starts, strict=True) if w0 <= st < w0 + size]
                if group:
                    groups.append(group)
                if w0 + size >= n:
                    break
        for k, g in enumerate(groups):
            if len(g) >= min_sentences:
                out.append(Passage(f"{d}#{k}", title, tuple(g)))
    return out


def inverse_cloze_pairs(
    passages: list[Passage],
    *,
    queries_per_passage: int = 1,
    keep_sentence: float = 0.1,
    seed: int = 0,
    min_words: int = 5,
) -> list[dict[str, str]]:
    """ICT pairs: a sentence of a passage as pseudo-query, the passage (mostly without the sentence) as positive.

    Args:
        passages: from :func:`chunk_documents` (needs at least 3 sentences per passage to leave context).
        queries_per_passage: pseudo-queries drawn per passage (distinct sentences).
        keep_sentence: probability of leaving the sentence in its passage.
        seed: random seed.
        min_words: sentences shorter than this are not used as queries.
    """
    rng = random.Random(seed)
    pairs = []
    for p in passages:
        if len(p.sentences) < 3:
            continue
        candidates = [i for i, s in enumerate(p.sentences) if len(s.split()) >= min_words]
        for i in rng.sample(candidates, min(queries_per_passage, len(candidates))):
            keep = rng.random() < keep_sentence
            context = p.sentences if keep else p.sentences[:i] + p.sentences[i + 1 :]
            pairs.append({"anchor": p.sentences[i], "positive": " ".join(context), "doc_id": p.id})
    return pairs


def cropping_pairs(
    passages: list[Passage], *, min_ratio: float = 0.1, max_ratio: float = 0.5, seed: int = 0, min_words: int = 8
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

        pairs.append({"anchor": crop(), "positive": crop(), "doc_id": p.id})
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
) -> list[dict[str, str]]:
    """Read a corpus, chunk it, and make (anchor, positive, doc_id) pairs by ICT or cropping.

    Example:
        >>> pairs = pairs_from_corpus("enwiki-excerpt.xml.bz2", method="ict", max_docs=20)  # doctest: +SKIP
    """
    docs = read_documents(path, text_column=text_column, limit=max_docs)
    passages = chunk_documents(docs, by=chunk_by, size=size, overlap=overlap)
    if method == "ict":
        pairs = inverse_cloze_pairs(
            passages, queries_per_passage=queries_per_passage, keep_sentence=keep_sentence, seed=seed
        )
    else:
        pairs = cropping_pairs(passages, seed=seed)
    if not pairs:
        raise InputError(
            f"no pairs: the documents are too short for {method} with passages of {size} {chunk_by}", path=path
        )
    return pairs
