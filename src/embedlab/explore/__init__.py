"""Exploration tools for learning and debugging embeddings.

* :func:`similarity_heatmap`: cosine-similarity heatmap of sentences.
* :func:`contextual_similarity`: one word's contextual vectors across sentences vs a static vector.
* :func:`pooling_comparison`: CLS and mean pooling of a raw transformer vs a sentence-trained model on STS.
* :func:`nearest_neighbors`: the corpus texts closest to a query.
* :func:`text_map`: a 2-D UMAP/t-SNE/PCA map of texts coloured by label.
* :func:`batch_similarity`: a batch's question x answer softmax matrix, model by model (before/after training).

Each plotting function returns a plotly figure; :func:`embedlab.explore.output.save_plot` writes HTML and PNG.

Example:
    >>> from embedlab.explore import similarity_heatmap
    >>> sims, fig = similarity_heatmap("all-MiniLM-L6-v2", ["A cat sleeps.", "A kitten naps.", "Stocks fell."])
"""

from __future__ import annotations

from embedlab.explore.batch_similarity import batch_figure, batch_similarity
from embedlab.explore.contextual import contextual_similarity
from embedlab.explore.heatmap import similarity_heatmap
from embedlab.explore.map import text_map
from embedlab.explore.neighbors import nearest_neighbors
from embedlab.explore.pooling import pooling_comparison

__all__ = [
    "batch_figure",
    "batch_similarity",
    "contextual_similarity",
    "nearest_neighbors",
    "pooling_comparison",
    "similarity_heatmap",
    "text_map",
]
