"""Sane training defaults per loss and model size.

Plain sentence-transformers defaults (learning rate 5e-5, no warm-up, batch 8) are tuned for training from a
general checkpoint, and they damage a model that is already a good sentence encoder: one epoch of CoSENT on 2,000
STS-B pairs took all-MiniLM-L6-v2 from 0.820 to 0.662 STS-B test Spearman, while 2e-5 with 10% warm-up gave 0.824.
So embedlab fine-tunes pretrained encoders gently (2e-5, 10% warm-up; 1e-5 above ~150M parameters), trains from
scratch faster (1e-4), and follows the TSDAE paper for TSDAE (3e-5, constant, batch 8). In-batch-negative losses get
bigger batches (more negatives per query).

Example:
    >>> d = default_hparams("mnrl", n_params=22_700_000, pretrained=True)
    >>> d.learning_rate, d.warmup_ratio, d.batch_size
    (2e-05, 0.1, 32)
"""

from __future__ import annotations

from dataclasses import dataclass

# Batch size per loss: in-batch negative losses profit from larger batches; pair-wise losses do not need them.
_BATCH = {
    "mnrl": 32,
    "cached-mnrl": 128,
    "gist": 32,
    "cosent": 16,
    "cosine": 16,
    "softmax": 16,
    "tsdae": 8,
    "dual": 32,
}
LARGE_MODEL_PARAMS = 150_000_000


@dataclass(frozen=True)
class Defaults:
    """Default hyper-parameters and the reason for them (printed at the start of a run)."""

    learning_rate: float
    warmup_ratio: float
    batch_size: int
    why: str


def default_hparams(loss: str, *, n_params: int, pretrained: bool = True) -> Defaults:
    """Defaults for a loss and a model size.

    Args:
        loss: the loss name (``mnrl``, ``cosent``, ``tsdae``...; see :mod:`embedlab.train.losses`).
        n_params: the model's parameter count.
        pretrained: False when the encoder starts from random weights (dual towers from scratch).
    """
    batch = _BATCH.get(loss, 16)
    if loss == "tsdae":
        return Defaults(3e-5, 0.0, batch, "TSDAE paper settings: lr 3e-5, constant, batch 8")
    if not pretrained:
        return Defaults(1e-4, 0.1, batch, "from-scratch encoder: lr 1e-4 with 10% warm-up")
    if n_params >= LARGE_MODEL_PARAMS:
        return Defaults(
            1e-5, 0.1, batch, f"fine-tuning a large pretrained model ({n_params / 1e6:.0f}M): lr 1e-5, 10% warm-up"
        )
    return Defaults(
        2e-5, 0.1, batch, f"fine-tuning a small pretrained model ({n_params / 1e6:.0f}M): lr 2e-5, 10% warm-up"
    )
