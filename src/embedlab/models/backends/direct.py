"""A plain model's batch run straight on its graph: tokenizer, graph, mean pooling and normalisation in numpy.

sentence-transformers' ``encode`` does much per call besides the model: it checks its inputs and their modality,
sorts them, moves tensors between torch and numpy and runs each module. On a batch of five short sentences on one
core that is about 0.7 ms of 7 with onnx-int8, and the lanes cut a service's micro-batch into batches that small so
that they end together (:mod:`embedlab.models.backends.lanes`). So for the most common pipeline, ``Transformer`` ->
mean ``Pooling`` -> optional ``Normalize``, with no prompt and no per-task length, the graph encoders tokenize with
the model's own tokenizer (the call sentence-transformers makes), run the graph and pool in numpy; the vectors
equal sentence-transformers' to float rounding (``tests/models/test_backends_direct.py``). Any other model (a
prompt, CLS pooling, a ``Dense`` layer, two towers) keeps sentence-transformers' pipeline.

Written by hand because sentence-transformers has no lighter entry point than ``encode`` for a batch.

Example:
    >>> plan = direct_plan(model)  # doctest: +SKIP
    >>> plan.encode(["a sentence", "another"], normalize=True).shape  # doctest: +SKIP
    (2, 384)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DirectPlan:
    """What a direct run needs: the tokenizer, the graph's ``infer`` and whether the model ends in ``Normalize``."""

    tokenizer: Any
    infer: Callable[[dict[str, np.ndarray]], np.ndarray]
    normalizes: bool

    def encode(self, texts: list[str], *, normalize: bool) -> np.ndarray:
        """One batch: padded to its longest text and cut at the model's length, as sentence-transformers does."""
        features = self.tokenizer(texts, padding=True, truncation="longest_first", return_tensors="np")
        tokens = self.infer(dict(features))
        mask = features["attention_mask"][..., None].astype(np.float32)
        vectors = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        if self.normalizes or normalize:  # torch.nn.functional.normalize's formula
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def direct_plan(model: Any) -> DirectPlan | None:
    """A :class:`DirectPlan` when ``model`` is a graph-run ``Transformer``, mean ``Pooling`` and an optional
    ``Normalize`` with no prompt and no per-task setting; None otherwise."""
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    modules = list(model)
    if len(modules) not in (2, 3) or not isinstance(modules[0], Transformer) or not isinstance(modules[1], Pooling):
        return None
    transformer, pooling, rest = modules[0], modules[1], modules[2:]
    if rest and not isinstance(rest[0], Normalize):
        return None
    if pooling.pooling_mode != "mean" or any(getattr(model, "prompts", {}).values()):
        return None
    if getattr(model, "default_prompt_name", None):
        return None
    settings = ("query_length", "document_length", "query_expansion", "processing_kwargs")
    if any(getattr(transformer, name, None) for name in settings):
        return None
    tokenizer = getattr(transformer, "tokenizer", None)
    infer = getattr(transformer.forward, "infer", None)  # OnnxForward / OpenVinoForward
    if tokenizer is None or not getattr(tokenizer, "is_fast", False) or infer is None:
        return None
    return DirectPlan(tokenizer=tokenizer, infer=infer, normalizes=bool(rest))
