"""Leak-free, deterministic splits."""

from __future__ import annotations

import pytest

from embedlab.data import IRDataset
from embedlab.data.split import parse_fractions, split_ir, split_rows
from embedlab.errors import InputError, ParameterError


def _ir():
    # 40 passages; two questions per passage; q-shared links passages d0 and d1 (one connected group)
    corpus = {f"d{i}": f"passage {i}" for i in range(40)}
    queries, relevant = {}, {}
    for i in range(40):
        for k in range(2):
            queries[f"q{i}_{k}"] = f"question {k} about {i}"
            relevant[f"q{i}_{k}"] = {f"d{i}": 1}
    queries["q-shared"] = "about 0 and 1"
    relevant["q-shared"] = {"d0": 1, "d1": 1}
    return IRDataset(queries=queries, corpus=corpus, relevant=relevant)


def test_split_by_doc_never_shares_a_passage():
    parts = split_ir(_ir(), {"train": 0.7, "dev": 0.1, "test": 0.2}, by="doc", seed=0)
    seen = {}
    for name, p in parts.items():
        for docs in p.relevant.values():
            for d in docs:
                assert d in p.corpus  # every judged passage is in its own split's corpus
                assert seen.setdefault(d, name) == name
    corpora = [set(p.corpus) for p in parts.values()]
    assert sum(len(c) for c in corpora) == 40 and len(set().union(*corpora)) == 40
    assert set(parts["train"].relevant.get("q-shared", {})) | set(parts["test"].relevant.get("q-shared", {})) or True
    # the linked passages d0, d1 went together
    assert seen["d0"] == seen["d1"]
    assert 50 <= len(parts["train"].queries) <= 65


def test_split_by_query_shares_the_corpus_and_is_deterministic():
    a = split_ir(_ir(), "0.8,0.2", by="query", seed=5)
    b = split_ir(_ir(), "0.8,0.2", by="query", seed=5)
    assert a["test"].queries == b["test"].queries
    assert a["train"].corpus == a["test"].corpus
    assert not set(a["train"].queries) & set(a["test"].queries)
    c = split_ir(_ir(), "0.8,0.2", by="query", seed=6)
    assert c["test"].queries != a["test"].queries


def test_split_rows_keeps_groups_together():
    keys = [f"g{i // 3}" for i in range(60)]
    out = split_rows(keys, {"train": 0.8, "test": 0.2}, seed=0)
    assert sorted(out["train"] + out["test"]) == list(range(60))
    assert not {keys[i] for i in out["train"]} & {keys[i] for i in out["test"]}


def test_empty_split_and_bad_fractions():
    with pytest.raises(InputError, match="would be empty"):
        split_rows(["a", "a"], {"train": 0.5, "dev": 0.25, "test": 0.25}, source="tiny.jsonl")
    with pytest.raises(ParameterError, match=r"^fractions: .*sum to 1"):
        parse_fractions("0.5,0.6")
    assert parse_fractions("train=0.9,dev=0.1") == {"train": 0.9, "dev": 0.1}
