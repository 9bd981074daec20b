"""Embedding cache on disk, keyed by (model fingerprint, role, text).

Encoding is the slow part of evaluation. Each model gets a folder named after its fingerprint (the content of its
files and the settings that change its vectors, so retraining a model in place invalidates it); each text is keyed
by the SHA-1 of its role and its UTF-8 bytes, since a prompted or two-tower model embeds the same text differently
as a query and as a document. A run encodes only texts it has not seen with that model and appends them as one new
shard (``keys-<id>.npy`` + ``vecs-<id>.npy``), written atomically, so an interrupted run never corrupts the cache.
A third file, ``sums-<id>.json``, written last, holds the SHA-256 of the other two: a shard whose files no longer
match it (a flipped bit, a truncated copy) is dropped with a warning and its texts are encoded again, so a damaged
cache costs time, never wrong vectors (before, it yielded NaN scores silently). A shard without its sums file is
still being written by another process, or was left by a killed run: it is skipped, not trusted.

:class:`CachedEncoder` also removes duplicates inside a call, so texts shared by several tasks are encoded once.

Example:
    >>> enc = CachedEncoder(load_encoder("all-MiniLM-L6-v2"), EmbeddingCache("~/.cache/embedlab/embeddings"))
    >>> enc.encode_queries(["hello"])  # encodes
    >>> enc.encode_queries(["hello"])  # read from disk
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.models.encoder import Encoder, Role, RoleMixin, check_role, l2_normalize
from embedlab.utils.atomic import atomic_path


def default_cache_dir() -> Path:
    """``$EMBEDLAB_CACHE`` or ``~/.cache/embedlab``, plus ``embeddings``."""
    base = os.environ.get("EMBEDLAB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "embedlab"
    )
    return Path(base).expanduser() / "embeddings"


def text_key(text: str, role: Role = "text") -> bytes:
    """The 20-byte SHA-1 of a role and a text: the cache key."""
    return hashlib.sha1(f"{role}\0{text}".encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """A folder of embedding shards per model fingerprint.

    Args:
        root: the cache folder (created on first write).
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self._loaded: dict[str, dict[bytes, np.ndarray]] = {}

    def _folder(self, fingerprint: str) -> Path:
        return self.root / fingerprint

    def table(self, fingerprint: str) -> dict[bytes, np.ndarray]:
        """All cached vectors of one model, read once per process."""
        if fingerprint not in self._loaded:
            table: dict[bytes, np.ndarray] = {}
            folder = self._folder(fingerprint)
            if folder.is_dir():
                for keys_file in sorted(folder.glob("keys-*.npy")):
                    shard = _read_shard(keys_file)
                    if shard is None:
                        continue
                    for k, v in zip(*shard, strict=False):
                        table[bytes(k)] = v
            self._loaded[fingerprint] = table
        return self._loaded[fingerprint]

    def add(self, fingerprint: str, keys: list[bytes], vectors: np.ndarray) -> None:
        """Store new vectors as one shard (the vectors file first, so a keys file always has its vectors)."""
        if not keys:
            return
        folder = self._folder(fingerprint)
        folder.mkdir(parents=True, exist_ok=True)
        shard = uuid.uuid4().hex[:12]
        key_arr = np.frombuffer(b"".join(keys), dtype="S20") if keys else np.zeros(0, dtype="S20")
        # np.save appends .npy to names without it; write through file handles to keep the atomic temp names.
        with atomic_path(folder / f"vecs-{shard}.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, vectors.astype(np.float32))
        with atomic_path(folder / f"keys-{shard}.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, key_arr)
        # The sums last: a shard is trusted only once both of its files are complete and checksummed.
        sums = {"keys": _sha256(folder / f"keys-{shard}.npy"), "vecs": _sha256(folder / f"vecs-{shard}.npy")}
        with atomic_path(folder / f"sums-{shard}.json") as tmp:
            Path(tmp).write_text(json.dumps(sums), encoding="utf-8")
        table = self.table(fingerprint)
        for k, v in zip(keys, vectors, strict=False):
            table[k] = v

    def clear(self, fingerprint: str | None = None) -> None:
        """Delete one model's cache, or all of it."""
        import shutil

        target = self._folder(fingerprint) if fingerprint else self.root
        shutil.rmtree(target, ignore_errors=True)
        self._loaded.clear()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_shard(keys_file: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """A shard's keys and vectors, or None: not finished (no sums file yet) or damaged (dropped, with a warning)."""
    shard = keys_file.name[5:-4]
    vec_file = keys_file.with_name(f"vecs-{shard}.npy")
    sums_file = keys_file.with_name(f"sums-{shard}.json")
    if not sums_file.is_file():
        return None  # being written, or left by a killed run before its sums: never trusted
    try:
        sums = json.loads(sums_file.read_text(encoding="utf-8"))
        intact = sums.get("keys") == _sha256(keys_file) and sums.get("vecs") == _sha256(vec_file)
        if intact:
            keys, vecs = np.load(keys_file), np.load(vec_file)
            intact = len(keys) == len(vecs) and bool(np.isfinite(vecs).all())
    except (OSError, ValueError, AttributeError):
        intact = False
    if intact:
        return keys, vecs
    warnings.warn(
        f"embedding cache: shard {keys_file.parent / shard} failed its checksum; dropped, its texts will be "
        "encoded again",
        RuntimeWarning,
        stacklevel=4,
    )
    for f in (sums_file, keys_file, vec_file):
        f.unlink(missing_ok=True)
    return None


class CachedEncoder(RoleMixin):
    """An :class:`Encoder` that reads known texts from an :class:`EmbeddingCache` and encodes only the rest.

    Attributes:
        encoded: how many texts this object actually sent to the model (the rest came from the cache).
    """

    def __init__(self, encoder: Encoder, cache: EmbeddingCache | None) -> None:
        self.encoder = encoder
        self.cache = cache
        self.name = encoder.name
        self.kind = encoder.kind
        self.backend = encoder.backend
        self.encoded = 0
        self._memory: dict[bytes, np.ndarray] = {}

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @property
    def fingerprint(self) -> str:
        return self.encoder.fingerprint

    def info(self) -> dict[str, Any]:
        return self.encoder.info()

    def encode(
        self, texts: list[str], *, role: Role = "text", batch_size: int = 32, normalize: bool = False
    ) -> np.ndarray:
        """Embeddings of ``texts`` in ``role``, in order; each distinct (role, text) is encoded at most once."""
        check_role(role)
        keys = [text_key(t, role) for t in texts]
        table = self.cache.table(self.fingerprint) if self.cache is not None else self._memory
        missing: dict[bytes, str] = {}
        for k, t in zip(keys, texts, strict=False):
            if k not in table and k not in missing:
                missing[k] = t
        if missing:
            new = self.encoder.encode(list(missing.values()), role=role, batch_size=batch_size)
            self.encoded += len(missing)
            if self.cache is not None:
                self.cache.add(self.fingerprint, list(missing), new)
            else:
                for k, v in zip(missing, new, strict=False):
                    table[k] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.stack([table[k] for k in keys]).astype(np.float32, copy=False)
        return l2_normalize(out) if normalize else out
