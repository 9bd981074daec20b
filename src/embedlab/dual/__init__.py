"""Dual encoders: a query tower and a document tower, from pretrained weights or from scratch.

Retrieval is asymmetric: a question is short and asks, a passage is long and answers. A dual encoder (as in DPR) gives
each side its own encoder, trains both with an in-batch contrastive loss (a batch of questions against their answers,
cross-entropy toward the diagonal of the similarity matrix), and encodes queries and documents with their own tower.
embedlab keeps both towers in one standard sentence-transformers model (a ``Router`` module), so
``model.encode_query`` / ``model.encode_document`` pick the tower and the saved folder loads anywhere.

- :class:`DualConfig`: the settings (a recipe's ``[dual]`` table).
- :func:`build_dual_model`: two towers from a pretrained model or from scratch (:mod:`.scratch`, :mod:`.tokenizer`).
- :func:`dual_router_mapping`: which training column goes to which tower.
- :func:`dual_loss`: the contrastive loss with a fixed or learned temperature, one direction or symmetric.

Example:
    >>> from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    >>> cfg = DualConfig(symmetric=True)
    >>> model = build_dual_model(cfg, base="all-MiniLM-L6-v2")
    >>> args = SentenceTransformerTrainingArguments("out", router_mapping=dual_router_mapping(["anchor", "positive"]))
    >>> trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=pairs, loss=dual_loss(model, cfg))
    >>> trainer.train()
    >>> model.save("my-dual-encoder")  # SentenceTransformer("my-dual-encoder").encode_query(...) works
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embedlab.dual.config import DualConfig
from embedlab.dual.towers import DualBuildInfo, build_dual_model, dual_router_mapping

if TYPE_CHECKING:
    from embedlab.dual.losses import (
        LearnedTemperatureRankingLoss,
        dual_learning_rate_mapping,
        dual_loss,
        temperature_checkpoint_callback,
    )

__all__ = [
    "DualBuildInfo",
    "DualConfig",
    "LearnedTemperatureRankingLoss",
    "build_dual_model",
    "dual_learning_rate_mapping",
    "dual_loss",
    "dual_router_mapping",
    "temperature_checkpoint_callback",
]

_LAZY = {"dual_loss", "dual_learning_rate_mapping", "LearnedTemperatureRankingLoss", "temperature_checkpoint_callback"}


def __getattr__(name: str) -> Any:
    # The losses subclass sentence-transformers' loss, so importing them pulls in torch: do it on first use only.
    if name in _LAZY:
        from embedlab.dual import losses

        return getattr(losses, name)
    raise AttributeError(f"module 'embedlab.dual' has no attribute {name!r}")
