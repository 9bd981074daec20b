"""Faster backends for the Encoder: ONNX Runtime and OpenVINO (fp32 and int8) and static (distilled) models.

``embedlab.models.load_encoder(name, backend="onnx" | "onnx-int8" | "openvino" | "openvino-int8")`` returns an
Encoder with the same interface as the torch one; :func:`write_onnx` exports a model's transformers in
sentence-transformers' ONNX layout and :func:`quantize_int8` quantizes a graph for this CPU; :func:`write_openvino`
writes its OpenVINO layout (fp32, and NNCF static int8).
"""

from __future__ import annotations

from embedlab.models.backends.onnx_export import transformer_modules, write_onnx
from embedlab.models.backends.onnx_runtime import ONNX_BACKENDS, OnnxSentenceEncoder, load_onnx_encoder
from embedlab.models.backends.openvino_export import write_openvino
from embedlab.models.backends.openvino_runtime import (
    OPENVINO_BACKENDS,
    OpenVinoSentenceEncoder,
    load_openvino_encoder,
)
from embedlab.models.backends.quantize import cpu_isa, int8_file_name, quantize_int8

__all__ = [
    "ONNX_BACKENDS",
    "OPENVINO_BACKENDS",
    "OnnxSentenceEncoder",
    "OpenVinoSentenceEncoder",
    "cpu_isa",
    "int8_file_name",
    "load_onnx_encoder",
    "load_openvino_encoder",
    "quantize_int8",
    "transformer_modules",
    "write_onnx",
    "write_openvino",
]
