"""The settings of a dual encoder, as one dataclass that a recipe's ``[dual]`` table fills in.

A dual encoder has two towers: the *query* tower reads questions, the *document* tower reads passages. Each tower is
either initialised from a pretrained model (``query_model`` / ``document_model``, or the recipe's base ``model``), or
built from scratch (``from_scratch = true``): a small BERT-style encoder whose size is set by ``layers``, ``hidden``,
``heads`` and ``max_length``, reading text with a WordPiece tokenizer that is reused from a model (``tokenizer``) or
trained on the corpus (``vocab_size``). The loss is an in-batch contrastive cross-entropy whose softmax temperature is
fixed (``temperature``) or learned (``learn_temperature``), one direction or both (``symmetric``).

Example recipe table::

    [dual]
    from_scratch = true
    layers = 2
    hidden = 128
    heads = 4
    mlm_warmup_steps = 200
    symmetric = true
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from embedlab.errors import ParameterError

Pooling = Literal["mean", "cls"]


@dataclass
class DualConfig:
    """How to build and train a two-tower (query tower + document tower) embedding model.

    Args:
        query_model: model argument (folder, alias, hub id) that initialises the query tower; None uses the recipe's
            base model, or builds from scratch when ``from_scratch``.
        document_model: same for the document tower; None means the same as ``query_model``.
        from_scratch: build both towers from random weights instead of a pretrained model.
        layers: transformer layers per from-scratch tower.
        hidden: hidden size of a from-scratch tower.
        heads: attention heads (must divide ``hidden``).
        intermediate: feed-forward size; None means ``4 * hidden``.
        max_length: longest input in tokens for a from-scratch tower (its position table size).
        tokenizer: folder or model whose tokenizer a from-scratch tower reuses; None trains a WordPiece tokenizer on
            the corpus.
        vocab_size: vocabulary size of a tokenizer trained on the corpus.
        pooling: how a from-scratch tower turns token vectors into one vector: ``mean`` or ``cls``.
        shared_embeddings: tie the word-embedding matrices of the two towers (they must share a vocabulary).
        projection_dim: add a linear projection head to this output dimension on each tower.
        mlm_warmup_steps: masked-language-model steps on the corpus before contrastive training (from scratch only).
        temperature: softmax temperature of the contrastive loss (scale = 1 / temperature); the initial value when
            ``learn_temperature``.
        learn_temperature: learn the temperature as a parameter (a log-scale, clipped at scale 100 as in CLIP).
        symmetric: add the document->query direction to the loss (the mean of both cross-entropies).
        temperature_learning_rate: learning rate of the learned log-scale (the towers' rate is far too small to move
            it); used through :func:`embedlab.dual.dual_learning_rate_mapping`.
        lowercase: lowercase text in a tokenizer trained on the corpus.
        mlm_probability: share of tokens masked during the warm-up.
        mlm_learning_rate: learning rate of the warm-up.
        mlm_batch_size: batch size of the warm-up.
        seed: seed for random initialisation and the warm-up.

    Example:
        >>> cfg = DualConfig(from_scratch=True, layers=2, hidden=128, heads=4)
        >>> cfg.validate()
    """

    query_model: str | None = None
    document_model: str | None = None
    from_scratch: bool = False
    layers: int = 2
    hidden: int = 128
    heads: int = 4
    intermediate: int | None = None
    max_length: int = 256
    tokenizer: str | None = None
    vocab_size: int = 8000
    pooling: Pooling = "mean"
    shared_embeddings: bool = False
    projection_dim: int | None = None
    mlm_warmup_steps: int = 0
    temperature: float = 0.05
    learn_temperature: bool = False
    symmetric: bool = False
    # Fields beyond the contract; all have defaults so DualConfig(**recipe.dual) keeps working.
    temperature_learning_rate: float = 1e-2
    lowercase: bool = True
    mlm_probability: float = 0.15
    mlm_learning_rate: float = 5e-4
    mlm_batch_size: int = 16
    seed: int = 42

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every value; raise :class:`~embedlab.errors.ParameterError` naming the first bad one."""
        positive_ints = {
            "layers": self.layers,
            "hidden": self.hidden,
            "heads": self.heads,
            "max_length": self.max_length,
            "vocab_size": self.vocab_size,
            "mlm_batch_size": self.mlm_batch_size,
        }
        for name, value in positive_ints.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ParameterError(f"dual.{name}", f"must be a positive integer, got {value!r}")
        if self.hidden % self.heads:
            raise ParameterError("dual.heads", f"must divide dual.hidden ({self.hidden}), got {self.heads}")
        if self.intermediate is not None and (not isinstance(self.intermediate, int) or self.intermediate < 1):
            raise ParameterError("dual.intermediate", f"must be a positive integer, got {self.intermediate!r}")
        if self.projection_dim is not None and (not isinstance(self.projection_dim, int) or self.projection_dim < 1):
            raise ParameterError("dual.projection_dim", f"must be a positive integer, got {self.projection_dim!r}")
        if self.max_length < 8:
            raise ParameterError("dual.max_length", f"must be at least 8 tokens, got {self.max_length}")
        if self.vocab_size < 100:
            raise ParameterError("dual.vocab_size", f"must be at least 100, got {self.vocab_size}")
        if self.pooling not in ("mean", "cls"):
            raise ParameterError("dual.pooling", f"must be 'mean' or 'cls', got {self.pooling!r}")
        if not isinstance(self.mlm_warmup_steps, int) or self.mlm_warmup_steps < 0:
            raise ParameterError("dual.mlm_warmup_steps", f"must be an integer >= 0, got {self.mlm_warmup_steps!r}")
        if self.mlm_warmup_steps and not self.from_scratch:
            raise ParameterError(
                "dual.mlm_warmup_steps", "the masked-language-model warm-up needs from_scratch = true"
            )
        if not 0 < self.temperature <= 10:
            raise ParameterError("dual.temperature", f"must be in (0, 10], got {self.temperature!r}")
        for name in ("temperature_learning_rate", "mlm_learning_rate"):
            if not getattr(self, name) > 0:
                raise ParameterError(f"dual.{name}", f"must be positive, got {getattr(self, name)!r}")
        if not 0 < self.mlm_probability < 1:
            raise ParameterError("dual.mlm_probability", f"must be in (0, 1), got {self.mlm_probability!r}")
        if self.tokenizer and not self.from_scratch:
            raise ParameterError(
                "dual.tokenizer", "only applies with from_scratch = true (pretrained towers keep their own)"
            )
        if self.from_scratch and (self.query_model or self.document_model):
            raise ParameterError(
                "dual.from_scratch", "cannot be combined with dual.query_model / dual.document_model (pick one)"
            )

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DualConfig:
        """Build from a recipe's ``[dual]`` table, naming any unknown key.

        Example:
            >>> DualConfig.from_dict({"from_scratch": True, "hidden": 64, "heads": 2}).hidden
            64
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"dual.{unknown[0]}", f"unknown key; known keys: {', '.join(sorted(known))}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (for the effective recipe and the model card)."""
        return dataclasses.asdict(self)
