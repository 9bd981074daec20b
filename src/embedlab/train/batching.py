"""Length-aware batches: less padding, same randomness.

A batch is padded to its longest text, so a batch that mixes a 10-token question with a 256-token passage spends
most of its compute on padding. Like Hugging Face's ``group_by_length``, this sampler shuffles the data, cuts the
shuffled order into *mega-batches* of ``mega * batch_size`` rows, sorts each by length and cuts it into batches,
then shuffles the order of the batches. Each batch holds texts of similar length (little padding), and every epoch
still sees a fresh random mix. For in-batch-negative losses it also keeps duplicate texts out of a batch, as
sentence-transformers' ``NO_DUPLICATES`` sampler does (a duplicate would be a false negative).

sentence-transformers 6 has no length-grouping sampler, hence this one; it plugs into the trainer through the
``batch_sampler`` training argument, which accepts a ``DefaultBatchSampler`` subclass.

Example:
    >>> SentenceTransformerTrainingArguments("out", batch_sampler=LengthGroupedBatchSampler)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

from embedlab.train.disjoint_batches import disjoint_batches

_NOT_TEXT = {"label", "score", "dataset_name"}


class LengthGroupedBatchSampler(DefaultBatchSampler):
    """Batches of similar-length rows, in random order, optionally without duplicate texts in a batch.

    Args:
        dataset: the training ``datasets.Dataset`` (text columns plus an optional label/score column).
        batch_size: rows per batch.
        drop_last: drop a last incomplete batch.
        valid_label_columns: columns that are labels, not texts (ignored for lengths and duplicates).
        generator: torch generator, reseeded with ``seed + epoch`` every epoch (reproducible, resumable).
        seed: base seed.
        mega: mega-batch size in batches; larger gives less padding but less randomness in batch composition.
        no_duplicates: keep any text from appearing twice in one batch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
        mega: int = 16,
        no_duplicates: bool = True,
    ) -> None:
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        skip = _NOT_TEXT | set(valid_label_columns or [])
        text_cols = [c for c in dataset.column_names if c not in skip]
        columns = [dataset[c] for c in text_cols]
        self.rows: list[tuple[str, ...]] = (
            [tuple(str(v) for v in row) for row in zip(*columns, strict=False)] if columns else []
        )
        # Character length of the longest text stands in for token length: cheap, and what padding follows.
        self.lengths = [max((len(t) for t in row), default=0) for row in self.rows]
        self.mega = mega
        self.no_duplicates = no_duplicates
        self._cache: tuple[int, list[list[int]]] | None = None

    def _batches(self, epoch: int) -> list[list[int]]:
        if self._cache is not None and self._cache[0] == epoch:
            return self._cache[1]
        gen = torch.Generator()
        gen.manual_seed(self.seed + epoch)
        n = len(self.rows)
        order = torch.randperm(n, generator=gen).tolist()
        span = self.batch_size * self.mega
        batches: list[list[int]] = []
        for start in range(0, n, span):
            chunk = sorted(order[start : start + span], key=lambda i: -self.lengths[i])
            batches.extend(self._fill(chunk))
        if self.drop_last:
            batches = [b for b in batches if len(b) == self.batch_size]
        perm = torch.randperm(len(batches), generator=gen).tolist()
        batches = [batches[i] for i in perm]
        self._cache = (epoch, batches)
        return batches

    def _fill(self, chunk: list[int]) -> list[list[int]]:
        """Cut a length-sorted chunk into batches; a row whose text is already in the batch waits for the next."""
        if not self.no_duplicates:
            return [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        return disjoint_batches(chunk, self.batch_size, self.rows.__getitem__)

    def __iter__(self) -> Iterator[list[int]]:
        yield from self._batches(self.epoch)

    def __len__(self) -> int:
        return len(self._batches(self.epoch))


def padding_share(lengths: list[int], batches: list[list[int]]) -> float:
    """Share of padded positions when ``batches`` of rows with these ``lengths`` are padded to their longest row."""
    padded = sum(max(lengths[i] for i in b) * len(b) for b in batches if b)
    real = sum(lengths[i] for b in batches for i in b)
    return 0.0 if padded == 0 else 1 - real / padded


def plain_batches(n: int, batch_size: int, seed: int = 0) -> list[list[int]]:
    """Random batches as the default sampler makes them (for comparing padding)."""
    gen = torch.Generator()
    gen.manual_seed(seed)
    order = torch.randperm(n, generator=gen).tolist()
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def n_batches(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Number of batches of a plain sampler."""
    return n // batch_size if drop_last else math.ceil(n / batch_size)


class LengthGroupedAnyBatchSampler(LengthGroupedBatchSampler):
    """:class:`LengthGroupedBatchSampler` that allows duplicate texts in a batch (pair-wise losses: CoSENT...)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["no_duplicates"] = False
        super().__init__(*args, **kwargs)
