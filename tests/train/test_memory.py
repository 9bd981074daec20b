"""The activation-memory check: the estimate's scale, and a warning with remedies only when memory is short."""

from __future__ import annotations

import pytest

from embedlab.train.memory import available_memory, estimate_activation_memory, memory_warning

MINILM = dict(layers=6, hidden=384, heads=12)


def test_estimate_matches_the_run_that_was_killed():
    # aims_qa triplets, batch 32, max_seq_length 512: the kernel killed it at ~21 GiB resident on a 24 GiB machine
    killed = estimate_activation_memory([40, 512, 512], 32, **MINILM)
    assert 15 < killed.gib < 25
    # the same data at 256 tokens, and a cached loss's mini-batch of 8, fit comfortably
    assert estimate_activation_memory([40, 256, 256], 32, **MINILM).gib < killed.gib / 2
    assert estimate_activation_memory([40, 512, 512], 8, **MINILM).gib == pytest.approx(killed.gib / 4)


def test_warning_names_the_remedies_only_when_memory_is_short(minilm):
    long_text = "word " * 600
    columns = [["a short question?"] * 32, [long_text] * 32, [long_text] * 32]
    before, minilm.max_seq_length = minilm.max_seq_length, 512
    try:
        warn = memory_warning(minilm, columns, 32, "mnrl", available=8 * 2**30)
        assert warn is not None and "32 rows of" in warn and "512" in warn
        assert "--loss cached-mnrl" in warn and "--batch-size" in warn and "--max-seq-length" in warn
        assert memory_warning(minilm, columns, 32, "mnrl", available=256 * 2**30) is None
        assert memory_warning(minilm, columns, 32, "cached-mnrl", mini_batch_size=2, available=8 * 2**30) is None
    finally:
        minilm.max_seq_length = before
    assert available_memory() is None or available_memory() > 0
