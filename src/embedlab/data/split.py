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

import json
import math
import random
import re
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from embedlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    from embedlab.data import IRDataset
    from embedlab.data.training import TrainingData

K = TypeVar("K", bound=Hashable)
SplitBy = Literal["doc", "query"]


DEFAULT_SEED = 42  # the one seed convention: `data split` and train's held-out carving default to the same seed


def parse_fractions(spec: str | dict[str, float] | Sequence[float]) -> dict[str, float]:
    """Turn ``"train=0.8,dev=0.1,test=0.1"``, ``"0.8,0.1,0.1"`` or a dict into ``{name: fraction}`` summing to 1.

    Raises:
        ParameterError: (``fractions``) a value that is not a number, NaN, infinite, zero or negative, a sum that is
            not 1, an empty or repeated name.

    Example:
        >>> parse_fractions("0.9,0.1")
        {'train': 0.9, 'test': 0.1}
    """
    if isinstance(spec, dict):
        fractions = {str(k): v for k, v in spec.items()}
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
                    raise ParameterError("fractions", "give names for more than three splits (name=fraction,...)")
                name, value = names[i], item
            name = name.strip()
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or name in fractions:
                raise ParameterError("fractions", f"split name {name!r} is empty, repeated or not a plain file name")
            fractions[name] = value  # type: ignore[assignment]
    return check_fractions(fractions)


def check_fractions(fractions: dict[str, Any]) -> dict[str, float]:
    """``{name: fraction}`` as floats, each finite and above 0, summing to 1 (the check every split makes)."""
    if not fractions:
        raise ParameterError("fractions", "no split given")
    out: dict[str, float] = {}
    for name, value in fractions.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParameterError("fractions", f"{value!r} is not a number") from None
        if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
            raise ParameterError("fractions", f"split {name!r}: {value!r} is not a fraction above 0")
        out[name] = number
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise ParameterError("fractions", f"fractions must sum to 1, got {total:g}")
    return out


def assign_groups(
    groups: dict[K, int], fractions: dict[str, float], *, seed: int = DEFAULT_SEED, what: str = "data"
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
    ir: IRDataset,
    fractions: dict[str, float] | str,
    *,
    by: SplitBy = "doc",
    seed: int = DEFAULT_SEED,
    source: str = "data",
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

    if by not in ("doc", "query"):
        raise ParameterError("by", f"{by!r} is not one of doc, query")
    fracs = parse_fractions(fractions) if isinstance(fractions, str) else check_fractions(fractions)
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
        parts[name] = IRDataset(queries=queries, corpus=corpus, relevant=relevant, name=f"{ir.name}-{name}")
    return parts


def split_rows(
    keys: Sequence[Hashable], fractions: dict[str, float] | str, *, seed: int = DEFAULT_SEED, source: str = "data"
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
    fracs = parse_fractions(fractions) if isinstance(fractions, str) else check_fractions(fractions)
    sizes: dict[Hashable, int] = {}
    for k in keys:
        sizes[k] = sizes.get(k, 0) + 1
    where = assign_groups(sizes, fracs, seed=seed, what=source)
    out: dict[str, list[int]] = {name: [] for name in fracs}
    for i, k in enumerate(keys):
        out[where[k]].append(i)
    return out


def hold_out(
    data: TrainingData, fraction: float, *, by: SplitBy = "doc", seed: int = DEFAULT_SEED
) -> tuple[TrainingData, TrainingData]:
    """Carve a held-out part of training data without leaking passages: the split ``train`` uses.

    The same function and seed convention as ``embedlab data split``: ``hold_out(data, 0.1, seed=s)`` holds out
    exactly the rows (or IR queries) that ``data split --fractions 0.9,0.1 --seed s`` writes to its test split.
    IR data is split with :func:`split_ir` (its queries, corpus and judgements, by document or query); rows with
    :func:`split_rows`, grouped by their ``group_keys`` (the positive passage) when ``by="doc"``.

    Args:
        data: the training data (:func:`embedlab.data.training.load_training_data`).
        fraction: the share held out, above 0 and below 1.
        by: ``doc`` (no passage on both sides) or ``query`` (rows split one by one for non-IR data).
        seed: the split seed.

    Returns:
        ``(train part, held-out part)``.

    Example:
        >>> train, held = hold_out(load_training_data("pairs.jsonl"), 0.1)  # doctest: +SKIP
    """
    import dataclasses

    from embedlab.data.training import ir_to_pairs

    fracs = check_fractions({"train": 1 - fraction, "test": fraction})
    if data.ir is not None:
        parts = split_ir(data.ir, fracs, by=by, seed=seed, source=data.source)
        return ir_to_pairs(parts["train"], data.source), ir_to_pairs(parts["test"], data.source)
    keys: list[Hashable] = list(data.group_keys) if (data.group_keys and by == "doc") else list(range(len(data)))
    idx = split_rows(keys, fracs, seed=seed, source=data.source)
    out = []
    for name in ("train", "test"):
        part = dataclasses.replace(data, dataset=data.dataset.select(idx[name]), ir=None)
        if data.group_keys:
            part.group_keys = [data.group_keys[i] for i in idx[name]]
        if data.row_numbers:
            part.row_numbers = [data.row_numbers[i] for i in idx[name]]
        out.append(part)
    return out[0], out[1]


def write_ir_json(ir: IRDataset, path: str | Path) -> Path:
    """Write an IR data set as ``{"queries", "corpus", "relevant_docs"}`` JSON, atomically."""
    from embedlab.utils.atomic import atomic_write_json

    relevant = {q: sorted(d) if all(v == 1 for v in d.values()) else d for q, d in ir.relevant.items()}
    return atomic_write_json(path, {"queries": ir.queries, "corpus": ir.corpus, "relevant_docs": relevant})


def write_beir(ir: IRDataset, folder: str | Path, split: str) -> Path:
    """Write an IR data set as a BEIR folder: ``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``.

    The layout BEIR's loader and ``datasets.load_dataset("json", data_files=...)`` read, and that
    :func:`embedlab.data.load_ir` reads back to the same queries, corpus and graded judgements (``folder`` must be
    a fresh or temporary folder: write it inside :func:`embedlab.utils.atomic.atomic_dir`).

    Raises:
        InputError: an id holding a tab or a line break (it cannot be written in a TSV qrels file).

    Example:
        >>> write_beir(parts["test"], "out/test", "test")  # doctest: +SKIP
    """
    root = Path(folder)
    for ids in (ir.queries, ir.corpus):
        bad = next((i for i in ids if any(c in i for c in "\t\r\n")), None)
        if bad is not None:
            raise InputError(f"id {bad!r} holds a tab or a line break; it cannot be written to a BEIR qrels file")
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    with open(root / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for did, text in ir.corpus.items():
            fh.write(json.dumps({"_id": did, "title": "", "text": text}, ensure_ascii=False) + "\n")
    with open(root / "queries.jsonl", "w", encoding="utf-8") as fh:
        for qid, text in ir.queries.items():
            fh.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    with open(root / "qrels" / f"{split}.tsv", "w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for qid, docs in ir.relevant.items():
            for did, grade in docs.items():
                fh.write(f"{qid}\t{did}\t{grade}\n")
    return root
