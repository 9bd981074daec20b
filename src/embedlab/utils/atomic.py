"""Atomic writes: nothing is ever left half-written.

Every output is written to a temporary name beside its final place and renamed over it when complete, so a crash or
Ctrl-C leaves either the old file (or folder) or the new one, never a mix. An output folder is only ever replaced
when it is embedlab's own output of the same kind: a folder marker (``.embedlab-output.json``) says which, and
anything else at that path (the user's files, a folder holding the command's input) is refused, never deleted.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from embedlab.errors import EmbedlabError


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


OUTPUT_MARKER = ".embedlab-output.json"


class OutputPathError(EmbedlabError):
    """An output path that embedlab must not write: someone else's folder or file, or one holding an input."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = Path(path)


def output_kind(path: str | Path) -> str | None:
    """The kind of embedlab output a folder holds (from its marker file), or None."""
    marker = Path(path) / OUTPUT_MARKER
    try:
        return str(json.loads(marker.read_text(encoding="utf-8")).get("kind")) if marker.is_file() else None
    except (OSError, ValueError, AttributeError):
        return None


def check_output_dir(
    path: str | Path,
    kind: str,
    *,
    inputs: Sequence[str | Path | None] = (),
    recognize: Callable[[Path], bool] | None = None,
) -> Path:
    """Refuse an output folder that embedlab must not replace; return it as a Path.

    A folder may be written when it does not exist, is empty, or is an earlier output of the same ``kind`` (its
    marker file says so, or ``recognize`` knows outputs made before markers existed). Anything else is the user's:
    a regular file, a folder of other things, a folder holding one of the command's ``inputs``.

    Raises:
        OutputPathError: the one line that says why and what to do.
    """
    final = Path(path)
    resolved = final.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        # Replacing it would swap out the folder the command runs in (and everything the user keeps there).
        where = "the current folder" if resolved == cwd else "a folder above the current one"
        raise OutputPathError(final, f"is {where}; choose a new output folder (nothing was changed)")
    for item in inputs:
        if item is None:
            continue
        src = Path(item).resolve()
        if src == resolved or resolved in src.parents:
            raise OutputPathError(final, f"holds the input {item}; choose an output folder outside the inputs")
    if not final.exists():
        return final
    if not final.is_dir():
        raise OutputPathError(final, f"exists and is a file, not a {kind} folder; choose another output path")
    if not any(final.iterdir()) or output_kind(final) == kind or (recognize is not None and recognize(final)):
        return final
    raise OutputPathError(
        final, f"exists and is not an embedlab {kind} output; choose another output folder (nothing was changed)"
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(final: Path) -> None:
    """Remove temporary folders that killed runs left beside ``final`` (``.NAME.<pid>.*.tmp`` of dead processes)."""
    if not final.parent.is_dir():
        return
    for entry in final.parent.glob(f".{final.name}.*"):
        m = _LEFTOVER.fullmatch(entry.name[len(final.name) + 2 :])
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


_LEFTOVER = re.compile(r"(?:old-)?(\d+)(?:\.[A-Za-z0-9_]+\.tmp)?")


@contextlib.contextmanager
def atomic_dir(
    path: str | Path,
    *,
    kind: str,
    inputs: Sequence[str | Path | None] = (),
    recognize: Callable[[Path], bool] | None = None,
) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; swap it into place when the block succeeds.

    The target is checked first (:func:`check_output_dir`): only a new or empty folder, or an earlier output of the
    same ``kind``, is ever replaced. An existing folder is replaced only after the new one is complete (it is moved
    aside, the new one renamed in, then the old one removed), so readers never see a half-written folder. The new
    folder gets a marker naming its kind; temporary folders of killed runs are removed.

    Args:
        path: the output folder.
        kind: what the folder holds (``index``, ``sentence-model``, ``word-vectors``...), kept in its marker.
        inputs: the command's input paths; an output folder that holds one is refused.
        recognize: tells outputs of this kind written before markers existed.

    Example:
        >>> with atomic_dir("my-model", kind="sentence-model") as tmp:
        ...     model.save(str(tmp))
    """
    final = check_output_dir(path, kind, inputs=inputs, recognize=recognize)
    final.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp", dir=final.parent))
    _ordinary_mode(tmp, folder=True)
    try:
        yield tmp
        (tmp / OUTPUT_MARKER).write_text(json.dumps({"kind": kind}) + "\n", encoding="utf-8")
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
