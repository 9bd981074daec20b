"""A reranker run's settings: every option of ``embedlab rerank train`` and :func:`train_reranker`, with its
default, in one dataclass (the CLI and Python read the defaults from here), saved as ``recipe.toml`` beside the run.

Example recipe::

    data = "../shared/data/aims_qa/train_dataset.json"
    loss = "bce"
    num_negatives = 5
    epochs = 2
    corpus_queries = 1
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from embedlab.errors import ParameterError
from embedlab.train.recipe import check_types, override, read_recipe_file

RerankLoss = Literal["bce", "listnet", "lambda"]
Head = Literal["mean", "cls"]


@dataclass
class RerankRecipe:
    """Everything that decides a reranker run.

    Attributes:
        data: IR training data (file or folder for :func:`embedlab.data.load_ir`).
        output: the output folder (the reranker, ``recipe.toml``, ``metrics.json``, ``curves.csv``, ``README.md``).
        model: starting weights: a transformer or sentence-transformers folder, alias or hub id.
        bi_encoder: the first-stage model: mines negatives, retrieves the candidates the evaluation reranks.
        loss: ``bce`` (pairs with 0/1 labels), ``listnet`` or ``lambda`` (listwise over positive + negatives).
        num_negatives: mined negatives per (query, positive).
        epochs, batch_size, learning_rate, seed: the usual (batch: pairs for bce, lists for listwise).
        max_length: tokens of query + passage the cross-encoder reads.
        eval_fraction: share of passages held out for evaluation.
        eval_top_k: bi-encoder candidates reranked in evaluation.
        max_pairs: cap on every training pair, labelled and pseudo-queries together (None: no cap).
        eval_steps: evaluate every N steps (None: once per epoch).
        head: the fresh scoring head: mean-pooled tokens (``mean``) or [CLS] (``cls``).
        corpus_queries: inverse-cloze pseudo-queries per training passage added to the labelled pairs.
        keep_sentence: probability that a pseudo-query's passage keeps the query sentence.
        keep_best: ship no reranker (keep the bi-encoder's order) when the trained one does not beat it on held-out
            data; False ships the trained reranker regardless.
    """

    data: str | None = None
    output: str = "embedlab-reranker"
    model: str = "all-MiniLM-L6-v2"
    bi_encoder: str = "all-MiniLM-L6-v2"
    loss: RerankLoss = "bce"
    num_negatives: int = 5
    epochs: float = 1.0
    batch_size: int = 16
    learning_rate: float = 2e-5
    max_length: int = 256
    eval_fraction: float = 0.2
    eval_top_k: int = 100
    max_pairs: int | None = None
    eval_steps: int | None = None
    head: Head = "mean"
    corpus_queries: int = 0
    keep_sentence: float = 1.0
    seed: int = 42
    keep_best: bool = True

    def validate(self) -> RerankRecipe:
        """Check types, choices and ranges (NaN included); raise :class:`ParameterError` naming the field."""
        check_types(self)
        for name, lit in (("loss", RerankLoss), ("head", Head)):
            if getattr(self, name) not in get_args(lit):
                raise ParameterError(name, f"unknown {name} {getattr(self, name)!r}; use {', '.join(get_args(lit))}")
        for name in ("num_negatives", "batch_size", "max_length", "eval_top_k", "max_pairs", "eval_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ParameterError(name, f"must be at least 1, got {value}")
        if not (math.isfinite(self.epochs) and self.epochs > 0):
            raise ParameterError("epochs", f"must be positive, got {self.epochs}")
        if not 0 < self.learning_rate < 1:  # NaN fails too
            raise ParameterError("learning_rate", f"must be in (0, 1), got {self.learning_rate}")
        if not 0 < self.eval_fraction < 1:
            raise ParameterError("eval_fraction", f"must be between 0 and 1, got {self.eval_fraction}")
        if self.corpus_queries < 0:
            raise ParameterError("corpus_queries", f"must be 0 or more, got {self.corpus_queries}")
        if not 0 <= self.keep_sentence <= 1:
            raise ParameterError("keep_sentence", f"must be between 0 and 1, got {self.keep_sentence}")
        return self

    def override(self, **options: Any) -> RerankRecipe:
        """A copy with the given fields replaced; ``None`` values leave the field as it is."""
        return override(self, **options)


def load_rerank_recipe(path: str | Path | None = None, **overrides: Any) -> RerankRecipe:
    """Read a TOML reranker recipe (or start from the defaults) and apply ``overrides`` on top.

    Raises:
        InputError: invalid TOML, an unknown key or a value of the wrong type (named with its line).
    """
    recipe = RerankRecipe()
    if path is not None:
        recipe = dataclasses.replace(recipe, **read_recipe_file(path, RerankRecipe, data_keys=("data",)))
    return recipe.override(**overrides)
