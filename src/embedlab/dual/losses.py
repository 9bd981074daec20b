"""The in-batch contrastive loss of a dual encoder.

Take a batch of ``n`` (question, answer) pairs. The query tower embeds the questions, the document tower the answers
(and any hard negatives: wrong answers that look right). Their cosine similarities form an ``n x m`` matrix; divided by
a *temperature* ``t`` and softmaxed per row, each row is a guess of which answer belongs to the question, and the loss
is the cross-entropy toward the diagonal: every other answer in the batch serves as a free negative. A low temperature
sharpens the softmax (it punishes near-misses hard); it can also be learned, as CLIP does. The *symmetric* variant adds
the transposed problem (each answer picks its question) and averages the two.

sentence-transformers' ``MultipleNegativesRankingLoss`` already computes this (``scale = 1 / temperature``,
``directions`` for the symmetric form, extra columns as hard negatives); :func:`dual_loss` configures it, and only the
learned temperature (:class:`LearnedTemperatureRankingLoss`) is written here.

Example:
    >>> loss = dual_loss(model, DualConfig(temperature=0.05, symmetric=True))
    >>> trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=pairs, loss=loss)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from torch import nn

from embedlab.dual.config import DualConfig

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# CLIP clips its learned logit scale at 100 (temperature 0.01) to keep training stable.
MAX_SCALE = 100.0


class LearnedTemperatureRankingLoss(MultipleNegativesRankingLoss):
    """``MultipleNegativesRankingLoss`` whose scale (1 / temperature) is a learned parameter.

    Written by hand because sentence-transformers' scale is a fixed number. The parameter is the log of the scale (so
    it stays positive and moves multiplicatively), started at ``1 / temperature`` and clipped at :data:`MAX_SCALE`.
    The trainer optimises it with the loss's other parameters; give it its own learning rate with
    :func:`embedlab.dual.dual_learning_rate_mapping`, since the towers' rate (around 2e-5) would barely move it.

    Args:
        model: the (dual) SentenceTransformer.
        temperature: the initial temperature.
        max_scale: the largest scale allowed.
        **kwargs: passed to ``MultipleNegativesRankingLoss`` (``directions``, ``partition_mode``...).
    """

    def __init__(
        self, model: SentenceTransformer, temperature: float = 0.05, max_scale: float = MAX_SCALE, **kwargs: Any
    ) -> None:
        super().__init__(model, scale=1.0 / temperature, **kwargs)
        self.max_scale = max_scale
        self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / temperature)))

    @property
    def scale(self) -> Any:  # a tensor once the parameter exists, so the loss backpropagates into it
        if "log_scale" not in self._parameters:  # during MultipleNegativesRankingLoss.__init__
            return self._initial_scale
        return self.log_scale.exp().clamp(max=self.max_scale)

    @scale.setter
    def scale(self, value: float) -> None:
        self._initial_scale = float(value)

    @property
    def temperature(self) -> float:
        """The current temperature (1 / scale)."""
        return 1.0 / self._scale_value()

    def _scale_value(self) -> float:
        scale = self.scale
        return float(scale.detach()) if isinstance(scale, torch.Tensor) else float(scale)

    def get_config_dict(self) -> dict[str, Any]:
        config = super().get_config_dict()
        config["scale"] = round(self._scale_value(), 4)
        config["learned_temperature"] = True
        return config


def dual_loss(model: SentenceTransformer, config: DualConfig) -> nn.Module:
    """The in-batch contrastive cross-entropy for ``model`` as ``config`` asks.

    Args:
        model: the model to train (two towers or one).
        config: ``temperature``, ``learn_temperature`` and ``symmetric`` are used. Hard negatives need no setting:
            columns after the first two in the training data are scored as extra documents for their query.

    Returns:
        ``MultipleNegativesRankingLoss`` (fixed temperature) or :class:`LearnedTemperatureRankingLoss`; with
        ``symmetric``, both directions (question->answer, answer->question), each its own softmax, averaged.

    Example:
        >>> loss = dual_loss(model, DualConfig(temperature=0.05, learn_temperature=True))
        >>> round(loss.temperature, 3)
        0.05
    """
    kwargs: dict[str, Any] = {}
    if config.symmetric:
        kwargs = {"directions": ("query_to_doc", "doc_to_query"), "partition_mode": "per_direction"}
    if config.learn_temperature:
        return LearnedTemperatureRankingLoss(model, temperature=config.temperature, **kwargs)
    return MultipleNegativesRankingLoss(model, scale=1.0 / config.temperature, **kwargs)


def temperature_checkpoint_callback(loss: nn.Module) -> Any:
    """A ``transformers.TrainerCallback`` that keeps a learned temperature across checkpoint and resume.

    The log-scale lives in the loss, not in the model, so a checkpoint would not hold it; this is
    :func:`embedlab.train.loss_state.loss_state_checkpoint_callback`, which saves any loss's own parameters (with a
    fixed temperature there are none and it does nothing). ``embedlab train`` adds it to every run.

    Example:
        >>> trainer = SentenceTransformerTrainer(..., loss=loss, callbacks=[temperature_checkpoint_callback(loss)])
    """
    from embedlab.train.loss_state import loss_state_checkpoint_callback

    return loss_state_checkpoint_callback(loss)


def dual_learning_rate_mapping(config: DualConfig) -> dict[str, float]:
    """``learning_rate_mapping`` for ``SentenceTransformerTrainingArguments``: the learned log-scale gets
    ``config.temperature_learning_rate``; empty when the temperature is fixed.

    Example:
        >>> dual_learning_rate_mapping(DualConfig(learn_temperature=True))
        {'^log_scale$': 0.01}
    """
    if not config.learn_temperature:
        return {}
    return {r"^log_scale$": config.temperature_learning_rate}
