"""The scale-out store: the same index API on a Qdrant collection, through qdrant-client.

With a URL (``--url http://qdrant:6333``, API key from ``QDRANT_API_KEY``) the collection lives on a Qdrant server or
cluster, which shards, replicates and persists it; without one, qdrant-client's *local mode* keeps it on disk inside
the index folder (``<index>/qdrant/``), which is what the tests use. The folder always holds ``manifest.json``, so
``Index.load`` finds the collection and checks the model as for the local store.

Each chunk is one point: a dense vector ``dense`` (cosine), a sparse vector ``bm25`` and a payload ``{id, doc_id,
text, start, end, meta: {...}}``. Qdrant's own features are used where it has them:

* **filters** become a payload ``Filter`` (``meta.<field>`` match / range / any); Qdrant applies them during the
  graph search (filterable HNSW + query planner), so selective filters lose no results. The few conditions Qdrant
  cannot evaluate as :mod:`embedlab.index.filters` defines them (ranges over text such as ISO dates, fields of mixed
  kinds) are evaluated client-side over the payloads and passed on as a set of point ids, so both stores return the
  same ids for the same filter;
* **BM25**: the document side of BM25 (term frequency with length normalisation, ``k1``, ``b``) is stored as the
  sparse vector and Qdrant applies IDF at query time (``Modifier.IDF``), so IDF stays right as points come and go;
  tokens are mapped to sparse indices by CRC32 of the token (stable across processes, no vocabulary to store);
* **hybrid with RRF** is one ``query_points`` call with a dense and a sparse ``prefetch`` fused by ``RrfQuery``;
* **MMR** on dense search is Qdrant's ``NearestQuery(mmr=Mmr(diversity=1 - lambda))``.

Weighted score fusion and MMR over fused or reranked lists have no Qdrant equivalent; they run client-side on the
candidates, exactly as for the local store.
"""

from __future__ import annotations

import os
import uuid
import warnings
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.data.documents import Chunk
from embedlab.errors import InputError, ParameterError
from embedlab.index.filters import Condition, Kind, kind_of, merge_kinds, native_in_qdrant, to_qdrant
from embedlab.index.local import tokenize
from embedlab.index.manifest import IndexCorruptedError, Manifest, write_manifest
from embedlab.index.store import FirstStage, Ranked
from embedlab.utils.optional import require

_NAMESPACE = uuid.UUID("6f1c2a8e-5d7b-4c1e-9a3f-0b2d4e6f8a10")


def point_id(chunk_id: str) -> str:
    """Qdrant point ids must be integers or UUIDs: a stable UUID made from the chunk id."""
    return str(uuid.uuid5(_NAMESPACE, chunk_id))


def term_index(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) & 0x7FFFFFFF


class QdrantStore:
    """A Qdrant collection behind the :class:`~embedlab.index.store.Store` protocol."""

    backend = "qdrant"

    def __init__(self, client: Any, collection: str, manifest: Manifest) -> None:
        self.client = client
        self.collection = collection
        self.manifest = manifest
        self.settings = manifest.settings

    # --------------------------------------------------------------------------------------------- lifecycle
    @staticmethod
    def _client(folder: Path, url: str | None) -> Any:
        qc = require("qdrant_client", "index")
        if url:
            with warnings.catch_warnings():  # its version check warns first when the server is unreachable
                warnings.simplefilter("ignore", UserWarning)
                client = qc.QdrantClient(url=url, api_key=os.environ.get("QDRANT_API_KEY"), timeout=30)
            try:
                client.get_collections()  # the client connects lazily: fail here, in one line, not mid-build
            except Exception as exc:  # httpx/grpc/qdrant errors differ by transport and version
                client.close()
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise InputError(f"cannot reach the Qdrant server at {url} ({reason})") from exc
            return client
        try:
            return qc.QdrantClient(path=str(folder / "qdrant"))
        except RuntimeError as exc:  # local mode allows one client per folder
            raise InputError(f"Qdrant local storage is in use by another process ({exc})", path=folder) from exc

    @classmethod
    def check(cls, options: dict[str, Any]) -> None:
        """Refuse quantization and IVF (not mapped to Qdrant's yet) and an unreachable server, before any embedding."""
        if options.get("quantize", "none") != "none":
            raise ParameterError("quantize", "only the local store quantizes its vectors; use backend='local'")
        if options.get("ann", "auto") == "ivf":
            raise ParameterError("ann", "Qdrant searches an HNSW graph; IVF needs backend='local'")
        if options.get("url"):
            cls._client(Path("."), options["url"]).close()

    @classmethod
    def create(cls, folder: Path, manifest: Manifest, options: dict[str, Any]) -> QdrantStore:
        """Create the collection (replacing one of the same name) and record it in the manifest settings.

        Args:
            options: ``url`` (None: Qdrant's local mode inside ``folder``) and ``collection``.
        """
        from qdrant_client import models

        folder = Path(folder)
        url, collection = options.get("url"), str(options.get("collection") or folder.name)
        cls.check({**options, "url": None})
        manifest.settings = {
            "url": url,
            "collection": collection,
            "bm25_k1": 1.5,
            "bm25_b": 0.75,
            "avgdl": None,
            "fields": {},
        }
        client = cls._client(folder, url)
        if client.collection_exists(collection):
            client.delete_collection(collection)
        client.create_collection(
            collection,
            vectors_config={
                "dense": models.VectorParams(
                    size=manifest.dimension,
                    distance=models.Distance.COSINE if manifest.normalize else models.Distance.DOT,
                )
            },
            sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        if url:  # payload indexes make filtered search fast on a server (local mode has no use for them)
            client.create_payload_index(collection, "doc_id", field_schema=models.PayloadSchemaType.KEYWORD)
        return cls(client, collection, manifest)

    @classmethod
    def open(cls, folder: Path, manifest: Manifest, *, verify: bool = True) -> QdrantStore:
        """Connect to the collection of an existing index (``verify``: nothing to checksum; Qdrant owns the data)."""
        folder = Path(folder)
        url = manifest.settings.get("url")
        collection = manifest.settings.get("collection", "")
        if not url and not (folder / "qdrant").is_dir():
            raise IndexCorruptedError(
                "Qdrant local storage folder 'qdrant/' is missing; rebuild the index", path=folder
            )
        client = cls._client(folder, url)
        if not client.collection_exists(collection):
            raise IndexCorruptedError(
                f"Qdrant collection {collection!r} does not exist; rebuild the index", path=folder
            )
        return cls(client, collection, manifest)

    def close(self) -> None:
        self.client.close()

    def commit(self, folder: Path, manifest: Manifest) -> Manifest:
        """Points are written as they come (``wait=True``); the manifest records count, fields and generation."""
        manifest.settings = self.settings
        manifest.count = self.count
        manifest.generation += 1
        write_manifest(folder, manifest)
        self.manifest = manifest
        return manifest

    def info(self) -> dict[str, Any]:
        return {"deleted_pending_compaction": 0, "collection": self.collection, "url": self.settings.get("url")}

    # --------------------------------------------------------------------------------------------- writing
    def _sparse(self, text: str) -> Any:
        from qdrant_client import models

        tf = Counter(term_index(t) for t in tokenize([text])[0])
        k1, b = float(self.settings["bm25_k1"]), float(self.settings["bm25_b"])
        dl = sum(tf.values())
        avgdl = float(self.settings.get("avgdl") or max(dl, 1))
        indices = sorted(tf)
        values = [tf[i] * (k1 + 1) / (tf[i] + k1 * (1 - b + b * dl / avgdl)) for i in indices]
        return models.SparseVector(indices=indices, values=values)

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        from qdrant_client import models

        if self.settings.get("avgdl") is None and chunks:
            # Fixed at build time: BM25's length normalisation uses the corpus' average length; later additions keep
            # this average (IDF, the part that moves most, is recomputed by Qdrant on every query).
            lengths = [len(t) for t in tokenize([c.text for c in chunks])]
            self.settings["avgdl"] = float(np.mean(lengths)) if lengths else 1.0
        kinds = self.field_kinds()
        for start in range(0, len(chunks), 256):
            batch = chunks[start : start + 256]
            points = []
            for c, v in zip(batch, vectors[start : start + 256], strict=True):
                for key, value in c.metadata.items():
                    for x in value if isinstance(value, list) else [value]:
                        kinds[key] = merge_kinds(kinds.get(key), kind_of(x)) or "mixed"  # type: ignore[assignment]
                payload = {
                    "id": c.id,
                    "doc_id": c.doc_id,
                    "text": c.text,
                    "start": c.start,
                    "end": c.end,
                    "meta": {k: v for k, v in c.metadata.items() if v is not None},  # null = no field
                }
                points.append(
                    models.PointStruct(
                        id=point_id(c.id),
                        vector={"dense": np.asarray(v, dtype=np.float32).tolist(), "bm25": self._sparse(c.text)},
                        payload=payload,
                    )
                )
            self.client.upsert(self.collection, points=points, wait=True)
        self.settings["fields"] = dict(sorted(kinds.items()))

    def _id_filter(self, ids: Sequence[str]) -> Any:
        from qdrant_client import models

        return models.Filter(
            should=[
                models.FieldCondition(key="doc_id", match=models.MatchAny(any=list(ids))),
                models.FieldCondition(key="id", match=models.MatchAny(any=list(ids))),
            ]
        )

    def delete(self, ids: Sequence[str]) -> int:
        from qdrant_client import models

        if not ids:
            return 0
        flt = self._id_filter(ids)
        n = self.client.count(self.collection, count_filter=flt, exact=True).count
        if n:
            self.client.delete(self.collection, points_selector=models.FilterSelector(filter=flt), wait=True)
        return int(n)

    def compact(self) -> int:
        """Nothing to do: Qdrant's optimizer vacuums deleted points in the background."""
        return 0

    # --------------------------------------------------------------------------------------------- reading
    @property
    def count(self) -> int:
        return int(self.client.count(self.collection, exact=True).count)

    def _scroll_payload(self, keys: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = None
        while True:
            points, offset = self.client.scroll(self.collection, limit=1024, offset=offset, with_payload=keys)
            out.extend(p.payload or {} for p in points)
            if offset is None:
                return out

    def live_doc_ids(self) -> set[str]:
        return {str(p["doc_id"]) for p in self._scroll_payload(["doc_id"])}

    def fields(self) -> list[str]:
        return sorted(self.field_kinds())

    def field_kinds(self) -> dict[str, Kind]:
        fields = self.settings.get("fields") or {}
        if isinstance(fields, list):  # indexes before 0.6 recorded names only: compare loosely, client-side
            return dict.fromkeys(fields, "mixed")  # type: ignore[arg-type]
        return dict(fields)

    def _filter(self, conditions: Sequence[Condition]) -> tuple[Any, bool]:
        """The Qdrant filter for typed conditions, and whether it can match anything at all.

        Conditions Qdrant does not evaluate like :meth:`Condition.matches` are applied here over the payloads of
        the points that pass the others, and become a ``HasIdCondition``.
        """
        from qdrant_client import models

        native = [c for c in conditions if native_in_qdrant(c)]
        rest = [c for c in conditions if not native_in_qdrant(c)]
        flt = to_qdrant(native)
        if not rest:
            return flt, True
        allowed: list[Any] = []
        offset = None
        while True:
            points, offset = self.client.scroll(
                self.collection, scroll_filter=flt, limit=1024, offset=offset, with_payload=["meta"]
            )
            allowed.extend(p.id for p in points if all(c.matches((p.payload or {}).get("meta") or {}) for c in rest))
            if offset is None:
                break
        if not allowed:
            return None, False
        has_id = models.HasIdCondition(has_id=allowed)
        if flt is None:
            return models.Filter(must=[has_id]), True
        return models.Filter(must=[*(flt.must or []), has_id], must_not=flt.must_not), True

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        points = self.client.retrieve(self.collection, ids=[point_id(i) for i in ids], with_payload=True)
        by_id = {p.payload["id"]: p.payload for p in points}
        return [
            Chunk(i, by_id[i]["doc_id"], by_id[i]["text"], by_id[i]["start"], by_id[i]["end"], by_id[i]["meta"])
            for i in ids
        ]

    def get_vectors(self, ids: Sequence[str]) -> np.ndarray:
        points = self.client.retrieve(self.collection, ids=[point_id(i) for i in ids], with_vectors=["dense"])
        by_id = {str(p.id): p.vector["dense"] for p in points}
        return np.asarray([by_id[point_id(i)] for i in ids], dtype=np.float32)

    def _params(self, exact: bool) -> Any:
        from qdrant_client import models

        # local mode always searches exactly (and warns about search parameters)
        return models.SearchParams(exact=True) if exact and self.settings.get("url") else None

    def _hits(self, response: Any) -> list[tuple[str, float]]:
        return [(p.payload["id"], float(p.score)) for p in response.points]

    def dense(
        self, query: np.ndarray, k: int, conditions: Sequence[Condition] = (), *, exact: bool = False
    ) -> list[tuple[str, float]]:
        flt, possible = self._filter(conditions)
        if not possible or k <= 0:
            return []
        response = self.client.query_points(
            self.collection,
            query=np.asarray(query, dtype=np.float32).tolist(),
            using="dense",
            limit=k,
            query_filter=flt,
            search_params=self._params(exact),
            with_payload=["id"],
        )
        return self._hits(response)

    def _sparse_query(self, text: str) -> Any:
        from qdrant_client import models

        indices = sorted({term_index(t) for t in tokenize([text])[0]})
        return models.SparseVector(indices=indices, values=[1.0] * len(indices))

    def lexical(self, query: str, k: int, conditions: Sequence[Condition] = ()) -> list[tuple[str, float]]:
        sparse = self._sparse_query(query)
        flt, possible = self._filter(conditions)
        if not sparse.indices or not possible or k <= 0:
            return []
        response = self.client.query_points(
            self.collection,
            query=sparse,
            using="bm25",
            limit=k,
            query_filter=flt,
            with_payload=["id"],
        )
        return [(i, s) for i, s in self._hits(response) if s > 0]

    def native_search(self, request: FirstStage, stage: dict[str, dict[str, float]]) -> Ranked | None:
        """Hybrid RRF and dense MMR as single Qdrant queries; None for what Qdrant does not do (done client-side)."""
        from qdrant_client import models

        r = request
        flt, possible = self._filter(r.conditions)
        if not possible:
            return []
        if r.mode == "hybrid" and r.fusion == "rrf" and r.mmr_lambda is None:
            dense_q = np.asarray(r.query_vector, dtype=np.float32).tolist()
            prefetch = [
                models.Prefetch(query=dense_q, using="dense", limit=r.depth, filter=flt, params=self._params(r.exact))
            ]
            sparse = self._sparse_query(r.query)
            if sparse.indices:
                prefetch.append(models.Prefetch(query=sparse, using="bm25", limit=r.depth, filter=flt))
            response = self.client.query_points(
                self.collection,
                prefetch=prefetch,
                # Qdrant counts ranks from 0, embedlab's rrf() from 1: k + 1 gives the same scores.
                query=models.RrfQuery(rrf=models.Rrf(k=r.rrf_k + 1)),
                limit=r.depth,
                with_payload=["id"],
            )
            ranked = self._hits(response)
            stage["hybrid"] = dict(ranked)
            return ranked
        if r.mode == "dense" and r.mmr_lambda is not None:
            response = self.client.query_points(
                self.collection,
                query=models.NearestQuery(
                    nearest=np.asarray(r.query_vector, dtype=np.float32).tolist(),
                    mmr=models.Mmr(diversity=1.0 - r.mmr_lambda, candidates_limit=max(r.depth, r.k)),
                ),
                using="dense",
                limit=r.k,
                query_filter=flt,
                with_payload=["id"],
            )
            ranked = self._hits(response)
            stage["mmr"] = dict(ranked)
            return ranked
        return None
