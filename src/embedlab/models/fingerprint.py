"""One fingerprint for a model: a short hash that changes when its weights or configuration change.

The index refuses queries from a model whose fingerprint differs from the one it was built with, and the embedding
cache keys its shards on it, so both use this one function. It hashes the content (SHA-256) of the configuration and
weight files of a local model (a folder, recursively, so pooling and dense layers count; or a single file such as
word vectors). A hub id that is not on disk hashes to its name. Results are memoised per process by path and the
newest modification time, so a model is read once however often it is asked for.

Example:
    >>> model_fingerprint("/path/to/all-MiniLM-L6-v2")  # doctest: +SKIP
    '5a1bc0f6e2d94c87'
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_CONFIG_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json", "vocab.txt")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".onnx", ".npy", ".kv", ".parquet")
_memo: dict[tuple[str, float], str] = {}


def sha256_file(path: str | Path, *, chunk: int = 1 << 22) -> str:
    """SHA-256 of a file, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def model_fingerprint(path: str | Path) -> str:
    """A 16-hex-digit hash of a model's configuration and weight files (see the module docstring)."""
    p = Path(path)
    if not p.exists():
        return "name:" + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    files = (
        [p]
        if p.is_file()
        else sorted(
            f for f in p.rglob("*") if f.is_file() and (f.name in _CONFIG_FILES or f.suffix in _WEIGHT_SUFFIXES)
        )
    )
    key = (str(p.resolve()), max((f.stat().st_mtime for f in files), default=0.0))
    if key not in _memo:
        h = hashlib.sha256()
        for f in files:
            h.update(str(f.relative_to(p) if p.is_dir() else f.name).encode())
            h.update(sha256_file(f).encode())
        _memo[key] = h.hexdigest()[:16]
    return _memo[key]


def variant_fingerprint(model: str, **settings: object) -> str:
    """The fingerprint of a model run with settings that change its vectors (backend, sequence length).

    With no settings (or only ``None`` values) this is the model's own fingerprint, so indexes and caches made with
    the default torch backend keep matching.
    """
    extra = {k: v for k, v in sorted(settings.items()) if v is not None}
    if not extra:
        return model
    return hashlib.sha256(f"{model}|{extra!r}".encode()).hexdigest()[:16]
