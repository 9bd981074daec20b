"""Cross-encoder rerankers: train one from (query, passage) data, score pairs, rerank candidates.

Example:
    >>> from embedlab.rerank import load_cross_encoder, rerank, train_reranker
    >>> train_reranker("aims_qa/train_dataset.json", "my-reranker")
    >>> rerank(load_cross_encoder("my-reranker"), "who wrote hamlet", ["...", "..."])
"""

from __future__ import annotations

from embedlab.rerank.recipe import RerankRecipe, load_rerank_recipe
from embedlab.rerank.score import load_cross_encoder, rerank, score_pairs
from embedlab.rerank.train import split_by_passage, train_reranker

__all__ = [
    "RerankRecipe",
    "load_cross_encoder",
    "load_rerank_recipe",
    "rerank",
    "score_pairs",
    "split_by_passage",
    "train_reranker",
]
