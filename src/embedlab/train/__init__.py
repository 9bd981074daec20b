"""Sentence-embedding training: fine-tune bi-encoders on any data shape with the right loss.

A run is a pure :func:`~embedlab.train.plan.plan` (every decision, unit-testable without a model), its execution
(:mod:`~embedlab.train.execute`) and its output folder (:mod:`~embedlab.train.write`).
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

__all__ = [
    "ModelInfo",
    "Recipe",
    "TrainResult",
    "TrainingPlan",
    "load_recipe",
    "load_training_data",
    "save_recipe",
    "train",
]


def __getattr__(name: str):  # heavy modules (torch, sentence-transformers) load on first use
    if name in ("train", "TrainResult"):
        from embedlab.train import trainer

        return getattr(trainer, name)
    if name == "TrainingPlan":  # the function plan() lives in embedlab.train.plan: a package attribute would clash
        from embedlab.train.plan import TrainingPlan

        return TrainingPlan
    if name == "ModelInfo":
        from embedlab.train.model_info import ModelInfo

        return ModelInfo
    if name == "load_training_data":
        from embedlab.data.training import load_training_data

        return load_training_data
    raise AttributeError(name)
