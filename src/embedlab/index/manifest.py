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
from pathlib import Path
from typing import Any

from embedlab.errors import EmbedlabError, InputError
from embedlab.models.fingerprint import model_fingerprint, sha256_file
from embedlab.utils.atomic import atomic_write_json

MANIFEST = "manifest.json"
FORMAT = "embedlab-index"
FORMAT_VERSION = 1


class IndexError_(InputError):
    """The index folder is missing, incomplete or not an embedlab index."""


class IndexCorruptedError(IndexError_):
    """A file of the index does not match the checksum in its manifest."""


class ModelMismatchError(EmbedlabError):
    """The index was built with another embedding model than the one given."""


@dataclass
class Manifest:
    """Everything needed to reopen and trust an index.

    Attributes:
        model: ``{"name", "path", "fingerprint"}`` of the embedding model.
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
        IndexError_: the folder or its manifest is missing, or it is not an embedlab index of a known version.
    """
    f = Path(folder)
    if not f.exists():
        raise IndexError_("index not found", path=f)
    mpath = f / MANIFEST
    if not mpath.is_file():
        raise IndexError_(f"not an embedlab index (no {MANIFEST})", path=f)
    try:
        data = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptedError(f"manifest is not valid JSON ({exc})", path=mpath) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise IndexError_("not an embedlab index manifest", path=mpath)
    if data.get("format_version", 0) > FORMAT_VERSION:
        raise IndexError_(
            f"index format version {data['format_version']} is newer than this embedlab reads ({FORMAT_VERSION}); "
            "upgrade embedlab",
            path=mpath,
        )
    known = set(Manifest.__dataclass_fields__)
    try:
        return Manifest(**{k: v for k, v in data.items() if k in known})
    except TypeError as exc:
        raise IndexCorruptedError(f"manifest is missing fields ({exc})", path=mpath) from exc


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


def check_model(manifest: Manifest, name: str, path: str, *, index_path: str | Path = "") -> None:
    """Refuse a model that is not the one the index was built with.

    Raises:
        ModelMismatchError: the fingerprints differ; the message names both models.
    """
    fingerprint = model_fingerprint(path)
    if fingerprint != manifest.model.get("fingerprint"):
        where = f"{index_path}: " if index_path else ""
        raise ModelMismatchError(
            f"{where}index was built with model {manifest.model.get('name')!r} "
            f"(fingerprint {manifest.model.get('fingerprint')}), not {name!r} (fingerprint {fingerprint}); "
            "query it with the model it was built with, or rebuild it"
        )
