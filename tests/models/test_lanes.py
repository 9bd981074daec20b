"""Lanes: the plan, the dealing of batches, the same rows back in order, and a forked child that can still use them."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from embedlab.models.backends.lanes import encode_in_lanes, in_lane, plan_lanes
from embedlab.models.batching import length_batches


def _encode(seen: list[tuple[str, bool, int]]):
    def encode(texts: list[str]) -> np.ndarray:
        seen.append((threading.current_thread().name, in_lane(), len(texts)))
        return np.array([[float(len(t)), float(t.count("x"))] for t in texts], dtype=np.float32)

    return encode


def _batches(texts: list[str], size: int) -> list[list[int]]:
    return length_batches([len(t) for t in texts], size)


def test_plan() -> None:
    assert plan_lanes(1000, 32, 2) == (2, 32)  # many batches: as asked
    assert plan_lanes(100, 32, 2) == (2, 17)  # few batches: three a lane, so that the lanes end together
    assert plan_lanes(100, 32, 1) == (1, 32)
    assert plan_lanes(40, 64, 2) == (2, 7)  # one batch of 16+ texts (a service's micro-batch): three a lane
    assert plan_lanes(16, 64, 2) == (2, 4)  # never smaller than MIN_BATCH
    assert plan_lanes(15, 64, 2) == (1, 64)  # too small to split


def test_rows_come_back_in_order_from_lane_threads() -> None:
    texts = ["x" * (i % 7) + "y" * i for i in range(50)]
    seen: list[tuple[str, bool, int]] = []
    batches = _batches(texts, 8)
    out = encode_in_lanes(_encode(seen), texts, batches, cores=2)
    np.testing.assert_array_equal(out[:, 0], [len(t) for t in texts])
    np.testing.assert_array_equal(out[:, 1], [t.count("x") for t in texts])
    lane_calls = [(name, size) for name, flagged, size in seen if flagged]
    assert len(lane_calls) == len(batches) == 7  # every batch ran once, in a lane thread, as it was cut
    assert all(name.startswith("embedlab-lane") for name, _ in lane_calls)
    assert sorted(size for _, size in lane_calls) == sorted(len(b) for b in batches)
    assert not in_lane()  # the caller's thread is not marked
    seen.clear()
    encode_in_lanes(_encode(seen), texts, batches, cores=1)  # one core: the batches in turn, on the caller's thread
    assert [size for *_, size in seen] == [len(b) for b in batches] and not any(flagged for _, flagged, _ in seen)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_still_encodes_in_lanes() -> None:
    texts = [f"text {i} " + "x" * i for i in range(40)]
    fast = _encode([])

    def slow(part: list[str]) -> np.ndarray:  # slow enough that both lane threads start
        threading.Event().wait(0.05)
        return fast(part)

    encode_in_lanes(slow, texts, _batches(texts, 8), cores=2)  # the parent's two lane threads exist now, idle
    pid = os.fork()
    if pid == 0:  # the child: its lane threads are gone; without the reset this would wait forever
        seen: list[tuple[str, bool, int]] = []
        out = encode_in_lanes(_encode(seen), texts, _batches(texts, 8), cores=2)
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
