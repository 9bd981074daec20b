"""The embedded index: vectors, an HNSW graph, BM25 and metadata in one folder, no server needed.

Layout of an index folder (``<g>`` is the generation, bumped by every write)::

    manifest.json            model, dimension, settings, SHA-256 of every file below (the commit point)
    vectors-<g>.npy          float32 embeddings, one row per chunk (loaded memory-mapped, allow_pickle=False)
    chunks-<g>.parquet       id, doc_id, text, start, end, and one typed column per metadata field (``meta.<name>``)
    deleted-<g>.npy          int64 row numbers deleted since the last compaction
    hnsw-<g>.faiss           the FAISS index over the vectors (faiss' own format; the name is historical): an HNSW
                             graph of float32, int8 (scalar quantizer) or sign bits (binary HNSW, Hamming distance),
                             or inverted lists of int8 codes (IVF), as built with ``--quantize`` / ``--ann``
    bm25-<g>/                bm25s sparse score matrix (npy + JSON)

Nothing is pickled, so opening an index from someone else never runs their code.

*Why FAISS HNSW rather than usearch*: measured with ``benchmarks/bench_index_ann.py`` on this project's machine (2 CPU
cores, 30k clustered 384-d vectors, M=32, ef_construction=128), FAISS built the graph 2.6x faster (6.0 s vs
15.7 s), answered 3.7x more batched queries at the same recall (ef_search=32: 14.0k vs 3.7k q/s, recall@10 0.987 vs
0.988) and used less memory per vector (1.57 kB vs 1.87 kB); it also takes an id selector during the graph search,
which filtered search and deletions use. usearch can remove vectors from its graph, but FAISS deletions are cheap
anyway as tombstones masked by that selector until :meth:`LocalIndex.compact`.

*Writes*: :meth:`LocalIndex.save` writes every changed part under a new generation name, then swaps in the manifest
naming them (an atomic rename), then removes the files of older generations. A crash before the rename leaves the
previous manifest and its files untouched; stray new files are cleaned by the next save.

*Quantized indexes* (``quantize="int8"`` or ``"binary"``): the index holds 1 byte or 1 bit per dimension instead of
4 bytes; it returns ``k * rescore`` candidates, which are rescored with the float vectors of ``vectors-<g>.npy``
(memory-mapped, so only those rows are read) and cut to k. Exact search and the few-allowed-rows path use the float
vectors directly. ``benchmarks/bench_index_quantized.py`` measures memory and recall against float.

*Why int8 uses inverted lists (IVF) by default*: an HNSW graph keeps about 270 bytes of links per vector at M=32
whatever the vectors hold, so int8 codes (384 bytes at 384-d) made the whole HNSW index only 2.8x smaller than float
(656 vs 1,808 bytes a vector). Inverted lists keep a code and an 8-byte id per vector plus the list centroids (~400
bytes a vector: 4.4x smaller). Searching enough lists to scan about 64 sqrt(n) codes, with float rescoring, they match
float HNSW's recall@10 on real sentence embeddings (2k to 200k vectors), but that scan (~14 % of the codes at 200k)
makes a search slower than the graph's (docs/benchmarks.md, "Quantized indexes"). ``ann="hnsw"`` keeps the faster,
larger int8 graph. The lists are k-means centroids learnt from the vectors: when an index grows to need twice as many
lists (4x the vectors), they are learnt again over every stored float vector, so a small first build does not cripple a
large index.

*Filtered search*: the allowed rows are computed from the metadata. When they are few, they are searched exactly
(a matrix product over just those rows: fast and exact); otherwise the HNSW (or IVF) search runs with a selector so
it only returns allowed rows, and falls back to exact search if it still finds fewer than k.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.data.documents import Chunk
from embedlab.errors import ParameterError
from embedlab.index.filters import Condition, Kind, field_kinds, filter_mask
from embedlab.index.manifest import IndexCorruptedError, Manifest, file_entry, verify_files, write_manifest
from embedlab.index.settings import ann_layout
from embedlab.index.store import FirstStage
from embedlab.utils.atomic import atomic_path
from embedlab.utils.optional import require

DEFAULT_SETTINGS: dict[str, Any] = {
    "ann": "auto",  # resolved when a store is made: faiss-ivf for int8, faiss-hnsw otherwise (see the module notes)
    "m": 32,
    "ef_construction": 128,
    "ef_search": 64,
    "nlist": 0,  # IVF lists; 0 = about 4 sqrt(n), at least 39 vectors a list (faiss' own k-means guideline)
    "nprobe": 0,  # IVF lists searched per query; 0 = enough to scan about 64 sqrt(n) vectors
    "quantize": "none",
    "rescore": 4,
    "bm25_k1": 1.5,
    "bm25_b": 0.75,
    "stopwords": "en",
}
_GENERATED = re.compile(r"^(vectors|chunks|deleted|hnsw|bm25)-\d+(\.npy|\.parquet|\.faiss)?$")


def tokenize(texts: Sequence[str], stopwords: str | None = "en") -> list[list[str]]:
    """BM25 tokens: lower-cased words of 2+ characters without English stop words (bm25s' tokenizer)."""
    bm25s = require("bm25s", "index")
    return bm25s.tokenize(list(texts), stopwords=stopwords, return_ids=False, show_progress=False)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first (ties broken by position, so results are deterministic)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    idx = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return idx[np.lexsort((idx, -scores[idx]))]


def ivf_lists(n: int, wanted: int = 0) -> int:
    """How many inverted lists an IVF index over n vectors gets: ``wanted`` or else about 4 sqrt(n), and never fewer
    than 39 vectors a list, which is where faiss' k-means stops warning of too few points (a small index that will
    grow gets its lists again when it has the vectors for them).

    Example:
        >>> ivf_lists(200_000), ivf_lists(1_000), ivf_lists(10), ivf_lists(10_000, wanted=64), ivf_lists(100, 64)
        (1789, 25, 1, 64, 2)
    """
    return max(1, min(wanted or round(4 * math.sqrt(n)), n // 39))


def ivf_probes(nlist: int, n: int, wanted: int = 0) -> int:
    """How many of ``nlist`` lists over n vectors a search visits: ``wanted``, else enough lists to scan about
    64 sqrt(n) vectors (all of a small index; a seventh of 1,789 lists at 200k).

    Why so many: sentence embeddings are not tightly clustered, so a query's neighbours spread over many lists. With
    64 sqrt(n), int8 lists rescored by float vectors had float HNSW's recall@10 or better at every size measured (2k
    to 200k, real sentence embeddings and random clustered vectors); with 48 sqrt(n) they fell below it on the
    clustered vectors from 5k to 50k (docs/benchmarks.md, "Quantized indexes").

    Example:
        >>> ivf_probes(1789, 200_000), ivf_probes(128, 5_000), ivf_probes(51, 2_000), ivf_probes(1789, 200_000, 16)
        (257, 116, 51, 16)
    """
    return wanted or max(1, min(nlist, math.ceil(nlist * 64 / math.sqrt(max(n, 1)))))


class LocalStore:
    """Vectors + a FAISS index (HNSW or IVF) + bm25s + metadata, in memory and saved to one folder (a :class:`Store`).

    Use it through :class:`embedlab.index.Index`; this class knows nothing of models, only of vectors and texts.

    Args:
        dimension: embedding dimension.
        settings: ANN and BM25 settings (see :data:`DEFAULT_SETTINGS`).
    """

    backend = "local"

    def __init__(self, dimension: int, settings: dict[str, Any] | None = None) -> None:
        self.dimension = dimension
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        # a manifest records the resolved layout (faiss-hnsw, faiss-ivf); new stores are given auto, hnsw or ivf
        self.settings["ann"] = ann_layout(str(self.settings["ann"]).removeprefix("faiss-"), self.quantize)
        self.path: Path | None = None
        self.vectors = np.zeros((0, dimension), dtype=np.float32)
        self.ids: list[str] = []
        self.doc_ids: list[str] = []
        self.texts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.metadata: list[dict[str, Any]] = []
        self.deleted = np.zeros(0, dtype=bool)
        self.position: dict[str, int] = {}
        self.ann: Any = None
        self.bm25: Any = None
        self._dirty: set[str] = {"vectors", "chunks", "deleted", "hnsw", "bm25"}
        self._mask_cache: OrderedDict[tuple[Condition, ...], np.ndarray] = OrderedDict()
        self._kinds: dict[str, Kind] | None = None
        self._lock = threading.Lock()

    @classmethod
    def check(cls, options: dict[str, Any]) -> None:
        if options.get("url"):
            raise ParameterError("url", "only the qdrant store connects to a server; add backend='qdrant'")

    @classmethod
    def create(cls, folder: Path, manifest: Manifest, options: dict[str, Any]) -> LocalStore:
        """An empty store with ANN settings ``options`` (``m``, ``ef_construction``, ``ef_search``...)."""
        cls.check(options)
        return cls(manifest.dimension, {k: v for k, v in options.items() if k in DEFAULT_SETTINGS})

    # ----------------------------------------------------------------------------------------------- building
    @property
    def quantize(self) -> str:
        return str(self.settings.get("quantize") or "none")

    @property
    def layout(self) -> str:
        """``hnsw`` (a graph) or ``ivf`` (inverted lists)."""
        return str(self.settings["ann"]).removeprefix("faiss-")

    def _new_ann(self, n: int = 0) -> Any:
        """An empty FAISS index of this store's kind; an IVF one gets the lists that suit n vectors."""
        faiss = require("faiss", "index")
        if self.layout == "ivf":
            nlist = ivf_lists(n, int(self.settings["nlist"]))
            coarse = faiss.IndexFlatIP(self.dimension)  # the centroids; faiss' wrapper keeps it alive with the index
            if self.quantize == "int8":
                # One int8 range for every dimension (as Qdrant's int8 has): the scan runs 1.6x faster than with a
                # range per dimension, and the rescored recall@10 was the same at 200k (docs/benchmarks.md).
                qt = faiss.ScalarQuantizer.QT_8bit_uniform
                return faiss.IndexIVFScalarQuantizer(coarse, self.dimension, nlist, qt, faiss.METRIC_INNER_PRODUCT)
            return faiss.IndexIVFFlat(coarse, self.dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        m = int(self.settings["m"])
        if self.quantize == "binary":
            ann = faiss.IndexBinaryHNSW(8 * ((self.dimension + 7) // 8), m)
        elif self.quantize == "int8":
            ann = faiss.IndexHNSWSQ(self.dimension, faiss.ScalarQuantizer.QT_8bit, m, faiss.METRIC_INNER_PRODUCT)
        else:
            ann = faiss.IndexHNSWFlat(self.dimension, m, faiss.METRIC_INNER_PRODUCT)
        ann.hnsw.efConstruction = int(self.settings["ef_construction"])
        return ann

    def _outgrown(self, n: int) -> bool:
        """Whether the IVF index must learn its lists again before holding n vectors (untrained, or half the lists
        n vectors would get)."""
        if self.layout != "ivf":
            return False
        return not self.ann.is_trained or ivf_lists(n, int(self.settings["nlist"])) >= 2 * self.ann.nlist

    def _index_rows(self, start: int) -> None:
        """Insert rows ``start:`` of the vectors into the FAISS index (kept and extended), quantized as configured."""
        vectors = np.asarray(self.vectors)
        if self.ann is None or self._outgrown(len(vectors)):
            self.ann, start = self._new_ann(len(vectors)), 0
        new = np.ascontiguousarray(vectors[start:], dtype=np.float32)
        if self.quantize == "binary":
            self.ann.add(binarize(new))
            return
        if not self.ann.is_trained:
            # the int8 ranges (and IVF centroids) are learnt from the vectors there are; compaction learns them again
            self.ann.train(np.ascontiguousarray(vectors, dtype=np.float32))
        self.ann.add(new)

    def _rebuild_bm25(self) -> None:
        # BM25's IDF and length normalisation depend on the whole corpus, so adding documents changes every
        # document's scores: re-indexing is the correct update. bm25s indexes ~100k short documents per second and
        # the vectors (the expensive part) are reused, so this is still no rebuild of the embedding index.
        bm25s = require("bm25s", "index")
        tokens = tokenize(self.texts, self.settings["stopwords"]) if self.texts else []
        self.bm25 = None
        if any(tokens):  # bm25s cannot index a corpus without a single term (texts of stop words only)
            self.bm25 = bm25s.BM25(k1=float(self.settings["bm25_k1"]), b=float(self.settings["bm25_b"]))
            self.bm25.index(tokens, show_progress=False)

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Append chunks and their vectors (graph and BM25 updated; nothing is re-embedded)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected vectors of shape ({len(chunks)}, {self.dimension}), got {vectors.shape}")
        for c in chunks:
            # an id may come back after its deletion (upsert): the tombstoned row keeps it until compaction
            if c.id in self.position and not self.deleted[self.position[c.id]]:
                raise IndexCorruptedError(f"chunk id {c.id!r} is already in the index")
        start = len(self.ids)
        self.vectors = np.concatenate([np.asarray(self.vectors), vectors]) if len(self.vectors) else vectors
        for i, c in enumerate(chunks):
            self.ids.append(c.id)
            self.doc_ids.append(c.doc_id)
            self.texts.append(c.text)
            self.starts.append(c.start)
            self.ends.append(c.end)
            self.metadata.append({k: v for k, v in c.metadata.items() if v is not None})  # null = no such field
            self.position[c.id] = start + i
        self.deleted = np.concatenate([self.deleted, np.zeros(len(chunks), dtype=bool)])
        self._index_rows(start)
        self._rebuild_bm25()
        self._mask_cache.clear()
        self._kinds = None
        self._dirty |= {"vectors", "chunks", "deleted", "hnsw", "bm25"}

    def delete(self, doc_ids: Sequence[str]) -> int:
        """Mark every chunk of these documents (or these chunk ids) deleted; returns how many chunks were removed.

        The rows stay in the files as tombstones, masked out of every search, until :meth:`compact`.
        """
        wanted = set(map(str, doc_ids))
        pairs = enumerate(zip(self.ids, self.doc_ids, strict=True))
        rows = [i for i, (cid, did) in pairs if (did in wanted or cid in wanted) and not self.deleted[i]]
        if rows:
            self.deleted[rows] = True
            self._mask_cache.clear()
            self._dirty.add("deleted")
        return len(rows)

    def compact(self) -> int:
        """Drop deleted rows for good: rebuild the graph and BM25 from the stored vectors. Returns rows dropped."""
        keep = np.flatnonzero(~self.deleted)
        dropped = len(self.ids) - len(keep)
        if dropped == 0 and self.ann is not None:
            return 0
        chunks = [self.chunk(int(i)) for i in keep]
        vectors = np.asarray(self.vectors)[keep]
        fresh = LocalStore(self.dimension, self.settings)
        if chunks:
            fresh.add(chunks, vectors)
        fresh.path = self.path
        self.__dict__.update(fresh.__dict__)
        self._dirty = {"vectors", "chunks", "deleted", "hnsw", "bm25"}
        return dropped

    # ----------------------------------------------------------------------------------------------- reading
    @property
    def count(self) -> int:
        """Live (not deleted) chunks."""
        return int(len(self.ids) - self.deleted.sum())

    def live_doc_ids(self) -> set[str]:
        return {d for d, gone in zip(self.doc_ids, self.deleted, strict=False) if not gone}

    def chunk(self, row: int) -> Chunk:
        return Chunk(
            self.ids[row], self.doc_ids[row], self.texts[row], self.starts[row], self.ends[row], self.metadata[row]
        )

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        return [self.chunk(self.position[i]) for i in ids]

    def get_vectors(self, ids: Sequence[str]) -> np.ndarray:
        rows = [self.position[i] for i in ids]
        return np.asarray(self.vectors[rows], dtype=np.float32).reshape(len(rows), self.dimension)

    def fields(self) -> list[str]:
        return sorted(set().union(*self.metadata)) if self.metadata else []

    def field_kinds(self) -> dict[str, Kind]:
        if self._kinds is None:
            self._kinds = field_kinds(self.metadata)
        return self._kinds

    def native_search(self, request: FirstStage, stage: dict[str, dict[str, float]]) -> None:
        """Nothing native: fusion and MMR run client-side (:func:`embedlab.index.search.run_search`)."""
        return None

    def info(self) -> dict[str, Any]:
        """Deleted rows pending compaction, the ANN layout, and the memory its index takes per vector (codes + links,
        or codes + ids + centroids)."""
        faiss = require("faiss", "index")
        graph = 0
        if self.ann is not None and self.ann.ntotal:
            serialize = faiss.serialize_index_binary if self.quantize == "binary" else faiss.serialize_index
            graph = round(serialize(self.ann).nbytes / self.ann.ntotal, 1)
        code = {"none": 4 * self.dimension, "int8": self.dimension, "binary": (self.dimension + 7) // 8}
        return {
            "deleted_pending_compaction": int(self.deleted.sum()),
            "ann": self.settings["ann"],
            "quantize": self.quantize,
            "vector_bytes": code[self.quantize],
            "memory_per_vector_bytes": graph,
        }

    def close(self) -> None:
        """Nothing to release (the vectors are memory-mapped read-only)."""

    def allowed(self, conditions: Sequence[Condition]) -> np.ndarray | None:
        """Rows a search may return (live and passing the filters), or None when every row may."""
        key = tuple(conditions)
        with self._lock:  # the server searches from several threads
            if key in self._mask_cache:
                self._mask_cache.move_to_end(key)
                return self._mask_cache[key]
        if not conditions and not self.deleted.any():
            return None
        mask = ~self.deleted & filter_mask(self.metadata, conditions)
        with self._lock:
            self._mask_cache[key] = mask
            if len(self._mask_cache) > 64:  # bounded: one entry per distinct filter recently used
                self._mask_cache.popitem(last=False)
        return mask

    def dense(
        self, query: np.ndarray, k: int, conditions: Sequence[Condition] = (), *, exact: bool = False
    ) -> list[tuple[str, float]]:
        """Top-k chunk ids by inner product with ``query`` (cosine when vectors are normalised)."""
        n = len(self.ids)
        if n == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        mask = self.allowed(conditions)
        allowed = n if mask is None else int(mask.sum())
        if allowed == 0:
            return []
        k = min(k, allowed)
        # Few allowed rows: exact search over them is cheaper than a graph walk and loses nothing.
        small = mask is not None and allowed <= max(16384, n // 20)
        if exact or small or self.ann is None:
            rows = np.arange(n) if mask is None else np.flatnonzero(mask)
            scores = np.asarray(self.vectors[rows] @ q[0], dtype=np.float32)
            best = top_k(scores, k)
            return [(self.ids[int(rows[i])], float(scores[i])) for i in best]
        found = self.ann_search(q[0], k if self.quantize == "none" else k * int(self.settings["rescore"]), mask)
        if len(found) < k:  # the graph walk could not reach k allowed rows: fall back to exact
            return self.dense(query, k, conditions, exact=True)
        if self.quantize == "none":
            return [(self.ids[j], s) for j, s in found[:k]]
        # rescore the quantized graph's candidates with the float vectors (memory-mapped: only these rows are read)
        rows = np.array([j for j, _ in found], dtype=np.int64)
        scores = np.asarray(self.vectors[rows] @ q[0], dtype=np.float32)
        return [(self.ids[int(rows[i])], float(scores[i])) for i in top_k(scores, k)]

    def ann_search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The FAISS index's own top-k rows and scores: inner products of the stored (possibly int8) vectors, or
        minus the Hamming distance for binary ones; rows outside ``mask`` are never returned."""
        faiss = require("faiss", "index")
        n = len(self.ids)
        if self.layout == "ivf":
            params = faiss.SearchParametersIVF()
            params.nprobe = ivf_probes(self.ann.nlist, self.ann.ntotal, int(self.settings["nprobe"]))
        else:
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(int(self.settings["ef_search"]), k)
        if mask is not None:
            bits = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bits))
            params.sel = selector
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        with _one_thread(faiss):
            if self.quantize == "binary":
                distances, labels = self.ann.search(binarize(q), min(k, n), params=params)
                scores = -distances.astype(np.float32)
            else:
                scores, labels = self.ann.search(q, min(k, n), params=params)
        return [(int(j), float(s)) for j, s in zip(labels[0], scores[0], strict=False) if j >= 0]

    def lexical(self, query: str, k: int, conditions: Sequence[Condition] = ()) -> list[tuple[str, float]]:
        """Top-k chunk ids by BM25 score (chunks sharing no term with the query are not returned)."""
        if not self.ids or self.bm25 is None or k <= 0:
            return []
        tokens = [t for t in tokenize([query], self.settings["stopwords"])[0] if t in self.bm25.vocab_dict]
        if not tokens:
            return []
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
        mask = self.allowed(conditions)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        best = [i for i in top_k(scores, k) if scores[i] > 0]
        return [(self.ids[int(i)], float(scores[i])) for i in best]

    # ----------------------------------------------------------------------------------------------- disk
    def commit(self, folder: Path, manifest: Manifest) -> Manifest:
        """:meth:`save` (the store protocol's name for it)."""
        return self.save(folder, manifest)

    def save(self, folder: str | Path, manifest: Manifest) -> Manifest:
        """Write changed parts under a new generation, then the manifest (atomically), then drop old files."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        g = manifest.generation + 1
        files = dict(manifest.files)
        same_folder = self.path is not None and Path(self.path).resolve() == folder.resolve()
        dirty = self._dirty if same_folder else {"vectors", "chunks", "deleted", "hnsw", "bm25"}
        writers = {
            "vectors": self._write_vectors,
            "chunks": self._write_chunks,
            "deleted": self._write_deleted,
            "hnsw": self._write_ann,
            "bm25": self._write_bm25,
        }
        for part, write in writers.items():
            if part in dirty:
                for name in [n for n in files if n.split("/")[0].rsplit(".", 1)[0].startswith(part + "-")]:
                    del files[name]  # this part's files of the previous generation
                files.update(write(folder, g))
        manifest.files = files
        manifest.generation = g
        manifest.count = self.count
        manifest.settings = dict(self.settings)
        write_manifest(folder, manifest)  # the commit point
        self.path = folder
        self._dirty = set()
        _collect_garbage(folder, manifest)
        return manifest

    def _write_vectors(self, folder: Path, g: int) -> dict[str, dict[str, Any]]:
        name = f"vectors-{g}.npy"
        with atomic_path(folder / name) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.asarray(self.vectors, dtype=np.float32), allow_pickle=False)
        return {name: file_entry(folder / name)}

    def _write_chunks(self, folder: Path, g: int) -> dict[str, dict[str, Any]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns, schema_meta = metadata_columns(self.metadata)
        table = pa.table(
            {
                "id": self.ids,
                "doc_id": self.doc_ids,
                "text": self.texts,
                "start": pa.array(self.starts, type=pa.int64()),
                "end": pa.array(self.ends, type=pa.int64()),
                **columns,
            }
        ).replace_schema_metadata(schema_meta)
        name = f"chunks-{g}.parquet"
        with atomic_path(folder / name) as tmp:
            pq.write_table(table, tmp)
        return {name: file_entry(folder / name)}

    def _write_deleted(self, folder: Path, g: int) -> dict[str, dict[str, Any]]:
        name = f"deleted-{g}.npy"
        with atomic_path(folder / name) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.flatnonzero(self.deleted).astype(np.int64), allow_pickle=False)
        return {name: file_entry(folder / name)}

    def _write_ann(self, folder: Path, g: int) -> dict[str, dict[str, Any]]:
        faiss = require("faiss", "index")
        name = f"hnsw-{g}.faiss"  # the historical name, whatever the layout
        ann = self.ann if self.ann is not None else self._new_ann()
        write = faiss.write_index_binary if self.quantize == "binary" else faiss.write_index
        with atomic_path(folder / name) as tmp:
            write(ann, str(tmp))
        return {name: file_entry(folder / name)}

    def _write_bm25(self, folder: Path, g: int) -> dict[str, dict[str, Any]]:
        target = folder / f"bm25-{g}"
        shutil.rmtree(target, ignore_errors=True)
        if self.bm25 is None or not self.texts:
            target.mkdir()
            return {f"{target.name}/.empty": _empty_marker(target)}
        self.bm25.save(str(target), show_progress=False)
        return {f"{target.name}/{f.name}": file_entry(f) for f in sorted(target.iterdir())}

    @classmethod
    def open(cls, folder: str | Path, manifest: Manifest, *, verify: bool = True) -> LocalStore:
        """Load an index folder whose manifest was read already (checks every file's checksum when ``verify``)."""
        faiss = require("faiss", "index")
        bm25s = require("bm25s", "index")
        import pyarrow.parquet as pq

        folder = Path(folder)
        if verify:
            verify_files(folder, manifest)
        names = {n.split("-")[0].split("/")[0]: n for n in manifest.files}
        self = cls(manifest.dimension, manifest.settings)
        self.path = folder
        try:
            self.vectors = np.load(folder / names["vectors"], mmap_mode="r", allow_pickle=False)
            arrow_table = pq.read_table(folder / names["chunks"])
            table = arrow_table.to_pydict()
            deleted_rows = np.load(folder / names["deleted"], allow_pickle=False)
            read = faiss.read_index_binary if self.quantize == "binary" else faiss.read_index
            self.ann = read(str(folder / names["hnsw"]))
        except (KeyError, OSError, ValueError, RuntimeError) as exc:
            raise IndexCorruptedError(f"index files cannot be read ({exc}); rebuild the index", path=folder) from exc
        self.ids = [str(x) for x in table["id"]]
        self.doc_ids = [str(x) for x in table["doc_id"]]
        self.texts = list(table["text"])
        self.starts = [int(x) for x in table["start"]]
        self.ends = [int(x) for x in table["end"]]
        self.metadata = read_metadata(arrow_table, len(self.ids))
        self.deleted = np.zeros(len(self.ids), dtype=bool)
        self.deleted[deleted_rows] = True
        self.position = {cid: i for i, cid in enumerate(self.ids)}  # later rows win: an upserted id's live row
        if self.vectors.shape != (len(self.ids), manifest.dimension) or self.ann.ntotal != len(self.ids):
            raise IndexCorruptedError(
                f"index parts disagree: {self.vectors.shape[0]} vectors, {len(self.ids)} chunks, "
                f"{self.ann.ntotal} graph nodes; rebuild the index",
                path=folder,
            )
        bm25_dir = folder / f"bm25-{manifest.generation}"
        bm25_dirs = sorted({n.split("/")[0] for n in manifest.files if n.startswith("bm25-")})
        if bm25_dirs:
            bm25_dir = folder / bm25_dirs[0]
        if self.texts and any(n.startswith("bm25-") and n.endswith(".json") for n in manifest.files):
            self.bm25 = bm25s.BM25.load(str(bm25_dir), mmap=False, allow_pickle=False, show_progress=False)
        self._dirty = set()
        return self


# The old name (embedlab < 0.6 and tests written against it).
LocalIndex = LocalStore

_META = "meta."


def _arrow_type(values: list[Any]) -> Any:
    """The Arrow type that keeps these values exactly, or None (then they are stored as JSON text)."""
    import pyarrow as pa

    scalar = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if len(kinds) == 1 and next(iter(kinds)) in scalar:
        return scalar[next(iter(kinds))]
    if kinds == {list}:
        inner = {type(x) for v in present for x in v}
        if len(inner) == 1 and next(iter(inner)) in scalar:
            return pa.list_(scalar[next(iter(inner))])
    return None


def metadata_columns(metadata: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], dict[bytes, bytes]]:
    """One typed Arrow column per metadata field (``meta.<name>``; null where a document lacks it).

    A field whose values are of one kind (numbers, text, true/false, or lists of one of them) gets a real typed
    column that any Parquet reader can filter and aggregate; a field mixing kinds (or holding objects) is kept
    exactly as JSON text and named in the file's schema metadata.
    """
    import pyarrow as pa

    names = sorted(set().union(*metadata)) if metadata else []
    columns: dict[str, Any] = {}
    as_json: list[str] = []
    for name in names:
        values = [m.get(name) for m in metadata]
        kind = _arrow_type(values)
        try:
            if kind is None:
                raise TypeError("mixed kinds")
            columns[_META + name] = pa.array(values, type=kind)
        except (TypeError, OverflowError, pa.ArrowInvalid):
            as_json.append(name)
            columns[_META + name] = pa.array(
                [None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in values],
                type=pa.string(),
            )
    info = {"fields": names, "json": as_json}
    return columns, {b"embedlab.metadata": json.dumps(info).encode()}


def read_metadata(table: Any, rows: int) -> list[dict[str, Any]]:
    """Metadata dicts from a chunks table: typed ``meta.*`` columns, or the JSON column of indexes before 0.6."""
    if "metadata" in table.column_names:
        return [json.loads(m) for m in table.column("metadata").to_pylist()]
    info = json.loads((table.schema.metadata or {}).get(b"embedlab.metadata", b'{"fields": [], "json": []}'))
    out: list[dict[str, Any]] = [{} for _ in range(rows)]
    for name in info["fields"]:
        values = table.column(_META + name).to_pylist()
        decode = name in info["json"]
        for meta, v in zip(out, values, strict=True):
            if v is not None:  # a null cell is a document without the field
                meta[name] = json.loads(v) if decode else v
    return out


_threads_lock = threading.Lock()
_searching = [0, 0]  # searches running, OpenMP threads to restore when the last one ends


@contextlib.contextmanager
def _one_thread(faiss: Any) -> Iterator[None]:
    """One OpenMP thread while single queries run: FAISS parallelises over the queries of a batch, so one query
    gains nothing from a team of threads, and waking one costs more than the search itself on a busy machine
    (binary HNSW: 0.35 ms with one thread, 5 ms with two under load). Builds keep every thread."""
    with _threads_lock:
        if _searching[0] == 0:
            _searching[1] = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
        _searching[0] += 1
    try:
        yield
    finally:
        with _threads_lock:
            _searching[0] -= 1
            if _searching[0] == 0:
                faiss.omp_set_num_threads(_searching[1])


def binarize(vectors: np.ndarray) -> np.ndarray:
    """Sign bits of each row, packed 8 per byte (the codes of a binary index)."""
    return np.packbits(np.asarray(vectors) > 0, axis=1)


def _empty_marker(folder: Path) -> dict[str, Any]:
    marker = folder / ".empty"
    marker.write_text("")
    return file_entry(marker)


def _collect_garbage(folder: Path, manifest: Manifest) -> None:
    """Remove files of older generations and temporary files left by an interrupted save."""
    live = {n.split("/")[0] for n in manifest.files}
    for entry in folder.iterdir():
        stale_tmp = entry.name.startswith(".") and entry.name.endswith(".tmp")
        if (_GENERATED.match(entry.name) and entry.name not in live) or stale_tmp:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
