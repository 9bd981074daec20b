"""Results: files written, best values marked, compare merging."""

from __future__ import annotations

import json

import pytest

from embedlab.errors import InputError
from embedlab.evaluate.results import Results, compare, load_results, save_results


def _res(model: str, value: float) -> Results:
    r = Results()
    r.tasks["sts-dev"] = {"kind": "sts", "path": "sts-dev.csv"}
    r.add(model, "sts-dev", {"spearman_cosine": value, "pearson_cosine": value - 0.01})
    r.models[model] = {"texts_per_s": 100.0 * value, "dim": 384}
    return r


def test_save_and_compare(tmp_path):
    save_results(_res("a", 0.8), tmp_path / "ra")
    save_results(_res("b", 0.6), tmp_path / "rb")
    assert {p.name for p in (tmp_path / "ra").iterdir()} == {
        "results.json",
        "results.csv",
        "results.md",
        "results-all.md",
        ".embedlab-output.json",
    }
    assert (tmp_path / "ra" / "results.csv").read_text().splitlines()[0] == "model,task,kind,metric,value"
    merged = compare([tmp_path / "ra", tmp_path / "rb" / "results.json"])
    assert set(merged.scores) == {"a", "b"}
    md = merged.to_markdown()
    assert "**0.8000**" in md and "**0.6000**" not in md
    # a later result for the same model and metric replaces the earlier one
    save_results(_res("a", 0.5), tmp_path / "ra2")
    assert compare([tmp_path / "ra", tmp_path / "ra2"]).scores["a"]["sts-dev"]["spearman_cosine"] == 0.5


def test_load_errors(tmp_path):
    with pytest.raises(InputError, match="no results here"):
        load_results(tmp_path)
    (tmp_path / "results.json").write_text(json.dumps({"x": 1}))
    with pytest.raises(InputError, match="not an embedlab results file"):
        load_results(tmp_path)
