"""Encoders: one interface over sentence-transformers models and static word vectors.

Evaluation treats every model as a function from a list of texts to a matrix of embeddings. A sentence-transformers
model (folder, alias or hub id) encodes with :meth:`SentenceTransformer.encode`, which already sorts each call's texts
by length so batches carry little padding. A static word-vector model (``embedlab words`` output, GloVe) becomes a
sentence encoder by averaging the vectors of the known words of each text: the classic baseline that
sentence-level training has to beat.

Example:
    >>> enc = load_encoder("glove-6B-50d")
    >>> enc.encode(["the cat sat", "a dog barked"]).shape
    (2, 50)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from embedlab.models.resolve import resolve_model

if TYPE_CHECKING:
    from gensim.models import KeyedVectors
    from sentence_transformers import SentenceTransformer

_TOKEN = re.compile(r"\w+(?:'\w+)?", re.UNICODE)


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into a float32 matrix, one row per text."""

    name: str
    kind: str

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def encode(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray: ...

    def info(self) -> dict[str, Any]: ...


def _fingerprint(path: str) -> str:
    """A key that changes when the model files change: the path plus every file's size and modification time."""
    p = Path(path)
    h = hashlib.sha1(str(p.resolve()).encode())
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        st = f.stat()
        h.update(f"{f.relative_to(p) if p.is_dir() else f.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


@dataclass
class SentenceEncoder:
    """A sentence-transformers model as an :class:`Encoder`.

    Args:
        model: the loaded model.
        name: the name the user gave (shown in tables).
        path: where it was loaded from (for the cache key).
    """

    model: SentenceTransformer
    name: str
    path: str
    kind: str = "sentence-transformers"
    _fp: str | None = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        from embedlab.models import embedding_dimension

        return embedding_dimension(self.model) or int(self.model.encode(["x"]).shape[1])

    @property
    def fingerprint(self) -> str:
        if self._fp is None:
            self._fp = (
                _fingerprint(self.path)
                if Path(self.path).exists()
                else hashlib.sha1(self.path.encode()).hexdigest()[:16]
            )
        return self._fp

    def encode(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)

    def info(self) -> dict[str, Any]:
        params = sum(p.numel() for p in self.model.parameters())
        nbytes = sum(p.numel() * p.element_size() for p in self.model.parameters())
        nbytes += sum(b.numel() * b.element_size() for b in self.model.buffers())
        return {
            "kind": self.kind,
            "params": int(params),
            "dim": self.dim,
            "model_mb": round(nbytes / 2**20, 2),
            "max_seq_length": self.model.max_seq_length,
            "similarity": getattr(self.model, "similarity_fn_name", None) or "cosine",
        }


@dataclass
class WordAverageEncoder:
    """Static word vectors averaged over the words of a text (lower-cased ``\\w+`` tokens found in the vocabulary).

    A text with no known word gets the zero vector. Args: ``vectors`` (gensim KeyedVectors), ``name``, ``path``.
    """

    vectors: KeyedVectors
    name: str
    path: str
    lowercase: bool = True
    kind: str = "word-vectors"
    _fp: str | None = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        return int(self.vectors.vector_size)

    @property
    def fingerprint(self) -> str:
        if self._fp is None:
            self._fp = _fingerprint(self.path)
        return self._fp

    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` that have a vector."""
        words = _TOKEN.findall(text.lower() if self.lowercase else text)
        return [w for w in words if w in self.vectors.key_to_index]

    def encode(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        index = self.vectors.key_to_index
        matrix = self.vectors.vectors
        for i, text in enumerate(texts):
            ids = [index[w] for w in self.tokens(text)]
            if ids:
                out[i] = matrix[ids].mean(axis=0)
        return out

    def info(self) -> dict[str, Any]:
        n, d = self.vectors.vectors.shape
        return {
            "kind": self.kind,
            "params": int(n * d),
            "dim": int(d),
            "model_mb": round(self.vectors.vectors.nbytes / 2**20, 2),
            "vocabulary": int(n),
            "similarity": "cosine",
        }


def load_encoder(name: str, *, device: str | None = None, max_seq_length: int | None = None) -> Encoder:
    """Load any model argument as an :class:`Encoder`.

    Args:
        name: a sentence-transformers folder, alias or hub id, or a word-vector model (``.kv``, word2vec, GloVe,
            ``glove-6B-50d``) to average.
        device: ``cpu``, ``cuda``... for transformer models.
        max_seq_length: truncate inputs of transformer models to this many tokens.

    Raises:
        ModelNotFoundError: the model cannot be found offline nor downloaded.

    Example:
        >>> load_encoder("all-MiniLM-L6-v2").dim
        384
    """
    resolved = resolve_model(name)
    if resolved.kind in ("word-vectors", "glove-npy"):
        from embedlab.words import load_vectors

        return WordAverageEncoder(load_vectors(name), name=name, path=resolved.path)
    from embedlab.models.resolve import load_sentence_model

    model = load_sentence_model(name, device=device or "cpu", max_seq_length=max_seq_length)
    return SentenceEncoder(model, name=name, path=resolved.path)
