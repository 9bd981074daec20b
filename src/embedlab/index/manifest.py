"""The index manifest: what an index was built with, and a checksum of every file in it.

An index folder is only meaningful together with the model that embedded it: a query embedded by another model lands
in another vector space and search silently returns nonsense. ``manifest.json`` therefore records the model (its name,
and a fingerprint of its weights and configuration), the embedding dimension, whether vectors are normalised, the
backend and its settings, and the SHA-256 of each file. Loading checks all of it and refuses, with one clear line, an
index opened with another model or whose files were changed or truncated.

The manifest is also the *commit point* of every write: data files are written under new names first, and the
manifest that names them is swapped in atomically last, so a crash at any moment leaves the previous, complete index.

Example:
    >>> m = read_manifest("my-index")
    >>> m.model["name"], m.dimension, m.normalize
    ('all-MiniLM-L6-v2', 384, True)
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from embedlab.errors import EmbedlabError, InputError
from embedlab.models.fingerprint import model_fingerprint, sha256_file
from embedlab.utils.atomic import atomic_write_json

MANIFEST = "manifest.json"
FORMAT = "embedlab-index"
FORMAT_VERSION = 1


class NotAnIndexError(InputError):
    """The index folder is missing, incomplete or not an embedlab index."""


IndexError_ = NotAnIndexError  # the old name, kept for code written against embedlab < 0.6


class IndexCorruptedError(NotAnIndexError):
    """A file of the index does not match the checksum in its manifest."""


class ModelMismatchError(EmbedlabError):
    """The index was built with another embedding model than the one given."""


@dataclass
class Manifest:
    """Everything needed to reopen and trust an index.

    Attributes:
        model: ``{"name", "path", "fingerprint", "backend"}`` of the embedding model: ``fingerprint`` is the
            encoder's (:attr:`embedlab.models.Encoder.fingerprint`), ``backend`` what computed the vectors
            (``torch``, ``onnx``...; indexes before 0.6 have none and mean ``torch``).
        dimension: embedding dimension.
        normalize: whether vectors (and queries) are L2-normalised, making inner product the cosine.
        backend: ``local`` or ``qdrant``.
        settings: backend settings (ANN kind and parameters, Qdrant URL and collection...).
        chunking: how documents were split (``{"by", "size", "overlap"}``).
        files: file name -> ``{"sha256", "bytes"}`` for every data file.
        count: live chunks (deleted ones excluded).
        generation: increases with every write; data files carry it in their names.
        search: saved search settings (``embedlab tune`` writes them); a search uses them unless told otherwise.
    """

    model: dict[str, Any]
    dimension: int
    normalize: bool = True
    backend: str = "local"
    settings: dict[str, Any] = field(default_factory=dict)
    chunking: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    count: int = 0
    generation: int = 0
    search: dict[str, Any] = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    updated: str = ""
    embedlab_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def write_manifest(folder: str | Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` atomically (the commit point of an index write)."""
    from embedlab import __version__

    manifest.updated = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    manifest.embedlab_version = __version__
    return atomic_write_json(Path(folder) / MANIFEST, manifest.to_dict())


def read_manifest(folder: str | Path) -> Manifest:
    """Read and validate ``manifest.json`` of an index folder.

    Raises:
        NotAnIndexError: the folder or its manifest is missing, or it is not an embedlab index of a known version.
    """
    f = Path(folder)
    if not f.exists():
        raise NotAnIndexError("index not found", path=f)
    mpath = f / MANIFEST
    if not mpath.is_file():
        raise NotAnIndexError(f"not an embedlab index (no {MANIFEST})", path=f)
    try:
        data = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptedError(f"manifest is not valid JSON ({exc})", path=mpath) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotAnIndexError("not an embedlab index manifest", path=mpath)
    if data.get("format_version", 0) > FORMAT_VERSION:
        raise NotAnIndexError(
            f"index format version {data['format_version']} is newer than this embedlab reads ({FORMAT_VERSION}); "
            "upgrade embedlab",
            path=mpath,
        )
    known = set(Manifest.__dataclass_fields__)
    try:
        manifest = Manifest(**{k: v for k, v in data.items() if k in known})
    except TypeError as exc:
        raise IndexCorruptedError(f"manifest is missing fields ({exc})", path=mpath) from exc
    check_manifest(manifest, mpath)
    return manifest


_TYPES: dict[str, tuple[type, ...]] = {
    "model": (dict,),
    "normalize": (bool,),
    "backend": (str,),
    "settings": (dict,),
    "chunking": (dict,),
    "files": (dict,),
    "search": (dict,),
}


def _int_field(manifest: Manifest, name: str, low: int, where: Path) -> None:
    value = getattr(manifest, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise IndexCorruptedError(f"manifest field {name!r} must be an integer >= {low}, got {value!r}", path=where)


def safe_name(name: str) -> bool:
    """Whether a file name from a manifest stays inside the index folder (relative, no ``..``, no drive)."""
    pure = PurePosixPath(name.replace("\\", "/"))
    return bool(name) and not pure.is_absolute() and ".." not in pure.parts and ":" not in name


def check_manifest(manifest: Manifest, where: Path) -> None:
    """Refuse, in one line, a manifest of the wrong shape or naming files outside its folder.

    A manifest comes with an index from anywhere: ``"dimension": "abc"`` must not surface as a traceback deep in
    FAISS, and ``"files": {"../../home/me/.ssh/id_rsa": ...}`` must never be read.
    """
    _int_field(manifest, "dimension", 1, where)
    _int_field(manifest, "count", 0, where)
    _int_field(manifest, "generation", 0, where)
    for name, types in _TYPES.items():
        if not isinstance(getattr(manifest, name), types):
            raise IndexCorruptedError(
                f"manifest field {name!r} must be {types[0].__name__}, got {getattr(manifest, name)!r}", path=where
            )
    for name, entry in manifest.files.items():
        if not safe_name(name):
            raise IndexCorruptedError(f"manifest names a file outside the index folder: {name!r}", path=where)
        ok = isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
        if not ok or isinstance(entry.get("bytes"), bool) or not isinstance(entry.get("bytes"), int):
            raise IndexCorruptedError(f"manifest entry of {name!r} needs sha256 and bytes", path=where)


def manifest_token(folder: str | Path) -> str:
    """A fingerprint of the manifest on disk: writers compare it to see whether another writer committed."""
    path = Path(folder) / MANIFEST
    try:
        return sha256_file(path)
    except FileNotFoundError:
        return ""


def verify_files(folder: str | Path, manifest: Manifest) -> None:
    """Check every file named in the manifest exists with its recorded size and SHA-256.

    Raises:
        IndexCorruptedError: naming the first file that is missing, truncated or changed.
    """
    f = Path(folder)
    for name, entry in manifest.files.items():
        path = f / name
        if not path.is_file():
            raise IndexCorruptedError(f"index file {name} is missing; rebuild the index", path=f)
        if path.stat().st_size != entry["bytes"]:
            raise IndexCorruptedError(
                f"index file {name} has {path.stat().st_size} bytes, the manifest says {entry['bytes']} "
                "(truncated or changed); rebuild the index",
                path=f,
            )
        if sha256_file(path) != entry["sha256"]:
            raise IndexCorruptedError(
                f"index file {name} does not match its checksum (corrupted or changed); rebuild the index", path=f
            )


def check_model(
    manifest: Manifest,
    name: str,
    path: str = "",
    *,
    index_path: str | Path = "",
    fingerprint: str | None = None,
    backend: str | None = None,
) -> None:
    """Refuse a model (or an encoder backend) that is not the one the index was built with.

    Args:
        manifest: the index's manifest.
        name: the model as the user named it (for the message).
        path: its folder, fingerprinted when ``fingerprint`` is not given.
        fingerprint: the encoder's fingerprint.
        backend: the encoder's backend (``torch``, ``onnx``...); None: not checked.

    Raises:
        ModelMismatchError: the fingerprints or the backends differ; the message names both.
    """
    where = f"{index_path}: " if index_path else ""
    built = manifest.model.get("backend", "torch")
    if backend is not None and backend != built:
        raise ModelMismatchError(
            f"{where}index was embedded with the {built!r} backend, not {backend!r}: queries must be embedded the "
            f"same way; query it with --encoder-backend {built}, or rebuild it with --encoder-backend {backend}"
        )
    fingerprint = fingerprint if fingerprint is not None else model_fingerprint(path)
    if fingerprint != manifest.model.get("fingerprint"):
        raise ModelMismatchError(
            f"{where}index was built with model {manifest.model.get('name')!r} "
            f"(fingerprint {manifest.model.get('fingerprint')}), not {name!r} (fingerprint {fingerprint}); "
            "query it with the model it was built with, or rebuild it"
        )
