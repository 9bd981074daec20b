"""No code from data files: pickles are loaded only when the user says they trust them.

A pickle is a program, not data: unpickling a crafted file runs whatever it says (delete files, open a shell). gensim's
own ``save()`` (``.kv``, ``.model``) and PyTorch's ``.bin``/``.pt`` weights are pickles. embedlab therefore reads by
default only formats that cannot carry code (word2vec text/binary, GloVe text, ``.npy`` with ``allow_pickle=False``,
safetensors, JSON, Parquet) and refuses a pickled file with one line, unless the caller opts in: ``--trust-pickle`` on
the command line, ``trust_pickle=True`` in Python.

Example:
    >>> from embedlab.utils.pickle_guard import is_pickle, refuse_pickle
    >>> if is_pickle("vectors.kv"):
    ...     refuse_pickle("vectors.kv", "a gensim KeyedVectors file")
"""

from __future__ import annotations

import bz2
import gzip
import os
from pathlib import Path

from embedlab.errors import InputError

# Weight files that PyTorch reads with its unpickler; a folder that has them and no .safetensors beside them can only
# be loaded by unpickling.
PICKLED_WEIGHT_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
# Pickles that sit in model folders but that loading a model never reads (the trainer's own arguments).
_NOT_LOADED = {"training_args.bin", "optimizer.pt", "scheduler.pt", "rng_state.pth", "scaler.pt"}

TRUST_PICKLE_HELP = (
    "Also load pickled files (gensim .kv/.model, PyTorch .bin/.pt weights). A pickle can run any code when it "
    "is loaded: use this only for files from a source you trust."
)


class UnsafeFileError(InputError):
    """A file that can only be loaded by unpickling it, refused because the caller did not say it trusts it."""


def _head(path: Path, size: int = 2) -> bytes:
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    try:
        with opener(path, "rb") as fh:
            return fh.read(size)
    except (OSError, EOFError):  # unreadable or a broken archive: not a pickle we could load either
        return b""


def is_pickle(path: str | os.PathLike[str]) -> bool:
    """Whether a file is a Python pickle (protocol 2 or later, what gensim and PyTorch write), or a PyTorch zip.

    Looks at the first bytes only (after gz/bz2 decompression), never at the name: a pickle renamed ``.txt`` is
    still a pickle.

    Example:
        >>> is_pickle("glove.6B.50d.txt")
        False
    """
    p = Path(path)
    if not p.is_file():
        return False
    head = _head(p)
    # 0x80 <protocol> starts every pickle of protocol 2+; "PK" is the zip container torch.save writes since 1.6,
    # whose data.pkl inside is again a pickle.
    return (len(head) == 2 and head[0] == 0x80 and head[1] <= 5) or (head == b"PK" and p.suffix in (".bin", ".pt"))


def refuse_pickle(path: str | os.PathLike[str], what: str) -> None:
    """Raise :class:`UnsafeFileError` for a pickled file the caller did not say it trusts.

    Args:
        path: the file (or folder) that would be unpickled.
        what: what the file is, for the message (``a pickled gensim file``).
    """
    raise UnsafeFileError(
        f"{what}: loading it would unpickle it, and a pickle can run code; refused. If you trust its source, "
        "pass --trust-pickle (Python: trust_pickle=True)",
        path=path,
    )


def pickled_weights(folder: str | os.PathLike[str]) -> list[Path]:
    """The weight files under a model folder that only an unpickler can read (no ``.safetensors`` beside them).

    sentence-transformers keeps each module in its own sub-folder (``2_Dense/``...), so each folder is judged on
    its own: ``pytorch_model.bin`` next to ``model.safetensors`` is ignored (safetensors is preferred on load).

    Example:
        >>> pickled_weights("my-old-model")
        [PosixPath('my-old-model/pytorch_model.bin')]
    """
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not d.startswith("checkpoint-")]
        if any(f.endswith(".safetensors") for f in files):
            continue
        found += [
            Path(root, f)
            for f in sorted(files)
            if f.endswith(PICKLED_WEIGHT_SUFFIXES) and f not in _NOT_LOADED and not _openvino_weights(Path(root, f))
        ]
    return found


def _openvino_weights(path: Path) -> bool:
    """An OpenVINO graph's ``.bin``: raw tensors beside its ``.xml`` (checked by content, not trusted by name)."""
    return path.suffix == ".bin" and path.with_suffix(".xml").is_file() and not is_pickle(path)
