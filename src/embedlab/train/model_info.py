"""What a training plan needs to know about the base model, read from its files without loading its weights.

The plan picks the learning rate by model size and checks ``max_seq_length`` against the model's position limit.
Both are in the model folder: the parameter count in the safetensors headers (a few kilobytes of JSON), the limits in
``config.json`` and ``sentence_bert_config.json``. Reading them takes milliseconds, so a bad recipe fails before the
model is loaded, and :func:`embedlab.train.plan.plan` stays a pure function of (recipe, data, model info).

Example:
    >>> info = probe_model(Recipe(model="all-MiniLM-L6-v2", train="x"))
    >>> info.n_params, info.max_seq_length, info.position_limit
    (22713216, 256, 512)
"""

from __future__ import annotations

import contextlib
import json
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedlab.train.recipe import Recipe

# RoBERTa-style models reserve two positions for the padding offset.
_OFFSET_TWO = ("roberta", "xlm-roberta", "camembert")


@dataclass(frozen=True)
class ModelInfo:
    """The base model as the plan sees it.

    Attributes:
        n_params: parameter count (None when unknown: small-model defaults apply).
        max_seq_length: the model's own sequence length (None when unknown: the loaded model's is used).
        position_limit: the longest input its position embeddings allow (None when unknown).
        pretrained: False when the encoder starts from random weights (dual towers from scratch).
        dim: embedding dimension, when known.
        tokenizer: the model's tokenizer (loaded without the weights; None when unknown): the plan measures how many
            passages exceed ``max_seq_length`` with it.
        static: the model is a static embedding table (sentence-transformers' ``StaticEmbedding``, what
            ``embedlab distill`` writes), which trains at its own learning rate.
    """

    n_params: int | None = None
    max_seq_length: int | None = None
    position_limit: int | None = None
    pretrained: bool = True
    dim: int | None = None
    tokenizer: Any = field(default=None, compare=False, repr=False)
    static: bool = False


def _tokenizer(folder: str | Path) -> Any:
    """The folder's tokenizer (milliseconds: no weights), or None when it has none that loads."""
    try:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(folder))
    except Exception:  # a folder without a loadable tokenizer simply gives no length measurement
        return None


def _json(path: Path) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    return {}


def safetensors_params(folder: Path) -> int | None:
    """Parameters in the ``*.safetensors`` files of a folder, from their headers only (None without any)."""
    total = 0
    files = sorted(folder.rglob("*.safetensors"))
    for f in files:
        try:
            with f.open("rb") as fh:
                (size,) = struct.unpack("<Q", fh.read(8))
                header = json.loads(fh.read(size))
        except (OSError, ValueError, struct.error):
            return None
        for name, entry in header.items():
            # integer tensors are buffers (position ids), not parameters
            if name != "__metadata__" and not str(entry.get("dtype", "")).startswith(("I", "U", "BOOL")):
                n = 1
                for d in entry.get("shape", []):
                    n *= int(d)
                total += n
    return total if files else None


def folder_info(path: str | Path) -> ModelInfo:
    """:class:`ModelInfo` of a sentence-transformers or transformer folder (fields it cannot read stay None)."""
    folder = Path(path)
    if not folder.is_dir():
        return ModelInfo()
    config = _json(folder / "config.json")
    limit = config.get("max_position_embeddings")
    if isinstance(limit, int) and config.get("model_type") in _OFFSET_TWO:
        limit -= 2
    st = _json(folder / "sentence_bert_config.json")
    seq = st.get("max_seq_length")
    if not isinstance(seq, int) and "hidden_size" in config:
        # a plain transformer folder: sentence-transformers reads up to the position limit (at most 512 by default)
        seq = min(limit, 512) if isinstance(limit, int) else None
    dim = config.get("hidden_size")
    modules = _json_list(folder / "modules.json")
    return ModelInfo(
        n_params=safetensors_params(folder),
        max_seq_length=seq if isinstance(seq, int) else None,
        position_limit=limit if isinstance(limit, int) else None,
        dim=dim if isinstance(dim, int) else None,
        static=bool(modules) and str(modules[0].get("type", "")).endswith(".StaticEmbedding"),
    )


def _json_list(path: Path) -> list[dict[str, Any]]:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            return [d for d in data if isinstance(d, dict)]
    return []


def probe_model(recipe: Recipe) -> ModelInfo:
    """Read the recipe's base model (or, for dual towers, the towers' models) without loading any weights."""
    from embedlab.errors import EmbedlabError
    from embedlab.models.resolve import resolve_model

    def info_of(name: str, tokenizer: bool = False) -> ModelInfo:
        try:
            path = resolve_model(name).path
        except EmbedlabError:
            return ModelInfo()  # the model load reports a missing model with its own message
        info = folder_info(path)
        return replace(info, tokenizer=_tokenizer(path)) if tokenizer and Path(path).is_dir() else info

    if recipe.architecture != "dual":
        return info_of(recipe.model, tokenizer=True)
    if recipe.dual.get("from_scratch"):
        return ModelInfo(pretrained=False)
    query = info_of(str(recipe.dual.get("query_model") or recipe.model))
    doc = info_of(str(recipe.dual.get("document_model") or recipe.dual.get("query_model") or recipe.model))
    n = query.n_params + doc.n_params if query.n_params and doc.n_params else None
    # the towers' lengths are the loaded model's; only the size is needed ahead of loading
    return ModelInfo(n_params=n)


def loaded_info(model: Any, *, pretrained: bool = True) -> ModelInfo:
    """:class:`ModelInfo` of a loaded ``SentenceTransformer`` (what tests and callers holding a model pass)."""
    from embedlab.train.truncation import position_limit

    return ModelInfo(
        n_params=sum(p.numel() for p in model.parameters()),
        max_seq_length=getattr(model, "max_seq_length", None),
        position_limit=position_limit(model),
        pretrained=pretrained,
        tokenizer=getattr(model, "tokenizer", None),
        static=_is_static(model),
    )


def _is_static(model: Any) -> bool:
    """Whether a loaded model's first module is a ``StaticEmbedding`` (an embedding table, no transformer)."""
    try:
        return type(next(iter(model))).__name__ == "StaticEmbedding"
    except (TypeError, StopIteration):
        return False
