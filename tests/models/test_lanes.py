"""Lanes: the plan, the dealing of batches, the same rows back in order, and a forked child that can still use them."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from embedlab.models.backends.lanes import deal_batches, encode_in_lanes, in_lane, plan_lanes


def _encode(seen: list[tuple[str, bool, int]]):
    def encode(texts: list[str], size: int) -> np.ndarray:
        seen.append((threading.current_thread().name, in_lane(), size))
        return np.array([[float(len(t)), float(t.count("x"))] for t in texts], dtype=np.float32)

    return encode


def test_plan_and_deal() -> None:
    assert plan_lanes(100, 32, 2) == (2, 32)
    assert plan_lanes(100, 32, 1) == (1, 32)
    assert plan_lanes(40, 64, 2) == (2, 20)  # one batch of 16+ texts: one smaller batch per lane
    assert plan_lanes(15, 64, 2) == (1, 64)  # too small to split
    assert deal_batches([3, 1, 2, 5, 4], batch_size=2, lanes=2) == [[3, 4, 1], [0, 2]]


def test_rows_come_back_in_order_from_lane_threads() -> None:
    texts = ["x" * (i % 7) + "y" * i for i in range(50)]
    seen: list[tuple[str, bool, int]] = []
    out = encode_in_lanes(_encode(seen), texts, batch_size=8, cores=2)
    np.testing.assert_array_equal(out[:, 0], [len(t) for t in texts])
    np.testing.assert_array_equal(out[:, 1], [t.count("x") for t in texts])
    lane_calls = [name for name, flagged, _ in seen if flagged]
    assert len(lane_calls) == 2 and all(name.startswith("embedlab-lane") for name in lane_calls)  # one per share
    assert not in_lane()  # the caller's thread is not marked


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_still_encodes_in_lanes() -> None:
    texts = [f"text {i} " + "x" * i for i in range(40)]
    fast = _encode([])

    def slow(part: list[str], size: int) -> np.ndarray:  # slow enough that each share gets a thread of its own
        threading.Event().wait(0.05)
        return fast(part, size)

    encode_in_lanes(slow, texts, batch_size=8, cores=2)  # the parent's two lane threads exist now, idle
    pid = os.fork()
    if pid == 0:  # the child: its lane threads are gone; without the reset this would wait forever
        seen: list[tuple[str, bool, int]] = []
        out = encode_in_lanes(_encode(seen), texts, batch_size=8, cores=2)
        os._exit(0 if out.shape == (40, 2) and any(flagged for _, flagged, _ in seen) else 1)
    deadline_s = 30
    for _ in range(deadline_s * 10):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        threading.Event().wait(0.1)
    os.kill(pid, 9)
    pytest.fail("the forked child hung encoding in lanes")
