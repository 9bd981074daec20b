"""Cosine-similarity heatmap of a list of sentences: the first picture of what an embedding model "sees".

Paraphrases light up, unrelated sentences stay dark; averaged word vectors tend to light up everything that shares
words, a trained sentence model separates meaning from word overlap.

Example:
    >>> sims, fig = similarity_heatmap("all-MiniLM-L6-v2", ["A man eats.", "Someone is eating.", "The sky is blue."])
    >>> sims.shape
    (3, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab.errors import InputError
from embedlab.explore.output import short
from embedlab.models.encoder import Encoder, load_encoder


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (zero vectors give 0)."""
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    a = np.divide(a, na, out=np.zeros_like(a), where=na > 0)
    b = np.divide(b, nb, out=np.zeros_like(b), where=nb > 0)
    return a @ b.T


def similarity_heatmap(model: str | Encoder, sentences: list[str]) -> tuple[np.ndarray, Any]:
    """The cosine-similarity matrix of ``sentences`` and a plotly heatmap of it.

    Args:
        model: a model argument or a loaded :class:`~embedlab.models.encoder.Encoder`.
        sentences: two or more texts.
    """
    import plotly.graph_objects as go

    if len(sentences) < 2:
        raise InputError("a heatmap needs at least two sentences")
    enc = load_encoder(model) if isinstance(model, str) else model
    emb = enc.encode(list(sentences))
    sims = cosine_matrix(emb, emb)
    labels = [f"{i + 1}. {short(s)}" for i, s in enumerate(sentences)]
    fig = go.Figure(
        go.Heatmap(
            z=sims, x=labels, y=labels, colorscale="Viridis", zmin=min(0.0, float(sims.min())), zmax=1.0,
            text=np.round(sims, 2), texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}<br>cosine %{z:.3f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        title=f"Cosine similarity: {enc.name}", yaxis_autorange="reversed", height=250 + 30 * len(sentences),
        width=350 + 30 * len(sentences), template="plotly_white",
    )  # fmt: skip
    return sims, fig
