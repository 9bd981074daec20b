"""Nearest neighbours: the texts of a corpus closest to a query, with their cosine scores.

The quickest way to see what a model considers similar, and to debug retrieval: if the right passage is not among
the neighbours here, no index or re-ranker downstream will find it.

Example:
    >>> nearest_neighbors("all-MiniLM-L6-v2", ["cats purr", "cars honk"], "kitten", k=1)
    [(0.5..., 'cats purr')]
"""

from __future__ import annotations

import numpy as np

from embedlab.explore.heatmap import cosine_matrix
from embedlab.models.encoder import Encoder, load_encoder


def nearest_neighbors(model: str | Encoder, corpus: list[str], query: str, *, k: int = 10) -> list[tuple[float, str]]:
    """The ``k`` corpus texts most similar to ``query`` by cosine, best first (ties by corpus order).

    Args:
        model: a model argument or a loaded encoder.
        corpus: the texts to search.
        query: the query text.
        k: how many to return.
    """
    enc = load_encoder(model) if isinstance(model, str) else model
    # A search: the query in its query role (prompt or tower), the corpus as documents.
    emb = enc.encode_documents(list(corpus))
    q = enc.encode_queries([query])
    scores = cosine_matrix(q, emb)[0]
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    return [(float(scores[i]), corpus[i]) for i in order]
