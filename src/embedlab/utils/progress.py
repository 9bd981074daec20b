"""Silence the tqdm progress bars that libraries draw unasked.

sentence-transformers draws tqdm bars in places that take no switch (``mine_hard_negatives`` encodes with
``show_progress_bar=True``; the trainer's "Computing widget examples"). embedlab shows its own rich progress, so
while :func:`quiet_tqdm` is active every tqdm bar is created disabled. tqdm itself only reads ``TQDM_DISABLE`` when it
is first imported, hence the patch of its constructor for the duration of the block.

Example:
    >>> with quiet_tqdm():
    ...     mined = mine_hard_negatives(...)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_tqdm(enabled: bool = True) -> Iterator[None]:
    """Within the block, tqdm bars are disabled (``enabled=False`` makes this a no-op, for a ``--progress`` flag)."""
    if not enabled:
        yield
        return
    from tqdm import std

    original = std.tqdm.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["disable"] = True
        original(self, *args, **kwargs)

    std.tqdm.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        std.tqdm.__init__ = original  # type: ignore[method-assign]
