"""Faster backends for the Encoder: ONNX Runtime (fp32 and int8) and static (distilled) models.

``embedlab.models.load_encoder(name, backend="onnx" | "onnx-int8")`` returns an Encoder with the same interface as
the torch one; :func:`write_onnx` exports a model's transformers in sentence-transformers' ONNX layout and
:func:`quantize_int8` quantizes a graph for this CPU.
"""

from __future__ import annotations

from embedlab.models.backends.onnx_export import transformer_modules, write_onnx
from embedlab.models.backends.onnx_runtime import ONNX_BACKENDS, OnnxSentenceEncoder, load_onnx_encoder
from embedlab.models.backends.quantize import cpu_isa, int8_file_name, quantize_int8

__all__ = [
    "ONNX_BACKENDS",
    "OnnxSentenceEncoder",
    "cpu_isa",
    "int8_file_name",
    "load_onnx_encoder",
    "quantize_int8",
    "transformer_modules",
    "write_onnx",
]
