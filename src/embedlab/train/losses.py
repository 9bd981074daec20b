"""The loss follows from the data's shape.

=============================  ===============================================================================
data shape                     loss (sentence-transformers)
=============================  ===============================================================================
(anchor, positive)             MultipleNegativesRankingLoss: the other positives in the batch are negatives,
                               so batches must not hold duplicate texts (no-duplicates sampler)
(anchor, positive, negative+)  the same loss, with the hard negatives added to every query's candidates
(sentence1, sentence2, score)  CoSENTLoss (ranks pairs by score; ``cosine`` picks CosineSimilarityLoss)
(premise, hypothesis, label)   SoftmaxLoss (SBERT's NLI classifier); ``--nli-as-triplets`` turns the data into
                               (premise, entailment, contradiction) for MNRL, the stronger recipe
(text)                         DenoisingAutoEncoderLoss (TSDAE): encode a damaged sentence, decode the original
=============================  ===============================================================================

Also selectable: ``cached-mnrl`` (GradCache: big batches in small memory), ``gist`` (GISTEmbed: a guide model
drops in-batch negatives it scores above the positive, i.e. likely false negatives), and Matryoshka wrapping of any
embedding loss (``matryoshka_dims``), so the first 64/128/... dimensions work on their own.

Example:
    >>> choice = choose_loss(model, "pairs", recipe)  # doctest: +SKIP
    >>> choice.name, choice.reason
    ('mnrl', '(anchor, positive) pairs: MultipleNegativesRankingLoss with in-batch negatives')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from embedlab.errors import ParameterError
from embedlab.models import embedding_dimension

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

    from embedlab.train.recipe import Recipe

# Which losses fit which data shape.
FITS: dict[str, tuple[str, ...]] = {
    "pairs": ("mnrl", "cached-mnrl", "gist", "dual"),
    "triplets": ("mnrl", "cached-mnrl", "gist", "dual"),
    "scored": ("cosent", "cosine"),
    "nli": ("softmax",),
    "text": ("tsdae",),
}
AUTO = {"pairs": "mnrl", "triplets": "mnrl", "scored": "cosent", "nli": "softmax", "text": "tsdae"}
IN_BATCH_NEGATIVES = {"mnrl", "cached-mnrl", "gist", "dual"}

_REASONS = {
    ("pairs", "mnrl"): "(anchor, positive) pairs: MultipleNegativesRankingLoss, the other positives of a batch are "
    "the negatives (no-duplicates batches)",
    ("triplets", "mnrl"): "(anchor, positive, negative) rows: MultipleNegativesRankingLoss with the hard negatives "
    "added to the in-batch ones",
    ("scored", "cosent"): "(sentence1, sentence2, score) pairs: CoSENTLoss, which learns the order of the pair scores",
    ("scored", "cosine"): "(sentence1, sentence2, score) pairs: CosineSimilarityLoss, cosine regressed on the score",
    ("nli", "softmax"): "(premise, hypothesis, label) rows: SoftmaxLoss, SBERT's 3-way NLI classifier "
    "(--nli-as-triplets for the stronger MNRL recipe)",
    ("text", "tsdae"): "a single text column: TSDAE (DenoisingAutoEncoderLoss, tied encoder-decoder, CLS pooling)",
}


@dataclass
class LossChoice:
    """The loss of a run and why it was chosen.

    Attributes:
        name: ``mnrl``, ``cosent``, ... (a :data:`embedlab.train.recipe.LossName`).
        loss: the sentence-transformers loss module (possibly Matryoshka-wrapped).
        reason: one line printed at the start of training and written to the model card.
        no_duplicates: batches must not hold the same text twice (in-batch negatives).
    """

    name: str
    loss: torch.nn.Module
    reason: str
    no_duplicates: bool


def resolve_loss_name(shape: str, requested: str) -> str:
    """The loss for a data shape: ``auto`` maps by shape, a requested loss must fit the shape.

    Raises:
        ParameterError: the requested loss does not fit the data (e.g. CoSENT on unscored pairs).
    """
    if requested == "auto":
        return AUTO[shape]
    if requested not in FITS[shape]:
        raise ParameterError(
            "loss",
            f"{requested!r} does not fit {shape} data (fits: {', '.join(FITS[shape])}); "
            + ("set nli_as_triplets for MNRL on NLI data" if shape == "nli" else "check the column mapping (columns)"),
        )
    return requested


def requested_loss(recipe: Recipe, shape: str) -> str:
    """The loss the recipe asks for: ``auto`` means the dual encoder's own loss for a dual architecture on pairs."""
    if recipe.architecture == "dual" and recipe.loss == "auto" and shape in ("pairs", "triplets"):
        return "dual"
    return recipe.loss


def loss_reason(shape: str, name: str, recipe: Recipe, *, full_dim: int | None = None) -> str:
    """Why this loss: the one line printed at the start of a run and written to the model card.

    Args:
        shape: the training data's shape.
        name: the resolved loss name.
        recipe: the recipe (mini-batch size, guide model, Matryoshka dimensions).
        full_dim: the model's embedding dimension, when known, to list the Matryoshka dimensions exactly.
    """
    reason = _REASONS.get((shape, name), "")
    if name == "cached-mnrl":
        reason = f"{shape}: CachedMultipleNegativesRankingLoss (GradCache, mini-batches of {recipe.mini_batch_size})"
    elif name == "gist":
        reason = (
            f"{shape}: GISTEmbedLoss, guide {recipe.guide_model or recipe.model} drops in-batch negatives it scores "
            "above the positive (likely false negatives)"
        )
    elif name == "dual":
        reason = f"{shape} with separate query/document towers: in-batch contrastive loss of embedlab.dual"
    if recipe.matryoshka_dims:
        if name in ("tsdae", "softmax"):
            raise ParameterError("matryoshka_dims", f"Matryoshka wrapping does not apply to the {name} loss")
        reason += f"; Matryoshka over dimensions {matryoshka_dims(recipe.matryoshka_dims, full_dim)}"
    return reason


def matryoshka_dims(requested: list[int], full: int | None) -> list[int]:
    """The Matryoshka dimensions, largest first, always including the full one (when known).

    Raises:
        ParameterError: a dimension above the model's.
    """
    if full is None:
        return sorted(set(requested), reverse=True)
    if any(d > full for d in requested):
        raise ParameterError("matryoshka_dims", f"dimensions must be at most the model's {full}")
    return sorted(set(requested) | {full}, reverse=True)


def build_loss(
    model: SentenceTransformer, shape: str, recipe: Recipe, *, dual_config: Any = None, guide: Any = None
) -> LossChoice:
    """Build the loss for the data's shape and the recipe (see the module docstring).

    Args:
        model: the model being trained.
        shape: the training data's shape (:data:`embedlab.data.training.Shape`).
        recipe: the run's recipe (loss, matryoshka_dims, mini_batch_size, guide_model...).
        dual_config: the :class:`embedlab.dual.DualConfig` when ``recipe.architecture == "dual"``.
        guide: a loaded guide model for GISTEmbed (loaded from ``recipe.guide_model`` when None).
    """
    from sentence_transformers.sentence_transformer import losses as L

    name = resolve_loss_name(shape, requested_loss(recipe, shape))
    full = embedding_dimension(model) if (recipe.matryoshka_dims or name == "softmax") else None
    reason = loss_reason(shape, name, recipe, full_dim=full)
    if name == "mnrl":
        loss: Any = L.MultipleNegativesRankingLoss(model)
    elif name == "cached-mnrl":
        loss = L.CachedMultipleNegativesRankingLoss(model, mini_batch_size=recipe.mini_batch_size)
    elif name == "gist":
        if guide is None:
            from embedlab.models.resolve import load_sentence_model

            guide = load_sentence_model(recipe.guide_model or recipe.model, device=str(model.device))
        loss = L.GISTEmbedLoss(model, guide=guide)
    elif name == "dual":
        from embedlab.dual import dual_loss

        loss = dual_loss(model, dual_config)
    elif name == "cosent":
        loss = L.CoSENTLoss(model)
    elif name == "cosine":
        loss = L.CosineSimilarityLoss(model)
    elif name == "softmax":
        loss = L.SoftmaxLoss(model, embedding_dimension(model), num_labels=3)
    elif name == "tsdae":
        loss = L.DenoisingAutoEncoderLoss(model, tie_encoder_decoder=True)
    else:  # pragma: no cover - resolve_loss_name guards this
        raise ParameterError("loss", f"unknown loss {name!r}")
    if recipe.matryoshka_dims:
        loss = L.MatryoshkaLoss(model, loss, matryoshka_dims=matryoshka_dims(recipe.matryoshka_dims, full))
    return LossChoice(name, loss, reason, no_duplicates=name in IN_BATCH_NEGATIVES)
