"""Querying word vectors: nearest neighbours, analogies by vector arithmetic, raw vectors.

Similarity between words is the cosine of their vectors. *Neighbours* of a word are the words with the highest
cosine. An *analogy* "man is to king as woman is to ?" is answered with vector arithmetic: the words nearest to
``king - man + woman`` (3CosAdd, gensim's ``most_similar(positive=[king, woman], negative=[man])``).

A word that is not in the vocabulary raises :class:`~embedlab.errors.UnknownWordError` listing the closest known
spellings (same word in another case first, then the closest strings among the most frequent words).

Example:
    >>> from embedlab.words import load_vectors, similar, analogy
    >>> kv = load_vectors("glove-6B-50d")
    >>> similar(kv, "frog", topn=3)
    >>> analogy(kv, positive=["king", "woman"], negative=["man"], topn=1)
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import ParameterError, UnknownWordError
from embedlab.words.options import ANALOGY_TOPN, SIMILAR_TOPN

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

# difflib over a 400k vocabulary takes seconds; the most frequent words are where a typo's target usually is.
_SUGGEST_POOL = 100_000


def suggest(kv: KeyedVectors, word: str, n: int = 5) -> list[str]:
    """Known words spelled closest to ``word``: case variants first, then difflib's closest matches.

    Example:
        >>> suggest(kv, "Paris")
        ['paris', ...]
    """
    out: list[str] = []
    for variant in (word.lower(), word.capitalize(), word.upper(), word.title()):
        if variant != word and variant in kv.key_to_index and variant not in out:
            out.append(variant)
    pool = kv.index_to_key[:_SUGGEST_POOL]
    for match in difflib.get_close_matches(word.lower(), pool, n=n, cutoff=0.6):
        if match not in out:
            out.append(match)
    return out[:n]


def check_word(kv: KeyedVectors, word: str) -> str:
    """Return ``word`` if the vectors know it (FastText knows every word); raise UnknownWordError otherwise."""
    if word in kv.key_to_index:
        return word
    # FastText vectors build any word from character n-grams.
    from gensim.models.fasttext import FastTextKeyedVectors

    if isinstance(kv, FastTextKeyedVectors) and kv.bucket:
        return word
    raise UnknownWordError(word, suggest(kv, word))


def _load(model: KeyedVectors | str | os.PathLike[str], trust_pickle: bool = False) -> KeyedVectors:
    from embedlab.words.vectors import load_vectors

    return load_vectors(model, trust_pickle=trust_pickle)


def similar(
    model: KeyedVectors | str | os.PathLike[str], word: str, *, topn: int = SIMILAR_TOPN, trust_pickle: bool = False
) -> list[tuple[str, float]]:
    """The ``topn`` nearest words by cosine similarity.

    Args:
        model: KeyedVectors or any model argument of :func:`~embedlab.words.load_vectors`.
        word: the query word.
        topn: how many neighbours.
        trust_pickle: also load pickled gensim files (they can run code; see :func:`load_vectors`).

    Raises:
        UnknownWordError: ``word`` is not in the vocabulary (with suggestions).

    Example:
        >>> similar("glove-6B-50d", "paris", topn=3)
    """
    if topn < 1:
        raise ParameterError("topn", f"must be at least 1, got {topn}")
    kv = _load(model, trust_pickle)
    check_word(kv, word)
    return [(w, float(s)) for w, s in kv.most_similar(word, topn=topn)]


def analogy(
    model: KeyedVectors | str | os.PathLike[str],
    positive: Sequence[str],
    negative: Sequence[str] = (),
    *,
    topn: int = ANALOGY_TOPN,
    trust_pickle: bool = False,
) -> list[tuple[str, float]]:
    """Words nearest to the sum of ``positive`` minus the sum of ``negative`` word vectors (3CosAdd).

    Args:
        model: KeyedVectors or any model argument.
        positive: words added (``king``, ``woman``).
        negative: words subtracted (``man``).
        topn: how many answers; the query words themselves are never returned.
        trust_pickle: also load pickled gensim files.

    Example:
        >>> analogy("glove-6B-50d", ["king", "woman"], ["man"], topn=1)
        [('queen', 0.85...)]
    """
    if not positive:
        raise ParameterError("positive", "give at least one positive word")
    if topn < 1:
        raise ParameterError("topn", f"must be at least 1, got {topn}")
    kv = _load(model, trust_pickle)
    for w in [*positive, *negative]:
        check_word(kv, w)
    return [(w, float(s)) for w, s in kv.most_similar(positive=list(positive), negative=list(negative), topn=topn)]


def vector(
    model: KeyedVectors | str | os.PathLike[str], word: str, *, norm: bool = False, trust_pickle: bool = False
) -> np.ndarray:
    """The vector of ``word`` (unit length with ``norm``).

    Example:
        >>> vector("glove-6B-50d", "cat").shape
        (50,)
    """
    kv = _load(model, trust_pickle)
    check_word(kv, word)
    return np.asarray(kv.get_vector(word, norm=norm))


def similarity(model: KeyedVectors | str | os.PathLike[str], word1: str, word2: str) -> float:
    """Cosine similarity of two words."""
    kv = _load(model)
    check_word(kv, word1)
    check_word(kv, word2)
    return float(kv.similarity(word1, word2))


__all__ = ["analogy", "check_word", "similar", "similarity", "suggest", "vector"]
