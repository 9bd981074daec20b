"""One writer at a time per index: an exclusive ``flock`` on a lock file beside the index folder.

Every write of an index (``build`` over an existing one, ``add``, ``delete``, ``compact``, saving search settings)
runs inside :func:`writer_lock`. The lock file is ``.<name>.lock`` in the index's parent folder rather than inside
the index, because ``build`` replaces the whole folder: a lock inside it would be swapped out from under a waiting
writer. ``flock`` locks die with their process, so a killed writer never leaves the index locked.

A second writer waits (``timeout`` seconds, :data:`LOCK_TIMEOUT` by default, or ``EMBEDLAB_LOCK_TIMEOUT``), then fails
with one line. Readers take no lock: the manifest swap is the commit point (see :mod:`embedlab.index.local`).

Example:
    >>> with writer_lock("my-index"):
    ...     ...  # read the manifest, check the generation, write, commit
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from embedlab.errors import InputError

LOCK_TIMEOUT = 600.0


class IndexLockedError(InputError):
    """Another process kept the index locked for longer than the timeout."""


def lock_path(index: str | Path) -> Path:
    """The lock file of an index folder."""
    p = Path(index).absolute()
    return p.parent / f".{p.name}.lock"


def default_timeout() -> float:
    raw = os.environ.get("EMBEDLAB_LOCK_TIMEOUT")
    try:
        return float(raw) if raw else LOCK_TIMEOUT
    except ValueError:
        return LOCK_TIMEOUT


@contextlib.contextmanager
def writer_lock(index: str | Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive writer lock of ``index`` for the ``with`` block.

    Args:
        index: the index folder (it need not exist yet: ``build`` locks before creating it).
        timeout: seconds to wait for another writer (None: :func:`default_timeout`).

    Raises:
        IndexLockedError: still locked after ``timeout`` seconds.
    """
    import fcntl

    timeout = default_timeout() if timeout is None else timeout
    path = lock_path(index)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"another process is writing this index (waited {timeout:g} s); try again when it is done",
                        path=index,
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
