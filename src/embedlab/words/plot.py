"""Maps of a word's neighbourhood: the word and its nearest neighbours projected to two dimensions.

The neighbours' vectors (unit length, so distances follow cosine similarity) are projected with t-SNE (keeps local
neighbourhoods), PCA (linear, fast, deterministic) or UMAP (local and some global structure; needs ``umap-learn``).
The map is shifted so the target word sits at the centre, drawn as a star; every neighbour is coloured and sized by
its similarity to the target, and hovering shows the similarity.

Outputs: interactive Plotly HTML (self-contained: plotly.js is embedded, so it opens offline) and static PNG. PNG goes
through Plotly's kaleido, which drives a headless Chrome/Chromium; where none is installed, the PNG is drawn with
matplotlib instead (same layout, static), and the result says which renderer was used.

Example:
    >>> from embedlab.words import plot_neighbors
    >>> plot_neighbors("glove-6B-50d", "frog", neighbors=50, method="pca", out="frog.html")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from embedlab.errors import MissingExtraError, ParameterError
from embedlab.utils.atomic import atomic_path
from embedlab.words.options import METHODS, PLOT_NEIGHBORS

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

Method = Literal["tsne", "pca", "umap"]


@dataclass
class NeighborMap:
    """A word's neighbourhood projected to 2-D.

    Attributes:
        word: the target word (row 0).
        words: the target then its neighbours, nearest first.
        similarity: cosine similarity to the target (1.0 for the target).
        xy: 2-D coordinates, target at (0, 0).
        method: the projection used.
    """

    word: str
    words: list[str]
    similarity: np.ndarray
    xy: np.ndarray
    method: str


def project(vectors: np.ndarray, method: Method = "tsne", *, seed: int = 0) -> np.ndarray:
    """Project row vectors to 2-D with t-SNE, PCA or UMAP.

    Example:
        >>> project(np.random.rand(20, 50), "pca").shape
        (20, 2)
    """
    n = len(vectors)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(vectors)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(max(2, min(30, (n - 1) // 3)))
        return TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=seed, metric="cosine"
        ).fit_transform(vectors)
    if method == "umap":
        from embedlab.utils.optional import require

        umap = require("umap", "eval")
        reducer = umap.UMAP(n_components=2, n_neighbors=min(15, n - 1), metric="cosine", random_state=seed)
        return reducer.fit_transform(vectors)
    raise ParameterError("method", f"unknown projection {method!r} ({', '.join(METHODS)})")


def neighbor_map(
    model: KeyedVectors | str | os.PathLike[str],
    word: str,
    *,
    neighbors: int = PLOT_NEIGHBORS,
    method: Method = "tsne",
    seed: int = 0,
    trust_pickle: bool = False,
) -> NeighborMap:
    """Compute the 2-D map of ``word`` and its ``neighbors`` nearest words (target centred at the origin).

    Raises:
        UnknownWordError: the word is not in the vocabulary.
        ParameterError: too few neighbours, or an unknown method.
    """
    from embedlab.words.query import check_word
    from embedlab.words.vectors import load_vectors

    if method not in METHODS:
        raise ParameterError("method", f"unknown projection {method!r} ({', '.join(METHODS)})")
    if neighbors < 3:
        raise ParameterError("neighbors", f"must be at least 3, got {neighbors}")
    kv = load_vectors(model, trust_pickle=trust_pickle)
    check_word(kv, word)
    near = kv.most_similar(word, topn=neighbors)
    words = [word] + [w for w, _ in near]
    sims = np.array([1.0] + [s for _, s in near], dtype=np.float64)
    vecs = np.stack([kv.get_vector(w, norm=True) for w in words]).astype(np.float64)
    xy = project(vecs, method, seed=seed)
    xy = xy - xy[0]  # the target in the middle of the map
    return NeighborMap(word, words, sims, xy, method)


def figure(nmap: NeighborMap):
    """A Plotly figure of a :class:`NeighborMap`: neighbours coloured and sized by similarity, target as a star."""
    import plotly.graph_objects as go

    sims = nmap.similarity[1:]
    lo, hi = float(sims.min()), float(sims.max())
    size = 8 + 22 * (sims - lo) / (hi - lo if hi > lo else 1.0)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=nmap.xy[1:, 0],
            y=nmap.xy[1:, 1],
            mode="markers+text",
            text=nmap.words[1:],
            textposition="top center",
            textfont={"size": 10},
            marker={
                "size": size,
                "color": sims,
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": "cosine"},
                "line": {"width": 0.5, "color": "white"},
            },
            customdata=sims,
            hovertemplate="<b>%{text}</b><br>similarity %{customdata:.3f}<extra></extra>",
            name="neighbours",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0.0],
            y=[0.0],
            mode="markers+text",
            text=[nmap.word],
            textposition="bottom center",
            textfont={"size": 16, "color": "crimson"},
            marker={"size": 26, "color": "crimson", "symbol": "star", "line": {"width": 1, "color": "black"}},
            hovertemplate=f"<b>{nmap.word}</b> (target)<extra></extra>",
            name=nmap.word,
        )
    )
    extent = float(np.abs(nmap.xy).max()) * 1.1 or 1.0
    fig.update_layout(
        title=f"{len(nmap.words) - 1} nearest neighbours of “{nmap.word}” ({nmap.method.upper()})",
        xaxis={"range": [-extent, extent], "zeroline": False, "showticklabels": False},
        yaxis={"range": [-extent, extent], "zeroline": False, "showticklabels": False, "scaleanchor": "x"},
        showlegend=False,
        template="plotly_white",
        width=900,
        height=800,
    )
    return fig


def _png_matplotlib(nmap: NeighborMap, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sims = nmap.similarity[1:]
    lo, hi = float(sims.min()), float(sims.max())
    size = 30 + 200 * (sims - lo) / (hi - lo if hi > lo else 1.0)
    fig, ax = plt.subplots(figsize=(9, 8), dpi=100)
    sc = ax.scatter(nmap.xy[1:, 0], nmap.xy[1:, 1], c=sims, s=size, cmap="viridis", edgecolors="white")
    for (x, y), w in zip(nmap.xy[1:], nmap.words[1:], strict=True):
        ax.annotate(w, (x, y), fontsize=7, ha="center", va="bottom", xytext=(0, 4), textcoords="offset points")
    ax.scatter([0], [0], marker="*", s=500, c="crimson", edgecolors="black", zorder=3)
    ax.annotate(
        nmap.word,
        (0, 0),
        fontsize=14,
        color="crimson",
        ha="center",
        va="top",
        xytext=(0, -12),
        textcoords="offset points",
    )
    extent = float(np.abs(nmap.xy).max()) * 1.1 or 1.0
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{len(nmap.words) - 1} nearest neighbours of “{nmap.word}” ({nmap.method.upper()})")
    fig.colorbar(sc, ax=ax, label="cosine")
    fig.savefig(path, format="png")
    plt.close(fig)


def save_figure(nmap: NeighborMap, out: str | os.PathLike[str]) -> tuple[Path, str]:
    """Write the map to ``.html`` (self-contained Plotly) or ``.png``; returns (path, renderer).

    The renderer is ``plotly`` for HTML, ``kaleido`` for PNG through Plotly, or ``matplotlib`` when kaleido cannot
    run (it needs a Chrome/Chromium).
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".png"):
        raise ParameterError("out", f"{path}: use a .html (interactive) or .png (static) file name")
    fig = figure(nmap)
    if suffix in (".html", ".htm"):
        with atomic_path(path) as tmp:
            fig.write_html(str(tmp), include_plotlyjs=True, full_html=True)
        return path, "plotly"
    try:
        with atomic_path(path) as tmp:
            fig.write_image(str(tmp), format="png", scale=1)
        return path, "kaleido"
    except Exception as exc:  # kaleido needs Chrome; without one, draw the same map with matplotlib
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise MissingExtraError(
                f"{path}: PNG export needs a Chrome/Chromium for kaleido ({str(exc).splitlines()[0][:80]}) or "
                "matplotlib (pip install matplotlib); an .html map works without either"
            ) from exc
        with atomic_path(path) as tmp:
            _png_matplotlib(nmap, tmp)
        return path, "matplotlib"


def plot_neighbors(
    model: KeyedVectors | str | os.PathLike[str],
    word: str,
    *,
    neighbors: int = PLOT_NEIGHBORS,
    method: Method = "tsne",
    out: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = "neighbors.html",
    seed: int = 0,
    trust_pickle: bool = False,
) -> list[tuple[Path, str]]:
    """Map ``word`` and its nearest neighbours in 2-D and write it to one or more files (.html and/or .png).

    Args:
        model: KeyedVectors or any model argument of :func:`~embedlab.words.load_vectors`.
        word: the target word.
        neighbors: how many nearest neighbours to show.
        method: ``tsne``, ``pca`` or ``umap``.
        out: output file name(s); the suffix picks the format.
        seed: random seed of the projection.
        trust_pickle: also load pickled gensim files (they can run code).

    Returns:
        ``[(path, renderer), ...]``.

    Example:
        >>> plot_neighbors("glove-6B-50d", "frog", neighbors=60, method="pca", out=["frog.html", "frog.png"])
    """
    outs = [out] if isinstance(out, (str, os.PathLike)) else list(out)
    nmap = neighbor_map(model, word, neighbors=neighbors, method=method, seed=seed, trust_pickle=trust_pickle)
    return [save_figure(nmap, o) for o in outs]
