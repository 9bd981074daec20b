"""Streaming corpus readers: raw text documents from files, folders, globs, compressed files, JSONL and Wikipedia.

A corpus is never loaded whole: a :class:`Corpus` is a *re-iterable* stream of documents (raw text strings), read
again from disk on each pass, which is what gensim's word2vec needs (one pass to build the vocabulary, one per
epoch). Sources may be mixed:

* plain text files, one document per line (very long lines are cut at whitespace every ~1 MB, so a one-line corpus
  such as text8 streams too),
* folders (every non-hidden file inside, recursively, in sorted order) and glob patterns (``data/**/*.txt``),
* ``.gz`` and ``.bz2`` compressed files,
* JSON Lines (``.jsonl``/``.ndjson``) with the text under ``text_field`` (dotted paths like ``meta.body`` work),
* Wikipedia XML dumps (``*.xml``, ``*.xml.bz2``): articles are read with gensim's ``wikicorpus`` machinery (the
  page extraction, markup filter, namespace and redirect rules and minimum length that ``WikiCorpus`` applies).

Example:
    >>> from embedlab.words import Corpus
    >>> corpus = Corpus(["notes/*.txt", "dump.xml.bz2"])
    >>> for doc in corpus:
    ...     print(doc[:80])
"""

from __future__ import annotations

import bz2
import glob
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from embedlab.data import records
from embedlab.errors import InputError, OptionError

SourceFormat = Literal["auto", "text", "jsonl", "wiki"]
_MAX_LINE = 1 << 20  # characters: longer lines are cut at whitespace so one-line corpora still stream
_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


def _strip_compression(path: Path) -> str:
    name = path.name.lower()
    for ext in (".gz", ".bz2"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def detect_source_format(path: str | os.PathLike[str]) -> Literal["text", "jsonl", "wiki"]:
    """Tell a source file's format from its name: ``jsonl``, ``wiki`` (XML dump) or ``text``.

    Example:
        >>> detect_source_format("enwiki-latest-pages-articles.xml.bz2")
        'wiki'
    """
    name = _strip_compression(Path(path))
    if name.endswith(_JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(".xml") or "pages-articles" in name:
        return "wiki"
    return "text"


def open_text(path: str | os.PathLike[str], *, encoding: str | None = None) -> AbstractContextManager[IO[str]]:
    """Open a text file for reading, decompressing ``.gz``/``.bz2`` on the fly: embedlab's one decoder
    (:func:`embedlab.data.records.open_text`). UTF-8 (with or without a byte-order mark) unless ``encoding`` says
    otherwise; a byte that does not decode, a binary or a UTF-16 file is an :class:`InputError` naming the file (and
    the byte offset) instead of junk words in the vocabulary."""
    return records.open_text(path, encoding=encoding)


def expand_sources(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand files, folders and glob patterns into the list of files to read, in a stable order.

    Raises:
        InputError: a source matches no file, or there is no source at all.

    Example:
        >>> expand_sources(["corpus/", "extra/*.txt.gz"])
    """
    files: list[Path] = []
    for source in sources:
        raw = os.fspath(source)
        p = Path(raw).expanduser()
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise InputError("folder has no files", path=p)
            files.extend(found)
        elif glob.has_magic(raw):
            found = sorted(Path(f) for f in glob.glob(os.path.expanduser(raw), recursive=True) if Path(f).is_file())
            if not found:
                raise InputError("no file matches this pattern", path=raw)
            files.extend(found)
        else:
            raise InputError("corpus file not found", path=p)
    if not files:
        raise InputError("no corpus given")
    return files


def _text_documents(path: Path, encoding: str | None = None) -> Iterator[str]:
    with open_text(path, encoding=encoding) as fh:
        while True:
            line = fh.readline(_MAX_LINE)
            if not line:
                return
            while len(line) >= _MAX_LINE and not line.endswith("\n"):
                # A very long line: emit up to its last whitespace and carry the rest over.
                cut = max(line.rfind(" "), line.rfind("\t"))
                if cut <= 0:
                    cut = len(line)
                yield line[:cut]
                line = line[cut:] + fh.readline(_MAX_LINE)
            if line.strip():
                yield line.rstrip("\n")


def _get_field(obj: object, field: str) -> object:
    for part in field.split("."):
        if not isinstance(obj, dict) or part not in obj:
            raise KeyError(part)
        obj = obj[part]
    return obj


def _jsonl_documents(path: Path, text_field: str | None, encoding: str | None = None) -> Iterator[str]:
    if not text_field:
        raise OptionError("--text-field", f"{path} is JSON Lines: say which field holds the text")
    for line_no, obj in records.iter_jsonl(path, encoding=encoding):
        try:
            value = _get_field(obj, text_field)
        except KeyError:
            raise InputError(f"no field {text_field!r} in this record", path=path, line=line_no) from None
        if value is None:
            continue
        if not isinstance(value, str):
            raise InputError(f"field {text_field!r} is a {type(value).__name__}, not text", path=path, line=line_no)
        yield value


def _wiki_documents(path: Path) -> Iterator[str]:
    """Articles of a MediaWiki XML dump as plain text, with the same rules as gensim's ``WikiCorpus``."""
    from gensim.corpora import wikicorpus as wc

    try:
        with bz2.open(path, "rb") if path.name.endswith(".bz2") else open(path, "rb") as fh:
            for title, text, _pageid in wc.extract_pages(fh, filter_namespaces=("0",)):
                if any(title.startswith(ns + ":") for ns in wc.IGNORED_NAMESPACES):
                    continue
                plain = wc.filter_wiki(text)
                if plain.lstrip().lower().startswith("#redirect") or len(plain.split()) < wc.ARTICLE_MIN_WORDS:
                    continue
                yield plain
    except (OSError, EOFError, ValueError) as exc:  # ValueError: gensim's "not a MediaWiki namespace"
        raise InputError(f"cannot read as a Wikipedia XML dump ({exc})", path=path) from exc
    except SyntaxError as exc:  # xml.etree.ElementTree.ParseError
        raise InputError(f"malformed Wikipedia XML ({exc})", path=path) from exc


def iter_documents(
    path: str | os.PathLike[str],
    *,
    format: SourceFormat = "auto",
    text_field: str | None = None,
    encoding: str | None = None,
) -> Iterator[str]:
    """Stream the documents of one file.

    Args:
        path: the file.
        format: ``text`` (one document per line), ``jsonl``, ``wiki`` or ``auto`` (from the name).
        text_field: the JSONL field holding the text (dotted for nested objects).
        encoding: the text encoding of text and JSONL files (default UTF-8, see :func:`open_text`).

    Example:
        >>> next(iter_documents("reviews.jsonl.gz", text_field="body"))
    """
    p = Path(path)
    fmt = detect_source_format(p) if format == "auto" else format
    if fmt == "jsonl":
        yield from _jsonl_documents(p, text_field, encoding)
    elif fmt == "wiki":
        yield from _wiki_documents(p)
    elif fmt == "text":
        yield from _text_documents(p, encoding)
    else:
        raise OptionError("--format", f"unknown corpus format {format!r} (auto, text, jsonl, wiki)")


@dataclass
class Corpus:
    """A re-iterable stream of raw text documents from one or more sources.

    Attributes:
        sources: files, folders and glob patterns (expanded once, on creation).
        format: force one format for every file (``auto`` detects each from its name).
        text_field: the text field of JSONL sources.
        limit: stop after this many documents (handy for quick runs).
        encoding: the text encoding of text and JSONL sources (default UTF-8; see :func:`open_text`).

    Example:
        >>> corpus = Corpus(["wiki.xml.bz2"], limit=100)
        >>> sum(1 for _ in corpus)
        100
    """

    sources: Sequence[str | os.PathLike[str]]
    format: SourceFormat = "auto"
    text_field: str | None = None
    limit: int | None = None
    encoding: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.sources, (str, os.PathLike)):
            self.sources = [self.sources]
        if self.format not in ("auto", "text", "jsonl", "wiki"):
            raise OptionError("--format", f"unknown corpus format {self.format!r} (auto, text, jsonl, wiki)")
        if self.limit is not None and self.limit < 1:
            raise OptionError("--limit", f"must be at least 1, got {self.limit}")
        self.files = expand_sources(self.sources)
        if self.text_field is None and self.format in ("auto", "jsonl"):
            jsonl = [f for f in self.files if self.format == "jsonl" or detect_source_format(f) == "jsonl"]
            if jsonl:
                raise OptionError("--text-field", f"{jsonl[0]} is JSON Lines: say which field holds the text")

    def __iter__(self) -> Iterator[str]:
        count = 0
        for path in self.files:
            for doc in iter_documents(path, format=self.format, text_field=self.text_field, encoding=self.encoding):
                yield doc
                count += 1
                if self.limit is not None and count >= self.limit:
                    return

    def size_bytes(self) -> int:
        """Total size on disk of the files (compressed size for compressed files), for progress estimates."""
        return sum(f.stat().st_size for f in self.files)
