"""quiet_tqdm: library progress bars disabled inside the block, and only there."""

from __future__ import annotations

import io

from tqdm import tqdm

from embedlab.utils.progress import quiet_tqdm


def _drawn(**kw) -> str:
    out = io.StringIO()
    for _ in tqdm(range(3), file=out, desc="Batches", **kw):
        pass
    return out.getvalue()


def test_bars_are_silenced_only_inside_the_block():
    assert "Batches" in _drawn()
    with quiet_tqdm():
        assert _drawn() == "" and _drawn(disable=False) == ""  # even a bar that asks to be shown
    assert "Batches" in _drawn()  # the constructor is restored
    with quiet_tqdm(enabled=False):
        assert "Batches" in _drawn()
