"""A 2-D map of texts: embeddings projected to the plane, coloured by label.

UMAP keeps local neighbourhoods (clusters show), t-SNE likewise on small sets, PCA keeps the directions of largest
variance (fast, faithful to global distances, but clusters often overlap). Points of one colour that gather
together mean the model separates that label.

Example:
    >>> coords, fig = text_map("all-MiniLM-L6-v2", texts, labels, method="pca")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from embedlab.errors import InputError
from embedlab.explore.output import short
from embedlab.models.encoder import Encoder, load_encoder

Method = Literal["umap", "tsne", "pca"]


def project(embeddings: np.ndarray, method: Method = "umap", *, seed: int = 42) -> np.ndarray:
    """2-D coordinates of the embeddings."""
    n = len(embeddings)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(embeddings)
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(n_components=2, perplexity=min(30.0, max(2.0, (n - 1) / 3)), random_state=seed).fit_transform(
            embeddings
        )
    from embedlab.utils.optional import require

    umap = require("umap", "eval")
    return umap.UMAP(
        n_components=2, n_neighbors=min(15, max(2, n - 1)), random_state=seed, metric="cosine"
    ).fit_transform(embeddings)


def text_map(
    model: str | Encoder, texts: Sequence[str], labels: Sequence[str] | None = None, *, method: Method = "umap"
) -> tuple[np.ndarray, Any]:
    """Project the texts' embeddings to 2-D and draw them, coloured by label.

    Args:
        model: a model argument or a loaded encoder.
        texts: the texts (at least 4).
        labels: one label per text, or None.
        method: ``umap``, ``tsne`` or ``pca``.
    """
    import plotly.express as px

    if len(texts) < 4:
        raise InputError("a map needs at least 4 texts")
    if labels is not None and len(labels) != len(texts):
        raise InputError(f"{len(labels)} labels for {len(texts)} texts")
    enc = load_encoder(model) if isinstance(model, str) else model
    coords = project(enc.encode(list(texts)), method)
    fig = px.scatter(
        x=coords[:, 0], y=coords[:, 1], color=list(labels) if labels is not None else None,
        hover_name=[short(t, 80) for t in texts], title=f"{enc.name}: {method.upper()} map of {len(texts)} texts",
        labels={"x": f"{method} 1", "y": f"{method} 2", "color": "label"}, template="plotly_white", height=650,
    )  # fmt: skip
    fig.update_traces(marker={"size": 6, "opacity": 0.8})
    return coords, fig
