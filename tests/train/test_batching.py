"""Length-grouped batches: every row once per epoch, no duplicate text in a batch, less padding, reproducible."""

from __future__ import annotations

from datasets import Dataset

from embedlab.train.batching import (
    LengthGroupedAnyBatchSampler,
    LengthGroupedBatchSampler,
    padding_share,
    plain_batches,
)


def _data(n=400):
    import random

    rng = random.Random(0)
    anchors = [" ".join(["w"] * rng.randint(2, 60)) + f" {i}" for i in range(n)]
    positives = [f"passage {i % 150}" + " x" * rng.randint(1, 200) for i in range(n)]  # repeated positives
    return Dataset.from_dict({"anchor": anchors, "positive": positives})


def test_covers_rows_without_duplicates_in_a_batch():
    ds = _data()
    s = LengthGroupedBatchSampler(ds, batch_size=16, drop_last=False, seed=3)
    batches = list(s)
    assert sorted(i for b in batches for i in b) == list(range(len(ds)))
    for b in batches:
        texts = [t for i in b for t in (ds[i]["anchor"], ds[i]["positive"])]
        assert len(texts) == len(set(texts))
    assert len(s) == len(batches)


def test_less_padding_than_random_batches():
    ds = _data()
    s = LengthGroupedAnyBatchSampler(ds, batch_size=16, drop_last=False, seed=0)
    grouped = padding_share(s.lengths, list(s))
    plain = padding_share(s.lengths, plain_batches(len(ds), 16))
    assert grouped < plain / 2


def test_reproducible_per_epoch_and_different_across_epochs():
    ds = _data()
    a = LengthGroupedBatchSampler(ds, batch_size=16, drop_last=False, seed=1)
    b = LengthGroupedBatchSampler(ds, batch_size=16, drop_last=False, seed=1)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
