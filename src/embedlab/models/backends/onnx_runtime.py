"""Sentence-transformers models whose transformers run on ONNX Runtime (fp32 or int8): the ``onnx`` backends.

The model is loaded as sentence-transformers loads it, then each ``Transformer`` module's forward is replaced by an
ONNX Runtime session on its exported graph and its torch weights are released. Everything else stays the model's
own code: tokenisation with its ``max_seq_length``, prompts (and ``include_prompt=False`` pooling), Pooling, Dense,
Normalize, and a two-tower ``Router`` sending queries and documents to their towers; batches are cut by token length
(:mod:`embedlab.models.batching`) and run in lanes (:mod:`embedlab.models.backends.lanes`). The
graphs come from the model folder when it holds them (an ``embedlab export`` output, or any folder in
sentence-transformers' ONNX layout), and otherwise are exported once into ``~/.cache/embedlab/onnx/<fingerprint>``.

Example:
    >>> enc = load_onnx_encoder("all-MiniLM-L6-v2", backend="onnx-int8")
    >>> enc.encode_queries(["how fast is int8?"]).shape
    (1, 384)
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import ParameterError
from embedlab.models.backends.lanes import encode_in_lanes, in_lane, plan_lanes
from embedlab.models.backends.onnx_export import FP32_FILE, GRAPH_VERSION, OUTPUT_NAME, transformer_modules, write_onnx
from embedlab.models.backends.quantize import int8_file_name
from embedlab.models.encoder import Role, SentenceEncoder
from embedlab.models.fingerprint import model_fingerprint, variant_fingerprint

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime
    from sentence_transformers import SentenceTransformer

    from embedlab.models.backends.direct import DirectPlan

ONNX_BACKENDS = ("onnx", "onnx-int8")
# ONNX Runtime's fused SkipLayerNormalization (residual Add + LayerNorm) ran 9x slower than the two apart in the
# dynamically quantized all-MiniLM-L6-v2 (561 against ~65 ms for its 6 nodes over the STS-B dev sentences, one
# thread): the int8 graph encodes 11 % faster without it. fp32 graphs run as fast either way, with equal outputs.
DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]


def cpu_threads() -> int:
    """The cores this process may use (its affinity set, which containers and ``taskset`` narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def new_session(path: str | Path, *, threads: int | None = None) -> onnxruntime.InferenceSession:
    """An ONNX Runtime CPU session with every graph optimisation but ``DISABLED_OPTIMIZERS``, one intra-op thread per
    usable core.

    One inter-op thread: an encoder's graph is a chain, and a second pool only competes for the same cores.
    """
    from embedlab.utils.optional import require

    ort = require("onnxruntime", "onnx")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or cpu_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(
        str(path), options, providers=["CPUExecutionProvider"], disabled_optimizers=DISABLED_OPTIMIZERS
    )


class OnnxForward:
    """A ``Transformer`` module's forward on an ONNX Runtime session: token ids in, token embeddings out.

    A lane thread (see :mod:`embedlab.models.backends.lanes`) runs on a second, one-thread session of the same graph,
    made on first use; ONNX Runtime allows concurrent runs of one session.
    """

    def __init__(self, session: onnxruntime.InferenceSession, output_name: str, path: Path | None = None) -> None:
        self.session = session
        self.inputs = [i.name for i in session.get_inputs()]
        self.output_name = output_name
        self.path = path
        self._lane_session: onnxruntime.InferenceSession | None = None
        self._lock = threading.Lock()

    def lane_session(self) -> onnxruntime.InferenceSession:
        """The one-thread session lanes share (the main session when the graph's file is unknown)."""
        if self.path is None:
            return self.session
        with self._lock:
            if self._lane_session is None:
                self._lane_session = new_session(self.path, threads=1)
        return self._lane_session

    def infer(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """Token embeddings for numpy token ids (the graph's inputs taken from ``feed``)."""
        session = self.lane_session() if in_lane() else self.session
        return session.run([OUTPUT_NAME], {name: feed[name] for name in self.inputs})[0]

    def __call__(self, features: dict[str, Any], **_: Any) -> dict[str, Any]:
        import torch

        out = self.infer({name: features[name].cpu().numpy() for name in self.inputs})
        features[self.output_name] = torch.from_numpy(out)
        return features


def _weightless(config: Any) -> Any:
    """A stand-in for a Hugging Face model whose work ONNX Runtime now does: its config, on the CPU, no weights."""
    import torch

    class Weightless(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = config

        @property
        def device(self) -> torch.device:
            return torch.device("cpu")

        @property
        def dtype(self) -> torch.dtype:
            return torch.float32

    return Weightless()


def _find(folder: Path, int8: bool) -> Path | None:
    """The graph to run in ``folder/onnx``: fp32 ``model.onnx``, or this CPU's int8 file (else any int8 file)."""
    onnx_dir = folder / "onnx"
    if not int8:
        return onnx_dir / FP32_FILE if (onnx_dir / FP32_FILE).is_file() else None
    own = onnx_dir / int8_file_name()
    if own.is_file():
        return own
    others = sorted(onnx_dir.glob("model_qint8_*.onnx")) if onnx_dir.is_dir() else []
    return others[0] if others else None


def engine_cache_dir(engine: str) -> Path:
    """``$EMBEDLAB_CACHE`` or ``~/.cache/embedlab``, plus the engine's folder (``onnx``, ``openvino``)."""
    from embedlab.models.cache import default_cache_dir

    return default_cache_dir().parent / engine


def onnx_cache_dir() -> Path:
    """``$EMBEDLAB_CACHE`` or ``~/.cache/embedlab``, plus ``onnx``."""
    return engine_cache_dir("onnx")


@dataclass(frozen=True)
class GraphEngine:
    """What differs between the graph engines: their name, cache folder, and how a graph is found and written.

    Attributes:
        name: shown in errors (``ONNX``, ``OpenVINO``).
        folder: the cache folder under ``~/.cache/embedlab``.
        find: ``find(transformer folder, int8)``: the graph file there, or None.
        write: ``write(model, root, int8=...)``: writes every transformer's graph under ``root``.
    """

    name: str
    folder: str
    find: Callable[[Path, bool], Path | None]
    write: Callable[..., list[str]]


ONNX_ENGINE = GraphEngine("ONNX", "onnx", _find, write_onnx)


def graphs_for(
    model: SentenceTransformer, path: str, *, int8: bool, engine: GraphEngine = ONNX_ENGINE
) -> dict[str, Path]:
    """The graph of each transformer folder of ``model`` for ``engine``: from the model's own folder, else from
    (or, written aside and moved in, into) the engine's cache under the model's fingerprint."""
    folders = [rel for rel, _ in transformer_modules(model)]
    if not folders:
        raise ParameterError(
            "backend", f"the model has no transformer to run on {engine.name} (static models run on torch)"
        )
    # The export's version is part of the folder: graphs cached by an older embedlab are exported anew.
    cached = engine_cache_dir(engine.folder) / f"{model_fingerprint(path)}-g{GRAPH_VERSION}"
    for base in (Path(path), cached):
        found = {rel: engine.find(base / rel, int8) for rel in folders}
        if all(found.values()):
            return found  # type: ignore[return-value]
    cached.mkdir(parents=True, exist_ok=True)
    # Written aside and moved in, so a process killed mid-export leaves no half graph for the next one to load.
    with tempfile.TemporaryDirectory(dir=cached) as tmp:
        engine.write(model, tmp, int8=int8)
        for src in sorted(p for p in Path(tmp).rglob("*") if p.is_file()):
            dst = cached / src.relative_to(tmp)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(src), str(dst))
    return {rel: engine.find(cached / rel, int8) for rel in folders}  # type: ignore[misc]


def sentence_model_for(name: str, max_seq_length: int | None) -> tuple[str, SentenceTransformer]:
    """The resolved path and the loaded sentence-transformers model of ``name``, to run on a graph engine.

    Raises:
        ParameterError: ``name`` is word vectors (they run on numpy, not on a graph engine).
    """
    from embedlab.models.resolve import load_sentence_model, resolve_model

    resolved = resolve_model(name)
    if resolved.kind in ("word-vectors", "glove-npy"):
        raise ParameterError("backend", f"{name!r} is word vectors, which run on numpy; use the torch backend")
    return resolved.path, load_sentence_model(name, device="cpu", max_seq_length=max_seq_length)


def run_on_onnx(model: SentenceTransformer, graphs: dict[str, Path], *, threads: int | None = None) -> None:
    """Replace each transformer's forward in ``model`` by its ONNX graph, and release its torch weights."""
    for rel, module in transformer_modules(model):
        session = new_session(graphs[rel], threads=threads)
        module.forward = OnnxForward(session, module.module_output_name, graphs[rel])
        module.model = _weightless(module.model.config)


@contextmanager
def torch_single_thread() -> Iterator[None]:
    """Run torch on one thread while a graph runtime does the heavy work.

    Only tokenisation glue, pooling and normalisation stay on torch; with its own pool of one thread per core, its
    small ops wait for (and spin against) the runtime's threads after every batch. On all-MiniLM-L6-v2 with 2 cores
    this alone took ONNX int8 encoding from 568 to 760 sentences/s. torch (OpenMP) keeps the count per calling
    thread, so the service's worker threads each set and restore their own.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@dataclass
class OnnxSentenceEncoder(SentenceEncoder):
    """A :class:`SentenceEncoder` whose transformers run on ONNX Runtime (``backend`` ``onnx`` or ``onnx-int8``).

    Attributes:
        graphs: the ONNX file of each transformer folder.
        threads: the runtime's threads (default: the usable cores); an input of several batches runs in that many
            one-thread lanes (:mod:`embedlab.models.backends.lanes`).
    """

    graphs: dict[str, Path] | None = None
    threads: int | None = None
    _direct: DirectPlan | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from embedlab.models.backends.direct import direct_plan

        # A fast tokenizer sets its truncation and padding on its first call; two lanes making that first call at
        # once would both change the shared Rust object while the other reads it ("Already borrowed"). Each
        # transformer's tokenizer is set here, as sentence-transformers' tokenization sets it; later calls ask for
        # the same settings and change nothing.
        for _, module in transformer_modules(self.model):
            module.preprocess(["embedlab"])
        self._direct = direct_plan(self.model)

    @property
    def fingerprint(self) -> str:
        if self._fp is None:
            self._fp = variant_fingerprint(
                model_fingerprint(self.path), backend=self.backend, max_seq_length=self.max_seq_length
            )
        return self._fp

    def batches(self, texts: list[str], batch_size: int) -> list[list[int]]:
        """As the torch encoder's, but one batch of 16+ texts is cut into one batch per lane."""
        _, size = plan_lanes(len(texts), batch_size, self.threads or cpu_threads())
        return super().batches(texts, size)

    def _encode_batches(
        self, encode_batch: Callable[[list[str]], np.ndarray], texts: list[str], batches: list[list[int]]
    ) -> np.ndarray:
        """The batches in one-thread lanes side by side (torch on one thread: it only pools and normalises)."""
        with torch_single_thread():
            return encode_in_lanes(
                encode_batch, texts, batches, cores=self.threads or cpu_threads(), per_thread=torch_single_thread
            )

    def _encode_batch(self, texts: list[str], *, role: Role, normalize: bool) -> np.ndarray:
        """One batch straight on the graph when the model is plain (:mod:`embedlab.models.backends.direct`),
        else through sentence-transformers."""
        if self._direct is not None:
            return self._direct.encode(texts, normalize=normalize)
        return super()._encode_batch(texts, role=role, normalize=normalize)

    files_key = "onnx_files"

    def graph_files(self) -> list[Path]:
        """Every file the graphs are made of (their weights included)."""
        return [Path(p) for p in (self.graphs or {}).values()]

    def info(self) -> dict[str, Any]:
        info = super().info()
        graph_bytes = sum(f.stat().st_size for f in self.graph_files())
        info["model_mb"] = round(info["model_mb"] + graph_bytes / 2**20, 2)
        info["params"] = None  # the transformers' weights live in the graphs
        info[self.files_key] = [str(p) for p in (self.graphs or {}).values()]
        return info


def load_onnx_encoder(
    name: str, *, backend: str = "onnx", max_seq_length: int | None = None, threads: int | None = None
) -> OnnxSentenceEncoder:
    """Load a sentence-transformers model with its transformers on ONNX Runtime.

    Args:
        name: anything :func:`embedlab.models.resolve_model` accepts.
        backend: ``onnx`` (fp32) or ``onnx-int8`` (dynamically quantized for this CPU).
        max_seq_length: truncate inputs to this many tokens.
        threads: intra-op threads (default: the usable cores).

    Raises:
        ParameterError: an unknown backend, word vectors, or a model with no transformer.
    """
    if backend not in ONNX_BACKENDS:
        raise ParameterError("backend", f"unknown ONNX backend {backend!r}; use one of {', '.join(ONNX_BACKENDS)}")
    path, model = sentence_model_for(name, max_seq_length)
    graphs = graphs_for(model, path, int8=backend == "onnx-int8")
    run_on_onnx(model, graphs, threads=threads)
    return OnnxSentenceEncoder(
        model, name=name, path=path, max_seq_length=max_seq_length, backend=backend, graphs=graphs, threads=threads
    )
