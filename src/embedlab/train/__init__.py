"""Sentence-embedding training: fine-tune bi-encoders on any data shape with the right loss.

``train(Recipe(...))`` reads the data (:mod:`~embedlab.data.training`), picks the loss from its shape
(:mod:`~embedlab.train.losses`) with sane defaults (:mod:`~embedlab.train.defaults`), evaluates the base model, trains
with sentence-transformers' trainer (:mod:`~embedlab.train.trainer`) and writes a model folder that plain
``SentenceTransformer(folder)`` loads, with its recipe, metrics, curves and model card.

Example:
    >>> from embedlab.train import Recipe, train
    >>> train(Recipe(model="all-MiniLM-L6-v2", train="pairs.jsonl", output="my-model"))  # doctest: +SKIP
"""

from __future__ import annotations

from embedlab.train.recipe import Recipe, load_recipe, save_recipe

__all__ = ["Recipe", "TrainResult", "load_recipe", "load_training_data", "save_recipe", "train"]


def __getattr__(name: str):  # heavy modules (torch, sentence-transformers) load on first use
    if name in ("train", "TrainResult"):
        from embedlab.train import trainer

        return getattr(trainer, name)
    if name == "load_training_data":
        from embedlab.data.training import load_training_data

        return load_training_data
    raise AttributeError(name)
