"""Index and search settings: each default written once, read by Python, the CLI and the HTTP service.

:class:`SearchSettings` holds every knob of :meth:`embedlab.index.Index.search` except the query and its filters.
An index may carry its own saved settings (``embedlab tune`` writes them into the manifest); a search uses, for each
knob, the caller's value if given, else the index's saved value, else the default below.

:class:`BuildSettings` holds how documents are chunked and embedded and how the ANN graph is built.

Example:
    >>> SearchSettings().merged(mode="hybrid", alpha=None).mode
    'hybrid'
    >>> SearchSettings(alpha=1.5).validate()
    Traceback (most recent call last):
    ...
    embedlab.errors.ParameterError: alpha: must be between 0 and 1, got 1.5
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from embedlab.errors import ParameterError

Mode = Literal["dense", "bm25", "hybrid"]
Fusion = Literal["rrf", "weighted"]
ChunkBy = Literal["none", "sentences", "tokens", "auto"]
MODES: tuple[str, ...] = ("dense", "bm25", "hybrid")
FUSIONS: tuple[str, ...] = ("rrf", "weighted")
CHUNK_BY: tuple[str, ...] = ("auto", "sentences", "tokens", "none")
STORES: tuple[str, ...] = ("local", "qdrant")  # the stores of embedlab.index.store
QUANTIZE: tuple[str, ...] = ("none", "int8", "binary")
ANN: tuple[str, ...] = ("auto", "hnsw", "ivf")


class TruncationWarning(UserWarning):
    """Texts longer than the model reads were embedded by their first tokens only (a build warns, naming how many)."""


def _number(
    name: str, value: Any, *, low: float | None = None, high: float | None = None, integer: bool = False
) -> None:
    """Check one numeric setting (bools, NaN and infinities are refused: JSON clients send all three)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ParameterError(name, f"must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not math.isfinite(value):
        raise ParameterError(name, f"must be a finite number, got {value!r}")
    if low is not None and value < low:
        raise ParameterError(
            name,
            f"must be at least {_shown(low)}, got {value!r}"
            if high is None
            else f"must be between {_shown(low)} and {_shown(high)}, got {value!r}",
        )
    if high is not None and value > high:
        raise ParameterError(name, f"must be between {_shown(low)} and {_shown(high)}, got {value!r}")


def ann_layout(ann: str, quantize: str) -> str:
    """The FAISS layout of a local store: ``faiss-ivf`` or ``faiss-hnsw`` (``auto``: IVF for int8, HNSW otherwise).

    Example:
        >>> ann_layout("auto", "int8"), ann_layout("auto", "none"), ann_layout("hnsw", "int8")
        ('faiss-ivf', 'faiss-hnsw', 'faiss-hnsw')

    Raises:
        ParameterError: an unknown layout, or IVF for binary vectors.
    """
    if ann not in ANN:
        raise ParameterError("ann", f"unknown index layout {ann!r}; use {', '.join(ANN)}")
    if ann == "ivf" and quantize == "binary":
        raise ParameterError("ann", "binary vectors are searched in an HNSW graph; use hnsw or auto")
    if ann == "auto":
        ann = "ivf" if quantize == "int8" else "hnsw"
    return "faiss-" + ann


def _shown(bound: float | None) -> str:
    """A bound as a user reads it: integers in full (1000000, not 1e+06), other numbers short."""
    return str(bound) if isinstance(bound, int) else f"{bound:g}"


@dataclass(frozen=True)
class SearchSettings:
    """How a query is answered.

    Attributes:
        k: number of results.
        mode: ``dense`` (embeddings), ``bm25`` (terms) or ``hybrid`` (both, fused).
        fusion: hybrid fusion: ``rrf`` (reciprocal rank) or ``weighted`` (min-max normalised scores).
        alpha: weight of dense scores in weighted fusion (BM25 gets ``1 - alpha``).
        rrf_k: the constant of reciprocal rank fusion.
        candidates: depth of each first-stage list (None: enough for k, rerank and MMR; 50 at least for hybrid).
        mmr: MMR lambda in [0, 1] (1 = relevance only); None = no MMR.
        rerank_top: how many candidates a cross-encoder rescores.
        exact: dense search by brute force instead of the ANN graph.
    """

    # Chosen by measurement over six data sets (docs/benchmarks.md, "Retrieval defaults"): weighted hybrid with
    # alpha 0.7 won the most sets and had the best mean NDCG@10; RRF won none, dense alone two, BM25 alone none.
    k: int = 10
    mode: Mode = "hybrid"
    fusion: Fusion = "weighted"
    alpha: float = 0.7
    rrf_k: int = 60
    candidates: int | None = None
    mmr: float | None = None
    rerank_top: int = 50
    exact: bool = False

    def validate(self) -> SearchSettings:
        """Return self, or raise :class:`ParameterError` naming the first bad setting."""
        if self.mode not in MODES:
            raise ParameterError("mode", f"unknown mode {self.mode!r}; use {', '.join(MODES)}")
        if self.fusion not in FUSIONS:
            raise ParameterError("fusion", f"unknown fusion {self.fusion!r}; use {', '.join(FUSIONS)}")
        _number("k", self.k, low=1, integer=True)
        _number("alpha", self.alpha, low=0, high=1)
        _number("rrf_k", self.rrf_k, low=0, integer=True)
        _number("rerank_top", self.rerank_top, low=1, integer=True)
        if self.candidates is not None:
            _number("candidates", self.candidates, low=1, integer=True)
        if self.mmr is not None:
            _number("mmr", self.mmr, low=0, high=1)
        if not isinstance(self.exact, bool):
            raise ParameterError("exact", f"must be true or false, got {self.exact!r}")
        return self

    def merged(self, **overrides: Any) -> SearchSettings:
        """A copy with the given values replacing these; ``None`` means "not given" (keep this one).

        ``mmr`` and ``candidates`` can be switched off explicitly with ``mmr=False`` / ``candidates=False``.
        """
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ParameterError(unknown[0], f"unknown search setting; known: {', '.join(sorted(known))}")
        values = {k: v for k, v in overrides.items() if v is not None}
        for name in ("mmr", "candidates"):
            if values.get(name) is False:
                values[name] = None
        return replace(self, **values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SearchSettings:
        """Settings saved in a manifest (unknown keys from newer versions are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass(frozen=True)
class BuildSettings:
    """How an index is built.

    Attributes:
        chunk: ``auto`` (5-sentence chunks for documents longer than the model's sequence length, the others whole),
            ``sentences`` or ``tokens`` (every document), ``none``.
        chunk_size: sentences or tokens per chunk.
        overlap: sentences or tokens shared by consecutive chunks.
        normalize: L2-normalise vectors so scores are cosine similarities.
        batch_size: embedding batch size.
        m: HNSW graph degree (local store).
        ef_construction: HNSW build beam width (local store).
        ef_search: HNSW search beam width (local store; higher = better recall, slower).
        quantize: the vectors the ANN graph holds: ``none`` (float32), ``int8`` (FAISS scalar quantizer, 4x
            smaller) or ``binary`` (sign bits, 32x smaller, Hamming distance); the float vectors stay on disk
            (memory-mapped) to rescore the candidates.
        rescore: with ``quantize``, how many candidates per result the quantized index returns for rescoring by
            the float vectors (``k * rescore``).
        ann: the local store's FAISS layout: ``hnsw`` (a graph: ~270 bytes of links per vector), ``ivf`` (inverted
            lists: a code and an 8-byte id per vector; float or int8) or ``auto`` (IVF for int8, which keeps the
            index 4x smaller than float HNSW at its recall, searching slower; HNSW otherwise).
        nlist: IVF lists (never fewer than 39 vectors a list); 0 = about 4 sqrt(n).
        nprobe: IVF lists searched per query (higher = better recall, slower); 0 = enough lists to scan about
            64 sqrt(n) vectors.
    """

    # Chunking documents longer than the model reads into 5-sentence windows (overlap 1) won over whole documents on
    # the long-passage sets, tied chunking every document (mean NDCG@10 0.758 vs 0.760 over six sets, within the
    # noise) and changes nothing for texts the model reads whole (docs/benchmarks.md, "Retrieval defaults").
    chunk: ChunkBy = "auto"
    chunk_size: int = 5
    overlap: int = 1
    normalize: bool = True
    batch_size: int = 64
    m: int = 32
    ef_construction: int = 128
    ef_search: int = 64
    quantize: str = "none"
    rescore: int = 4
    # Measured from 2k to 200k vectors (docs/benchmarks.md, "Quantized indexes"): int8 IVF over ~4 sqrt(n) lists,
    # scanning ~64 sqrt(n) codes and rescored, matches float HNSW's recall@10 on real sentence embeddings.
    ann: str = "auto"
    nlist: int = 0
    nprobe: int = 0

    def merged(self, **overrides: Any) -> BuildSettings:
        """A copy with the given values replacing these; ``None`` means "not given" (keep this one)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ParameterError(unknown[0], f"unknown build setting; known: {', '.join(sorted(known))}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def store_options(self) -> dict[str, Any]:
        """The settings a store reads when it is created (the ANN graph's)."""
        return {
            "m": self.m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "quantize": self.quantize,
            "rescore": self.rescore,
            "ann": self.ann,
            "nlist": self.nlist,
            "nprobe": self.nprobe,
        }

    def validate(self) -> BuildSettings:
        """Return self, or raise :class:`ParameterError` naming the first bad setting."""
        if self.chunk not in CHUNK_BY:
            raise ParameterError("chunk", f"unknown chunking {self.chunk!r}; use {', '.join(CHUNK_BY)}")
        _number("chunk_size", self.chunk_size, low=1, integer=True)
        _number("overlap", self.overlap, low=0, integer=True)
        if self.overlap >= self.chunk_size:
            raise ParameterError("overlap", f"must be smaller than chunk_size ({self.chunk_size}), got {self.overlap}")
        _number("batch_size", self.batch_size, low=1, integer=True)
        # FAISS aborts the process on m < 2 and grows without bound on a negative m: check before it sees them.
        _number("m", self.m, low=2, high=512, integer=True)
        _number("ef_construction", self.ef_construction, low=1, high=100_000, integer=True)
        _number("ef_search", self.ef_search, low=1, high=100_000, integer=True)
        if self.quantize not in QUANTIZE:
            raise ParameterError("quantize", f"unknown quantization {self.quantize!r}; use {', '.join(QUANTIZE)}")
        _number("rescore", self.rescore, low=1, high=1000, integer=True)
        ann_layout(self.ann, self.quantize)
        _number("nlist", self.nlist, low=0, high=1_000_000, integer=True)
        _number("nprobe", self.nprobe, low=0, high=1_000_000, integer=True)
        return self
