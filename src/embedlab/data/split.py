"""Deterministic train/dev/test splits that do not leak passages.

Splitting retrieval data row by row leaks: two questions about one passage land in train and test, and the test then
measures memory of the passage rather than retrieval. Here rows are grouped before they are split:

* ``by="doc"``: queries and documents are linked by their relevance judgements; each connected group (a passage and
  every question about it, plus passages that share those questions) goes to one split as a whole, so no passage is
  in two splits. Each split's corpus holds only its own passages.
* ``by="query"``: each query goes to one split; the corpus is shared by all splits (the BEIR convention).

The assignment depends only on the ids and the seed, so the same data always splits the same way.

Example:
    >>> from embedlab.data import load_ir
    >>> parts = split_ir(load_ir("train_dataset.json"), {"train": 0.8, "test": 0.2}, by="doc")
    >>> sorted(parts)
    ['test', 'train']
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from embedlab.errors import InputError, OptionError

if TYPE_CHECKING:
    from embedlab.data import IRDataset

K = TypeVar("K", bound=Hashable)
SplitBy = Literal["doc", "query"]


def parse_fractions(spec: str | dict[str, float] | Sequence[float]) -> dict[str, float]:
    """Turn ``"train=0.8,dev=0.1,test=0.1"``, ``"0.8,0.1,0.1"`` or a dict into ``{name: fraction}`` summing to 1.

    Example:
        >>> parse_fractions("0.9,0.1")
        {'train': 0.9, 'test': 0.1}
    """
    if isinstance(spec, dict):
        fractions = {str(k): float(v) for k, v in spec.items()}
    else:
        items = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else [str(v) for v in spec]
        default_names = {1: ["train"], 2: ["train", "test"], 3: ["train", "dev", "test"]}
        fractions = {}
        for i, item in enumerate(items):
            if "=" in item:
                name, value = item.split("=", 1)
            else:
                names = default_names.get(len(items))
                if names is None:
                    raise OptionError("--fractions", "give names for more than three splits (name=fraction,...)")
                name, value = names[i], item
            try:
                fractions[name.strip()] = float(value)
            except ValueError as exc:
                raise OptionError("--fractions", f"{value!r} is not a number") from exc
    if any(v < 0 for v in fractions.values()) or not fractions:
        raise OptionError("--fractions", "fractions must be non-negative")
    total = sum(fractions.values())
    if abs(total - 1.0) > 1e-6:
        raise OptionError("--fractions", f"fractions must sum to 1, got {total:g}")
    return fractions


def assign_groups(
    groups: dict[K, int], fractions: dict[str, float], *, seed: int = 0, what: str = "data"
) -> dict[K, str]:
    """Assign each group (key -> number of rows) to a split so each split gets close to its share of rows.

    Groups are ordered by their sorted key, shuffled with ``seed``, and handed out in turn to the split furthest
    below its target, so the result depends only on the keys and the seed.

    Raises:
        InputError: a split with a positive fraction would be empty (too little data for that many splits).
    """
    keys = sorted(groups, key=str)
    random.Random(seed).shuffle(keys)
    total = sum(groups.values())
    targets = {name: frac * total for name, frac in fractions.items()}
    filled = dict.fromkeys(fractions, 0)
    out: dict[K, str] = {}
    # Small splits first: give each non-empty split one group before the large ones fill up.
    for key in keys:
        name = max(targets, key=lambda n: (targets[n] - filled[n]) / max(targets[n], 1e-9) if targets[n] else -1e9)
        out[key] = name
        filled[name] += groups[key]
    empty = [n for n, f in fractions.items() if f > 0 and filled[n] == 0]
    if empty:
        raise InputError(
            f"{what}: split {empty[0]!r} would be empty ({len(groups)} groups for {len(fractions)} splits); "
            "use more data or fewer/larger splits"
        )
    return out


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, x: Hashable) -> Hashable:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb, key=str)] = min(ra, rb, key=str)


def ir_groups(ir: IRDataset, by: SplitBy) -> dict[str, str]:
    """Map each query id to its group key: its own id (``by="query"``) or its connected component (``"doc"``)."""
    if by == "query":
        return {q: q for q in ir.queries}
    uf = _UnionFind()
    for qid, docs in ir.relevant.items():
        for did in docs:
            uf.union(("q", qid), ("d", did))
    return {q: str(uf.find(("q", q))) for q in ir.queries}


def split_ir(
    ir: IRDataset, fractions: dict[str, float] | str, *, by: SplitBy = "doc", seed: int = 0, source: str = "data"
) -> dict[str, IRDataset]:
    """Split an IR data set into named parts without leaking passages (``by="doc"``) or queries (``"query"``).

    Args:
        ir: the data set (queries, corpus, relevance judgements).
        fractions: ``{"train": 0.8, "test": 0.2}`` or its string form.
        by: ``doc`` keeps every passage in one split (and its queries with it); ``query`` splits queries and keeps
            the whole corpus in every split.
        seed: the shuffle seed.
        source: file name for error messages.

    Returns:
        ``{split name: IRDataset}``; with ``by="doc"`` a split's corpus holds its own passages, plus passages no
        query points to, which are spread over the splits like the rest.
    """
    from embedlab.data import IRDataset

    fracs = parse_fractions(fractions) if isinstance(fractions, str) else fractions
    group_of = ir_groups(ir, by)
    sizes: dict[str, int] = {}
    for q in ir.queries:
        sizes[group_of[q]] = sizes.get(group_of[q], 0) + 1
    where = assign_groups(sizes, fracs, seed=seed, what=source)
    parts: dict[str, IRDataset] = {}
    doc_split: dict[str, str] = {}
    if by == "doc":
        for qid, docs in ir.relevant.items():
            for did in docs:
                doc_split[did] = where[group_of[qid]]
        orphans = sorted(d for d in ir.corpus if d not in doc_split)
        rng = random.Random(seed + 1)
        names = list(fracs)
        weights = [fracs[n] for n in names]
        for did in orphans:
            doc_split[did] = rng.choices(names, weights)[0]
    for name in fracs:
        queries = {q: t for q, t in ir.queries.items() if where[group_of[q]] == name}
        relevant = {q: dict(ir.relevant[q]) for q in queries}
        corpus = dict(ir.corpus) if by == "query" else {d: t for d, t in ir.corpus.items() if doc_split[d] == name}
        parts[name] = IRDataset(queries=queries, corpus=corpus, relevant=relevant)
    return parts


def split_rows(
    keys: Sequence[Hashable], fractions: dict[str, float] | str, *, seed: int = 0, source: str = "data"
) -> dict[str, list[int]]:
    """Split rows into named parts, keeping rows with the same key together.

    Args:
        keys: one group key per row (e.g. the positive passage, so a passage never lands in two splits).
        fractions: as in :func:`split_ir`.

    Returns:
        ``{split name: [row indices in original order]}``.

    Example:
        >>> split_rows(["a", "a", "b", "c"], {"train": 0.5, "test": 0.5})["train"]  # doctest: +SKIP
        [0, 1]
    """
    fracs = parse_fractions(fractions) if isinstance(fractions, str) else fractions
    sizes: dict[Hashable, int] = {}
    for k in keys:
        sizes[k] = sizes.get(k, 0) + 1
    where = assign_groups(sizes, fracs, seed=seed, what=source)
    out: dict[str, list[int]] = {name: [] for name in fracs}
    for i, k in enumerate(keys):
        out[where[k]].append(i)
    return out


def write_ir_json(ir: IRDataset, path: str | Path) -> Path:
    """Write an IR data set as ``{"queries", "corpus", "relevant_docs"}`` JSON, atomically."""
    from embedlab.utils.atomic import atomic_write_json

    relevant = {q: sorted(d) if all(v == 1 for v in d.values()) else d for q, d in ir.relevant.items()}
    return atomic_write_json(path, {"queries": ir.queries, "corpus": ir.corpus, "relevant_docs": relevant})
