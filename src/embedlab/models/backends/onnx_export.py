"""Export the transformer modules of a sentence-transformers model to ONNX, in sentence-transformers' own layout.

Only the transformer (token ids in, ``last_hidden_state`` out) becomes an ONNX graph; tokenisation, prompts,
pooling, Dense layers, Normalize and the Router of a two-tower model stay the model's own sentence-transformers
modules, so the pipeline is the model's by construction. Each transformer's graph lands in the folder
sentence-transformers saves that module to, under ``onnx/``: ``onnx/model.onnx`` for a plain model, and
``query_0_Transformer/onnx/model.onnx`` and ``document_0_Transformer/onnx/model.onnx`` for a two-tower one. The
inputs (``input_ids``, ``attention_mask``, ``token_type_ids``) and the output (``last_hidden_state``) carry the names
sentence-transformers' ONNX backend expects, so its loader reads these files where it is installed.

Example:
    >>> from sentence_transformers import SentenceTransformer
    >>> model = SentenceTransformer("all-MiniLM-L6-v2")
    >>> write_onnx(model, "/tmp/minilm-onnx", int8=True)  # doctest: +SKIP
    ['onnx/model.onnx', 'onnx/model_qint8_avx512_vnni.onnx']
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import ParameterError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

FP32_FILE = "model.onnx"
OUTPUT_NAME = "last_hidden_state"
# The inputs a text transformer may take; whichever its tokenizer produces become the graph's inputs.
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# Texts of different lengths, so the exported graph is checked on padding as well as on full rows.
# Attention traced as plain matrix products and a softmax: torch's SDPA traces into the same products plus a NaN guard
# (IsNaN, Where) on every score matrix, which made the int8 graph of all-MiniLM-L6-v2 about 4 % slower on ONNX
# Runtime (1,347 against 1,290 sentences/s in two one-thread lanes, STS-B dev, 2026-11-30). The graphs agree with
# torch either way (checked on export).
ATTENTION = "eager"
GRAPH_VERSION = 3  # raised when an export of the same model changes (2: eager attention; 3: one fp32 product in int8)
_SAMPLE = ["A man is playing a guitar.", "Export check: the quick brown fox jumps over the lazy dog, twice over."]


def transformer_modules(model: SentenceTransformer) -> Iterator[tuple[str, Any]]:
    """Each transformer module of ``model`` with the folder (relative to the saved model) it is saved in.

    Follows sentence-transformers' own ``save``: a first module that saves in the root goes to ``""``, the others
    to ``<idx>_<Class>``; a ``Router``'s modules to ``<router folder>/<route>_<i>_<Class>`` (a module shared by two
    routes once, under its first name).
    """
    from sentence_transformers.base.modules.router import Router
    from sentence_transformers.base.modules.transformer import Transformer

    for idx, module in enumerate(model):
        if idx == 0 and getattr(module, "save_in_root", False):
            folder = ""
        else:
            folder = f"{idx}_{type(module).__name__}"
        if isinstance(module, Transformer):
            yield folder, module
        elif isinstance(module, Router):
            seen: set[int] = set()
            for route, modules in module.sub_modules.items():
                for i, sub in enumerate(modules):
                    if isinstance(sub, Transformer) and id(sub) not in seen:
                        seen.add(id(sub))
                        yield str(Path(folder) / f"{route}_{i}_{type(sub).__name__}"), sub


def _sample_inputs(module: Any) -> dict[str, Any]:
    features = module.preprocess(_SAMPLE)
    return {name: features[name] for name in _INPUT_NAMES if name in features}


def _traceable(hf_model: Any, names: list[str]) -> Any:
    """The transformer's forward as a function of positional tensors (what ``torch.onnx.export`` traces)."""
    import torch

    class Traceable(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = hf_model

        def forward(self, *args: Any) -> Any:
            return self.model(**dict(zip(names, args, strict=True)), return_dict=True).last_hidden_state

    return Traceable().eval()


@contextmanager
def _attention(hf_model: Any, implementation: str | None) -> Iterator[None]:
    """The model's attention switched to ``implementation`` (``eager``, ``sdpa``) for the block, where it can be."""
    config = getattr(hf_model, "config", None)
    before = getattr(config, "_attn_implementation", None)
    switch = implementation is not None and before not in (None, implementation)
    if switch and hasattr(hf_model, "set_attn_implementation"):
        try:
            hf_model.set_attn_implementation(implementation)
        except (ValueError, ImportError):  # a model that only has its own kernel: export that
            switch = False
    try:
        yield
    finally:
        if switch:
            hf_model.set_attn_implementation(before)


def export_transformer(module: Any, path: str | Path, *, opset: int = 17, attention: str | None = ATTENTION) -> Path:
    """Export one sentence-transformers ``Transformer`` module to an ONNX file and check it against torch.

    Args:
        module: the module (its ``.model`` is the Hugging Face model).
        path: the ``.onnx`` file to write.
        opset: the ONNX opset.
        attention: the attention implementation to trace (``eager`` by default, see ``ATTENTION``; None: the
            model's own).

    Raises:
        ParameterError: the module has no text transformer to export, or the exported graph disagrees with torch.
    """
    import torch

    if "text" not in getattr(module, "modality_config", {"text": None}):
        raise ParameterError("backend", "only text transformers export to ONNX")
    inputs = _sample_inputs(module)
    if "input_ids" not in inputs:
        raise ParameterError("backend", f"{type(module.model).__name__} takes no input_ids; it cannot run on ONNX")
    names = list(inputs)
    wrapped = _traceable(module.model, names)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, OUTPUT_NAME]}
    with warnings.catch_warnings(), torch.no_grad(), _attention(module.model, attention):
        # The TorchScript exporter: the dynamo one needs onnxscript and gains nothing for an encoder.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped,
            tuple(inputs[n] for n in names),
            str(path),
            input_names=names,
            output_names=[OUTPUT_NAME],
            dynamic_axes=axes,
            opset_version=opset,
            dynamo=False,
        )
        expected = wrapped(*[inputs[n] for n in names]).float().numpy()
    check_graph(path, {n: t.numpy() for n, t in inputs.items()}, expected)
    return path


def check_graph(path: str | Path, feed: dict[str, np.ndarray], expected: np.ndarray, *, atol: float = 1e-3) -> None:
    """Raise :class:`ParameterError` when an ONNX graph's output differs from torch's on the same inputs."""
    from embedlab.models.backends.onnx_runtime import new_session

    got = new_session(path, threads=1).run([OUTPUT_NAME], feed)[0]
    mask = feed["attention_mask"][..., None].astype(bool)
    diff = float(np.abs(np.where(mask, got - expected, 0.0)).max())
    if not np.isfinite(diff) or diff > atol * max(1.0, float(np.abs(expected).max())):
        raise ParameterError("backend", f"the exported ONNX graph {path} differs from torch by {diff:.3g}")


def write_onnx(model: SentenceTransformer, root: str | Path, *, int8: bool = False) -> list[str]:
    """Export every transformer of ``model`` to ``<its folder>/onnx/model.onnx`` under ``root``, and with ``int8``
    also its quantized graph (``model_qint8_<isa>.onnx``) beside it.

    Returns:
        The written files, relative to ``root``.

    Raises:
        ParameterError: the model has no transformer (a static model needs no ONNX) or one fails to export.
    """
    from embedlab.models.backends.quantize import int8_file_name, quantize_int8

    root = Path(root)
    written = []
    for folder, module in transformer_modules(model):
        rel = Path(folder) / "onnx" / FP32_FILE
        export_transformer(module, root / rel)
        written.append(str(rel))
        if int8:
            q = rel.parent / int8_file_name()
            quantize_int8(root / rel, root / q)
            written.append(str(q))
    if not written:
        raise ParameterError("backend", "the model has no transformer to run on ONNX (static models run on torch)")
    return written
