"""Convert the transformer modules of a sentence-transformers model to OpenVINO, in sentence-transformers' layout.

Each transformer is first exported to ONNX (:func:`~embedlab.models.backends.onnx_export.export_transformer`, which
checks the graph against torch), then converted with ``openvino.convert_model`` and saved in fp32 (no fp16
compression) to ``<module folder>/openvino/openvino_model.xml`` (+ ``.bin``), where sentence-transformers'
``backend="openvino"`` looks. The int8 graph is NNCF's post-training static quantization
(``model_type=TRANSFORMER``: weights and activations int8, the attention softmax and layer norms kept in float),
calibrated on a fixed set of everyday English sentences tokenized by the module's own tokenizer, and saved as
``openvino_model_qint8_quantized.xml``, sentence-transformers' name for it.

The calibration sentences come from the Lee news corpus that gensim ships with its test data (the words part of
the demo uses gensim's bundled data too); without gensim, the built-in sample of sentences of
:mod:`embedlab.models.backends.quality` is used.

Example:
    >>> from sentence_transformers import SentenceTransformer
    >>> write_openvino(SentenceTransformer("all-MiniLM-L6-v2"), "/tmp/minilm-ov", int8=True)  # doctest: +SKIP
    ['openvino/openvino_model.xml', 'openvino/openvino_model_qint8_quantized.xml']
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import ParameterError
from embedlab.models.backends.onnx_export import export_transformer, transformer_modules

if TYPE_CHECKING:
    import openvino
    from sentence_transformers import SentenceTransformer

OV_DIR = "openvino"
FP32_XML = "openvino_model.xml"
INT8_XML = "openvino_model_qint8_quantized.xml"
CALIBRATION_SIZE = 300
CALIBRATION_BATCH = 32
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def calibration_texts(n: int = CALIBRATION_SIZE) -> list[str]:
    """``n`` everyday English sentences, the same on every run: the int8 calibration set.

    Sentences of gensim's bundled Lee news corpus (300 short articles), every k-th one so that all articles
    contribute; the built-in sample sentences when gensim is not installed.
    """
    try:
        from gensim.test.utils import datapath

        text = Path(datapath("lee_background.cor")).read_text(encoding="utf-8", errors="ignore")
    except (ImportError, OSError):
        from embedlab.models.backends.quality import SAMPLE_TEXTS

        return (SAMPLE_TEXTS * (n // len(SAMPLE_TEXTS) + 1))[:n]
    sentences = [s.strip() for line in text.splitlines() for s in _SENTENCE_END.split(line) if len(s.split()) >= 4]
    step = max(1, len(sentences) // n)
    return sentences[::step][:n]


def calibration_feeds(module: Any, names: list[str], texts: list[str]) -> list[dict[str, np.ndarray]]:
    """The graph's inputs for ``texts``: batches of similar length, tokenized and padded by ``module``."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    feeds = []
    for start in range(0, len(order), CALIBRATION_BATCH):
        features = module.preprocess([texts[i] for i in order[start : start + CALIBRATION_BATCH]])
        feeds.append({name: features[name].cpu().numpy().astype(np.int64) for name in names})
    return feeds


def input_names(ov_model: openvino.Model) -> list[str]:
    """The input names the graph declares (those of the exported ONNX graph)."""
    return [port.get_any_name() for port in ov_model.inputs]


def quantize_openvino(ov_model: openvino.Model, module: Any, texts: list[str] | None = None) -> openvino.Model:
    """NNCF's post-training static int8 quantization of ``ov_model``, calibrated on ``texts`` through ``module``.

    Args:
        ov_model: the fp32 OpenVINO model of ``module``'s transformer.
        module: the sentence-transformers ``Transformer`` (its tokenizer and ``max_seq_length`` make the feeds).
        texts: the calibration texts (default :func:`calibration_texts`).
    """
    from embedlab.utils.optional import require

    nncf = require("nncf", "openvino")
    nncf.set_log_level(logging.ERROR)
    feeds = calibration_feeds(module, input_names(ov_model), texts or calibration_texts())
    # NNCF draws progress bars on the terminal; a library call stays quiet (the CLI says what it is doing).
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return nncf.quantize(
            ov_model, nncf.Dataset(feeds), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(feeds)
        )


def write_openvino(model: SentenceTransformer, root: str | Path, *, int8: bool = False) -> list[str]:
    """Convert every transformer of ``model`` to ``<its folder>/openvino/openvino_model.xml`` under ``root``, and
    with ``int8`` also its NNCF-quantized graph (``openvino_model_qint8_quantized.xml``) beside it.

    Returns:
        The written ``.xml`` files (each with its ``.bin``), relative to ``root``.

    Raises:
        ParameterError: the model has no transformer (a static model runs on torch) or one fails to export.
    """
    from embedlab.utils.optional import require

    ov = require("openvino", "openvino")
    root = Path(root)
    written = []
    for folder, module in transformer_modules(model):
        rel = Path(folder) / OV_DIR / FP32_XML
        with tempfile.TemporaryDirectory() as tmp:
            onnx_file = export_transformer(module, Path(tmp) / "model.onnx")
            ov_model = ov.convert_model(str(onnx_file))
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        # fp32 on disk: fp16 weights would cost accuracy on CPUs, which compute in fp32 or bf16 anyway.
        ov.save_model(ov_model, str(root / rel), compress_to_fp16=False)
        written.append(str(rel))
        if int8:
            q = rel.parent / INT8_XML
            ov.save_model(quantize_openvino(ov_model, module), str(root / q), compress_to_fp16=False)
            written.append(str(q))
    if not written:
        raise ParameterError("backend", "the model has no transformer to run on OpenVINO (static models run on torch)")
    return written
