"""Atomic writes: nothing is ever left half-written.

Every output is written to a temporary name beside its final place and renamed over it when complete, so a crash or
Ctrl-C leaves either the old file (or folder) or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    # os.umask can only be read by setting it; set it back at once.
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _ordinary_mode(path: Path, *, folder: bool) -> None:
    """Give a temp file/folder the permissions a plain ``open``/``mkdir`` would have.

    mkstemp/mkdtemp create private (0600/0700) entries; once renamed into place they would stay private.
    """
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    Use it for libraries that want a file name to write to (``np.save``, ``kv.save``...).

    Example:
        >>> with atomic_path("vectors.txt") as tmp:
        ...     kv.save_word2vec_format(str(tmp))
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    _ordinary_mode(tmp, folder=False)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; rename it to ``path`` when the block succeeds."""
    if "r" in mode or "a" in mode:
        raise ValueError("atomic_open is for writing only")
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return Path(path)


def atomic_write_json(path: str | Path, obj: Any, indent: int = 2) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically and return the path."""
    import json

    return atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False, default=str) + "\n")


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; swap it into place when the block succeeds.

    An existing folder at ``path`` is replaced only after the new one is complete (it is moved aside, the new one
    renamed in, then the old one removed), so readers never see a half-written folder.

    Example:
        >>> with atomic_dir("my-model") as tmp:
        ...     model.save(str(tmp))
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and not overwrite:
        raise FileExistsError(str(final))
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    _ordinary_mode(tmp, folder=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
