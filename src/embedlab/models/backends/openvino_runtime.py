"""Sentence-transformers models whose transformers run on OpenVINO (fp32 or int8): the ``openvino`` backends.

As with the ONNX backends, the model is loaded as sentence-transformers loads it and each ``Transformer`` module's
forward is replaced, here by an OpenVINO compiled model (one infer request each), and its torch weights released;
tokenisation, prompts, pooling, Dense, Normalize and a two-tower ``Router`` stay the model's own code. ``openvino``
runs the fp32 graph with OpenVINO's default precision hint (bf16 on CPUs with AVX512-BF16 or AMX, which agrees with
fp32 to a cosine of about 0.99999); ``openvino-int8`` runs NNCF's static int8 graph. The precision used is in
``info()``. Graphs come from the model folder when it holds them (an ``embedlab export --backend openvino`` output,
or any folder in sentence-transformers' OpenVINO layout), else are made once into
``~/.cache/embedlab/openvino/<fingerprint>``.

Example:
    >>> enc = load_openvino_encoder("all-MiniLM-L6-v2", backend="openvino-int8")
    >>> enc.encode_queries(["how fast is int8?"]).shape
    (1, 384)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import ParameterError
from embedlab.models.backends.lanes import in_lane
from embedlab.models.backends.onnx_export import transformer_modules
from embedlab.models.backends.onnx_runtime import (
    GraphEngine,
    OnnxSentenceEncoder,
    _weightless,
    cpu_threads,
    engine_cache_dir,
    graphs_for,
    sentence_model_for,
)
from embedlab.models.backends.openvino_export import FP32_XML, INT8_XML, OV_DIR, write_openvino

if TYPE_CHECKING:
    import openvino
    from sentence_transformers import SentenceTransformer

OPENVINO_BACKENDS = ("openvino", "openvino-int8")


class OpenVinoForward:
    """A ``Transformer`` module's forward on an OpenVINO infer request: token ids in, token embeddings out.

    An infer request runs one inference at a time, so calls from several threads (the service's query and document
    batchers) take turns; each already uses every core. Lane threads (see :mod:`embedlab.models.backends.lanes`)
    instead each get their own request on a second compilation of the graph with one one-thread stream per lane,
    made on first use by ``compile_lanes``.
    """

    def __init__(
        self,
        compiled: openvino.CompiledModel,
        output_name: str,
        compile_lanes: Callable[[], openvino.CompiledModel] | None = None,
    ) -> None:
        self.compiled = compiled
        self.request = compiled.create_infer_request()
        self.lock = threading.Lock()
        self.inputs = [port.get_any_name() for port in compiled.inputs]
        self.output_name = output_name
        self.compile_lanes = compile_lanes
        self._lanes: openvino.CompiledModel | None = None
        self._lanes_lock = threading.Lock()  # not ``lock``: a lane must not wait for the shared request's inference
        self._local = threading.local()

    def _lane_request(self) -> Any:
        """This lane thread's own infer request on the lanes' compilation (made on first use)."""
        with self._lanes_lock:
            if self._lanes is None and self.compile_lanes is not None:
                self._lanes = self.compile_lanes()
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = (self._lanes or self.compiled).create_infer_request()
        return request

    def infer(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """Token embeddings for numpy token ids (the graph's inputs taken from ``feed``)."""
        feed = {name: np.asarray(feed[name]).astype(np.int64, copy=False) for name in self.inputs}
        # share_outputs=False (the default) hands back a copy, which the next call cannot overwrite.
        if in_lane():
            return self._lane_request().infer(feed)[0]
        with self.lock:
            return self.request.infer(feed)[self.compiled.outputs[0]]

    def __call__(self, features: dict[str, Any], **_: Any) -> dict[str, Any]:
        import torch

        out = self.infer({name: features[name].cpu().numpy() for name in self.inputs})
        features[self.output_name] = torch.from_numpy(out)
        return features


def openvino_cache_dir() -> Path:
    """``$EMBEDLAB_CACHE`` or ``~/.cache/embedlab``, plus ``openvino``."""
    return engine_cache_dir("openvino")


def _find(folder: Path, int8: bool) -> Path | None:
    path = folder / OV_DIR / (INT8_XML if int8 else FP32_XML)
    return path if path.is_file() and path.with_suffix(".bin").is_file() else None


OPENVINO_ENGINE = GraphEngine("OpenVINO", "openvino", _find, write_openvino)  # an .xml beside its .bin


def run_on_openvino(model: SentenceTransformer, graphs: dict[str, Path], *, threads: int | None = None) -> str:
    """Replace each transformer's forward in ``model`` by its compiled OpenVINO graph; release its torch weights.

    Returns:
        The inference precision OpenVINO chose (``f32``, ``bf16``...).
    """
    from embedlab.utils.optional import require

    ov = require("openvino", "openvino")
    core = ov.Core()
    cores = threads or cpu_threads()
    # LATENCY: one stream using every thread for one batch at a time, which is how encode() calls it.
    config = {"INFERENCE_NUM_THREADS": cores, "PERFORMANCE_HINT": "LATENCY"}
    # Lanes: one stream of one thread per lane, each lane with its own infer request.
    lanes_config = {"INFERENCE_NUM_THREADS": cores, "NUM_STREAMS": cores}
    precision = ""
    for rel, module in transformer_modules(model):
        graph = core.read_model(str(graphs[rel]))
        compiled = core.compile_model(graph, "CPU", config)
        precision = compiled.get_property("INFERENCE_PRECISION_HINT").to_string()
        compile_lanes = partial(core.compile_model, graph, "CPU", lanes_config)
        module.forward = OpenVinoForward(compiled, module.module_output_name, compile_lanes)
        module.model = _weightless(module.model.config)
    return precision


@dataclass
class OpenVinoSentenceEncoder(OnnxSentenceEncoder):
    """A :class:`SentenceEncoder` whose transformers run on OpenVINO (``backend`` ``openvino`` or ``openvino-int8``).

    Shares the ONNX encoder's fingerprint (model content, backend, sequence length) and its one-thread torch.

    Attributes:
        graphs: the ``.xml`` file of each transformer folder.
        precision: the inference precision OpenVINO runs at on this CPU.
    """

    precision: str = ""

    files_key = "openvino_files"

    def graph_files(self) -> list[Path]:
        return [f for p in (self.graphs or {}).values() for f in (Path(p), Path(p).with_suffix(".bin"))]

    def info(self) -> dict[str, Any]:
        return {**super().info(), "inference_precision": self.precision}


def load_openvino_encoder(
    name: str, *, backend: str = "openvino", max_seq_length: int | None = None, threads: int | None = None
) -> OpenVinoSentenceEncoder:
    """Load a sentence-transformers model with its transformers on OpenVINO: :func:`load_onnx_encoder`'s arguments,
    with ``backend`` ``openvino`` (fp32 graph, OpenVINO's default precision) or ``openvino-int8`` (NNCF static int8)
    and ``threads`` OpenVINO's inference threads. Raises ``MissingExtraError`` too when openvino (or nncf, to make an
    int8 graph) is not installed.
    """
    from embedlab.utils.optional import require

    if backend not in OPENVINO_BACKENDS:
        raise ParameterError(
            "backend", f"unknown OpenVINO backend {backend!r}; use one of {', '.join(OPENVINO_BACKENDS)}"
        )
    require("openvino", "openvino")
    path, model = sentence_model_for(name, max_seq_length)
    graphs = graphs_for(model, path, int8=backend == "openvino-int8", engine=OPENVINO_ENGINE)
    precision = run_on_openvino(model, graphs, threads=threads)
    return OpenVinoSentenceEncoder(
        model,
        name=name,
        path=path,
        max_seq_length=max_seq_length,
        backend=backend,
        graphs=graphs,
        threads=threads,
        precision=precision,
    )
