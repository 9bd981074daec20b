"""Text preprocessing for word embeddings: from raw text to sentences of tokens.

The classic word2vec clean-up, as a configurable pipeline (each step can be switched off):

1. **strip links**: URLs, e-mail addresses and HTML tags go (they are noise for word vectors);
2. **split sentences**: at ``.``, ``!``, ``?`` followed by white space, and at line breaks (word2vec's context
   window should not run across sentences);
3. **lowercase**;
4. **strip special characters**: everything but letters becomes a space. Unicode letters are kept (``café``,
   ``Zürich``); ``ascii_only`` reproduces the classic ``re.sub("[^a-zA-Z ]", " ", text)``; ``keep_digits`` keeps
   numbers;
5. **normalise white space and tokenise**: split on runs of white space;
6. **remove stop words**: gensim's list, scikit-learn's, NLTK's (when its data is installed), a file of your own,
   or none. ``auto`` takes NLTK's when present, gensim's otherwise (both work offline);
7. **length filter**: drop tokens shorter than ``min_len`` or longer than ``max_len`` characters.

Everything is plain ``re`` and ``str`` work on whole sentences (no per-character Python), which is why it runs an
order of magnitude faster than the regex + ``nltk.word_tokenize`` + stop-word filter pipeline it reproduces.

Example:
    >>> from embedlab.words import Preprocessor
    >>> Preprocessor(stopwords="none").sentences("Café in Zürich! See https://x.org. It's 9am.")
    [['café', 'in', 'zürich'], ['see'], ['it', 's', 'am']]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from embedlab.errors import InputError, ParameterError

StopwordSource = Literal["auto", "gensim", "sklearn", "nltk", "none"]

# A URL ends before trailing punctuation, so "see https://x.org." still ends its sentence.
_URLS = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]]", re.IGNORECASE)
_EMAILS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_TAGS = re.compile(r"<[^<>\n]{1,200}>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
# When special characters are stripped anyway the end mark may go with the break: a simpler, faster pattern.
_SENTENCE_END_STRIP = re.compile(r"[.!?]\s+|\n")


def strip_links(text: str) -> str:
    """Remove URLs, e-mail addresses and HTML tags (each regex only runs when its marker occurs: they are costly).

    Example:
        >>> strip_links("see https://x.org. or <b>me@x.org</b>")
        'see  . or    '
    """
    if "://" in text or "www." in text or "WWW." in text:
        text = _URLS.sub(" ", text)
    if "@" in text:
        text = _EMAILS.sub(" ", text)
    if "<" in text:
        text = _TAGS.sub(" ", text)
    return text


# Letters only: \w minus digits and underscore, so Unicode letters stay. Line breaks survive the cleaning: they
# mark the sentence boundaries while the whole document is cleaned in one regex pass.
_NOT_LETTER = re.compile(r"(?:[^\w\n]|[\d_])+")
_NOT_LETTER_OR_DIGIT = re.compile(r"(?:[^\w\n]|_)+")
_NOT_ASCII_LETTER = re.compile(r"[^a-zA-Z\n]+")
_NOT_ASCII_ALNUM = re.compile(r"[^a-zA-Z0-9\n]+")
# After lowercasing, an upper-case "Q" cannot occur in the text, so it can mark sentence ends instead of a line
# break, and the simpler (faster) character classes below apply.
_MARK = "Q"
_FAST_CLEAN = {
    (False, False): re.compile(r"[\W\d_]+"),
    (False, True): re.compile(r"[\W_]+"),
    (True, False): re.compile(r"[^a-zA-Z]+"),
    (True, True): re.compile(r"[^a-zA-Z0-9]+"),
}


def split_sentences(text: str) -> list[str]:
    """Split text at sentence ends (``.``, ``!``, ``?`` then white space) and at line breaks.

    A deliberately simple rule (no abbreviation list), the same on both sides of the NLTK comparison benchmark
    because NLTK's punkt model is not available offline.

    Example:
        >>> split_sentences("One. Two!\\nThree")
        ['One.', 'Two!', 'Three']
    """
    return [s for s in _SENTENCE_END.split(text) if s]


def nltk_stopwords(language: str = "english") -> frozenset[str] | None:
    """NLTK's stop-word list when the NLTK data is installed (``NLTK_DATA``), else None."""
    try:
        import nltk
        from nltk.corpus import stopwords
    except ImportError:
        return None
    try:
        nltk.data.find("corpora/stopwords")
    except LookupError:
        return None
    return frozenset(stopwords.words(language))


def load_stopwords(source: StopwordSource | str | os.PathLike[str]) -> tuple[frozenset[str], str]:
    """A stop-word list by name (``gensim``, ``sklearn``, ``nltk``, ``none``, ``auto``) or from a file.

    A file has one word per line (``#`` comments allowed). ``auto`` is NLTK's list when its data is installed,
    gensim's otherwise.

    Returns:
        ``(words, name of the list used)``.

    Raises:
        ParameterError: an unknown name, or ``nltk`` without its data.
        InputError: a file that does not exist.

    Example:
        >>> words, used = load_stopwords("gensim")
        >>> "the" in words, used
        (True, 'gensim')
    """
    name = os.fspath(source)
    if name == "none":
        return frozenset(), "none"
    if name in ("auto", "nltk"):
        words = nltk_stopwords()
        if words is not None:
            return words, "nltk"
        if name == "nltk":
            raise ParameterError(
                "stopwords", "NLTK's stop words are not installed (set NLTK_DATA to a folder with corpora/stopwords)"
            )
        name = "gensim"
    if name == "gensim":
        from gensim.parsing.preprocessing import STOPWORDS

        return frozenset(STOPWORDS), "gensim"
    if name == "sklearn":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS), "sklearn"
    path = Path(name).expanduser()
    if path.is_file():
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#")), str(path)
    if os.sep in name or "." in name:
        raise InputError("stop-word file not found", path=path)
    raise ParameterError("stopwords", f"unknown list {name!r} (auto, gensim, sklearn, nltk, none, or a file)")


@dataclass
class Preprocessor:
    """A configurable raw-text-to-tokens pipeline (see the module docstring for the steps).

    Attributes:
        lowercase: lowercase the text.
        strip_links: remove URLs, e-mail addresses and HTML tags.
        strip_special: replace everything but letters (and digits with ``keep_digits``) with white space.
        ascii_only: keep only ASCII letters (the classic ``[^a-zA-Z ]`` cleaning); Unicode letters otherwise.
        keep_digits: keep digits as part of tokens.
        stopwords: ``auto``, ``gensim``, ``sklearn``, ``nltk``, ``none``, or a file with one word per line.
        split_sentences: split documents into sentences (else one token list per document).
        min_len: drop shorter tokens.
        max_len: drop longer tokens.

    Example:
        >>> p = Preprocessor(stopwords="gensim", min_len=2)
        >>> p.tokens("The cat sat on the mat.")
        ['cat', 'sat', 'mat']
    """

    lowercase: bool = True
    strip_links: bool = True
    strip_special: bool = True
    ascii_only: bool = False
    keep_digits: bool = False
    stopwords: str = "auto"
    split_sentences: bool = True
    min_len: int = 1
    max_len: int = 50
    stopword_list: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if self.min_len < 1:
            raise ParameterError("min_len", f"must be at least 1, got {self.min_len}")
        if self.max_len < self.min_len:
            raise ParameterError("max_len", f"must be at least min_len ({self.min_len}), got {self.max_len}")
        self._stop, self.stopword_list = load_stopwords(self.stopwords)
        if self.ascii_only:
            self._clean = _NOT_ASCII_ALNUM if self.keep_digits else _NOT_ASCII_LETTER
        else:
            self._clean = _NOT_LETTER_OR_DIGIT if self.keep_digits else _NOT_LETTER
        # Without lowercasing, stop words are matched in lower case anyway.
        self._stop_lower = not self.lowercase

    def sentences(self, text: str) -> list[list[str]]:
        """Clean and tokenise one document into sentences of tokens (empty sentences dropped).

        Example:
            >>> Preprocessor(stopwords="none").sentences("Hello world. Bye!")
            [['hello', 'world'], ['bye']]
        """
        # Whole-document passes (one regex each) with sentence ends turned into line breaks, then one split per
        # sentence: far fewer Python-level steps than cleaning sentence by sentence.
        if self.strip_links:
            text = strip_links(text)
        if self.lowercase:
            text = text.lower()
            mark, clean = _MARK, _FAST_CLEAN[(self.ascii_only, self.keep_digits)]
        else:
            mark, clean = "\n", self._clean
        if self.split_sentences:
            text = (_SENTENCE_END_STRIP if self.strip_special else _SENTENCE_END).sub(mark, text)
        else:
            text = text.replace("\n", " ")
        if self.strip_special:
            text = clean.sub(" ", text)
        stop, lo, hi = self._stop, self.min_len, self.max_len
        out = []
        for line in text.split(mark):
            tokens = line.split()
            if not tokens:
                continue
            if self._stop_lower:
                tokens = [t for t in tokens if lo <= len(t) <= hi and t.lower() not in stop]
            elif lo == 1 and hi >= 1000:
                tokens = [t for t in tokens if t not in stop]
            else:
                tokens = [t for t in tokens if lo <= len(t) <= hi and t not in stop]
            if tokens:
                out.append(tokens)
        return out

    def tokens(self, text: str) -> list[str]:
        """All tokens of one document, sentence boundaries dropped."""
        return [t for s in self.sentences(text) for t in s]

    def __call__(self, documents: Iterable[str]) -> Iterator[list[str]]:
        """Stream the sentences of many documents."""
        for doc in documents:
            yield from self.sentences(doc)

    def options(self) -> dict[str, Any]:
        """The settings as a JSON-able dict (with the stop-word list actually used)."""
        return asdict(self)
