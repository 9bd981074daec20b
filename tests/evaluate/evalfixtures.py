"""Fixtures shared by the evaluation tests (import them into a test module): small task files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture()
def tiny_tasks(tmp_path: Path) -> dict[str, Path]:
    """Small STS, retrieval and classification files in the real formats."""
    sts = tmp_path / "sts.csv"
    sts.write_text(
        "sentence1,sentence2,score\n"
        "the cat sleeps,a kitten sleeps,4.5\n"
        "the dog sleeps,a puppy sleeps,4.0\n"
        "the car drives,a truck drives,3.8\n"
        "the cat sleeps,the truck drives,0.5\n"
        "a dog,the road,0.8\n"
    )
    ir = tmp_path / "ir.json"
    ir.write_text(
        json.dumps(
            {
                "queries": {"q1": "kitten", "q2": "truck", "q3": "puppy"},
                "corpus": {"d1": "the cat sleeps", "d2": "the car drives", "d3": "the dog", "d4": "the road"},
                "relevant_docs": {"q1": ["d1"], "q2": ["d2", "d4"], "q3": ["d3"]},
            }
        )
    )
    cls = tmp_path / "labels.csv"
    rows = ["text,label"]
    for i in range(12):
        rows.append(f"{['the cat', 'a kitten', 'the dog', 'a puppy'][i % 4]} sleeps,animal")
        rows.append(f"{['the car', 'a truck', 'the road', 'a car'][i % 4]} drives,vehicle")
    cls.write_text("\n".join(rows) + "\n")
    return {"sts": sts, "ir": ir, "classification": cls}
