"""Property test over the readers: random bytes and malformed rows never give a traceback or a partial output.

Each case is a seeded random file: raw random bytes, or a valid file damaged (cut short, a byte flipped, a cell
emptied, a value of the wrong type, a key dropped). Every ``load_*`` function must return or raise an
:class:`~embedlab.errors.EmbedlabError` (never another exception), and every ``data`` command must succeed or exit 2
with one line, no traceback, and no output left behind.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random

import pytest

from embedlab.data import (
    load_documents,
    load_ir,
    load_labeled_texts,
    load_nli,
    load_scored_pairs,
    load_texts,
    load_training_data,
)
from embedlab.errors import EmbedlabError

SUFFIXES = (".jsonl", ".csv", ".tsv", ".json", ".txt", ".jsonl.gz")
ROW_KEYS = ("id", "text", "anchor", "positive", "doc_id", "query", "passage", "label", "score")
JUNK_VALUES = (None, "", " ", 0, -1.5, float("nan"), [], {}, ["x"], {"a": 1}, True, "caf\u00e9", "\ufeff", "\t\n")


def _valid_rows(rng: random.Random) -> list[dict]:
    return [
        {
            "id": f"d{i}",
            "text": f"Doc {i} has words. It has two sentences, Mr. Reader. And a third one here.",
            "anchor": f"question {i}?",
            "positive": f"answer {i % 3}",
            "doc_id": f"d{i % 4}",
            "query": f"question {i}?",
            "passage": f"answer {i % 3}",
            "label": rng.choice(["entailment", "neutral", "contradiction", "a", "b"]),
            "score": round(rng.random(), 2),
        }
        for i in range(rng.randint(1, 12))
    ]


def _damage_rows(rows: list[dict], rng: random.Random) -> list[dict]:
    for _ in range(rng.randint(1, 4)):
        row = rng.choice(rows)
        key = rng.choice(ROW_KEYS)
        if rng.random() < 0.3:
            row.pop(key, None)
        else:
            row[key] = rng.choice(JUNK_VALUES)
    if rng.random() < 0.2:
        rows.append(dict(rows[0]))  # a duplicate id
    return rows


def _encode(rows: list[dict], suffix: str) -> bytes:
    if suffix in (".csv", ".tsv"):
        buf = io.StringIO()
        keys = list(dict.fromkeys(k for r in rows for k in r))
        writer = csv.DictWriter(buf, keys, delimiter="\t" if suffix == ".tsv" else ",")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue().encode()
    if suffix == ".json":
        return json.dumps(rows).encode()
    if suffix == ".txt":
        return "\n\n".join(str(r.get("text")) for r in rows).encode()
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _damage_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    choice = rng.random()
    if choice < 0.3 and data:
        del data[rng.randrange(len(data)) :]  # cut short
    elif choice < 0.6 and data:
        data[rng.randrange(len(data))] = rng.randrange(256)  # one byte flipped
    elif choice < 0.8:
        data[rng.randrange(len(data) + 1) : 0] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


def _case(seed: int, folder) -> tuple:
    rng = random.Random(seed)
    suffix = rng.choice(SUFFIXES)
    if rng.random() < 0.3:
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    else:
        raw_suffix = suffix.removesuffix(".gz")
        data = _damage_bytes(_encode(_damage_rows(_valid_rows(rng), rng), raw_suffix), rng)
    if suffix.endswith(".gz"):
        data = gzip.compress(data) if rng.random() < 0.8 else data  # sometimes not really gzip
    path = folder / f"case{seed}{suffix}"
    path.write_bytes(data)
    return path, rng


LOADERS = (
    load_ir,
    load_texts,
    load_documents,
    load_scored_pairs,
    load_nli,
    load_labeled_texts,
    load_training_data,
)


@pytest.mark.parametrize("seed", range(60))
def test_loaders_raise_only_user_errors(tmp_path, seed):
    path, _ = _case(seed, tmp_path)
    for load in LOADERS:
        try:
            load(path)
        except EmbedlabError as exc:
            assert "\n" not in str(exc).strip(), (load.__name__, str(exc))


COMMANDS = (
    ("data", "split", "{f}", "-o", "{o}", "--fractions", "0.5,0.5"),
    ("data", "pairs-from-corpus", "{f}", "-o", "{o}.jsonl", "--chunk-size", "2", "--overlap", "0"),
    ("data", "mine-negatives", "{f}", "-o", "{o}.jsonl", "--kind", "easy"),
)


@pytest.mark.parametrize("seed", range(25))
def test_data_commands_fail_in_one_line_and_leave_nothing(cli, tmp_path, seed):
    path, _rng = _case(1000 + seed, tmp_path)
    for n, command in enumerate(COMMANDS):
        out = tmp_path / f"out{n}"
        code, _, err = cli(*[a.format(f=path, o=out) for a in command])
        if code == 0:
            continue
        assert code == 2, (command, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, (command, err)
        assert not list(tmp_path.glob(f"out{n}*")) and not list(tmp_path.glob(f".out{n}*")), command
