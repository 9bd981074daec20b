"""A damaged embedding-cache shard is dropped and recomputed, never read as NaN scores."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from evalfixtures import tiny_tasks  # noqa: F401 - fixture

from embedlab.evaluate.runner import run_evaluation


def _corrupt(path):
    """Overwrite the last 8 bytes of the vectors (data, not header) with NaN: the file still loads."""
    data = bytearray(path.read_bytes())
    data[-8:] = np.array([np.nan, np.nan], dtype=np.float32).tobytes()
    path.write_bytes(bytes(data))


def test_corrupted_shard_is_dropped_and_recomputed(tmp_path, tiny_kv, tiny_tasks):  # noqa: F811
    cache = tmp_path / "cache"
    task = [f"sts:{tiny_tasks['sts']}"]
    first = run_evaluation([tiny_kv], task, cache_dir=cache, speed=False)
    (vecs,) = list(cache.rglob("vecs-*.npy"))
    _corrupt(vecs)
    assert np.isnan(np.load(vecs)).any()  # what a reader without checksums would have used
    with pytest.warns(RuntimeWarning, match="failed its checksum; dropped"):
        again = run_evaluation([tiny_kv], task, cache_dir=cache, speed=False)
    assert again.scores == first.scores and not np.isnan(again.scores[tiny_kv]["sts"]["spearman_cosine"])
    assert again.models[tiny_kv]["encoded"] > 0  # recomputed, not read
    assert not vecs.exists()  # the bad shard is gone; the new one is intact
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        third = run_evaluation([tiny_kv], task, cache_dir=cache, speed=False)
    assert third.models[tiny_kv]["encoded"] == 0 and third.scores == first.scores


def test_unfinished_shard_is_skipped(tmp_path, tiny_kv, tiny_tasks):  # noqa: F811
    cache = tmp_path / "cache"
    task = [f"sts:{tiny_tasks['sts']}"]
    run_evaluation([tiny_kv], task, cache_dir=cache, speed=False)
    (sums,) = list(cache.rglob("sums-*.json"))
    assert set(json.loads(sums.read_text())) == {"keys", "vecs"}
    sums.unlink()  # as if the writer were killed before its last file
    again = run_evaluation([tiny_kv], task, cache_dir=cache, speed=False)
    assert again.models[tiny_kv]["encoded"] > 0
