"""Static word embeddings: read a corpus, clean it, train word2vec/FastText, query, evaluate and plot.

Example:
    >>> from embedlab.words import load_vectors
    >>> kv = load_vectors("glove-6B-50d")
    >>> kv.most_similar("king", topn=3)
"""

from __future__ import annotations

from embedlab.words.vectors import detect_format, load_vectors

__all__ = ["detect_format", "load_vectors"]
