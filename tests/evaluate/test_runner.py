"""`embedlab eval` / `compare` end to end on a small word-vector model, and bad input rejected before model loading."""

from __future__ import annotations

import json

import pytest
from evalfixtures import tiny_tasks  # noqa: F401 - fixture

from embedlab.evaluate.runner import TaskSpec, run_evaluation


def test_parse_task_specs():
    assert TaskSpec.parse("sts:data/sts-dev.csv").name == "sts-dev"
    spec = TaskSpec.parse("classification:train.csv,test.csv")
    assert (spec.path, spec.test_path) == ("train.csv", "test.csv")
    mt = TaskSpec.parse("mteb:STSBenchmark=stsb/sts-dev.csv")
    assert (mt.kind, mt.mteb_task, mt.path) == ("mteb", "STSBenchmark", "stsb/sts-dev.csv")


def test_eval_cli_end_to_end(cli, tmp_path, tiny_kv, tiny_tasks):  # noqa: F811
    out = tmp_path / "results"
    args = ["eval", tiny_kv, "--sts", tiny_tasks["sts"], "--retrieval", tiny_tasks["ir"],
            "--clustering", tiny_tasks["classification"], "-o", out, "--cache-dir", tmp_path / "cache"]  # fmt: skip
    code, stdout, stderr = cli(*args)
    assert code == 0, stderr
    assert "sts" in stdout and "ndcg@10" in stdout
    data = json.loads((out / "results.json").read_text())
    scores = data["scores"][tiny_kv]
    assert set(scores) == {"sts", "ir", "labels"}
    assert -1 <= scores["sts"]["spearman_cosine"] <= 1 and 0 <= scores["ir"]["cosine_ndcg@10"] <= 1
    assert data["models"][tiny_kv]["dim"] == 4 and data["models"][tiny_kv]["texts_per_s"] > 0
    assert data["models"][tiny_kv]["encoded"] > 0
    # The second run reads every embedding from the cache and gives the same numbers.
    code, _, stderr = cli(*args[:-4], "-o", tmp_path / "again", "--cache-dir", tmp_path / "cache", "--no-speed")
    again = json.loads((tmp_path / "again" / "results.json").read_text())
    assert code == 0, stderr
    assert again["models"][tiny_kv]["encoded"] == 0 and again["scores"][tiny_kv] == scores


def test_two_models_best_marked_and_compare(cli, tmp_path, tiny_kv, tiny_tasks, minilm_path):  # noqa: F811
    res = run_evaluation([tiny_kv, minilm_path], [f"sts:{tiny_tasks['sts']}"], speed=False, use_cache=False)
    assert set(res.scores) == {tiny_kv, minilm_path}
    from embedlab.evaluate.results import save_results

    save_results(res, tmp_path / "r1")
    code, stdout, _ = cli("compare", tmp_path / "r1", "-o", tmp_path / "merged")
    assert code == 0 and "★" in stdout
    assert (tmp_path / "merged" / "results.md").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("sentence1,sentence2,score\na,b,1\nc,d,nan\n", "bad.csv", r"bad\.csv:3: score 'nan'"),
        ("sentence1,score\na,1\n", "bad.csv", "missing text columns"),
        ('{"queries": {"q": "a"}, "corpus": {"d": "x"}, "relevant_docs": {"q": ["zz"]}}', "bad.json",
         "document id 'zz' not in corpus"),
        ("a,b\n", "bad.xml", "unknown format"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_before_any_model(cli, tmp_path, content, name, message):
    import re

    f = tmp_path / name
    f.write_text(content)
    kind = "retrieval" if name.endswith(".json") else "sts"
    # The model does not exist: had it been looked at first, the error would be about the model.
    code, _, stderr = cli("eval", "no-such-model-anywhere", "--task", f"{kind}:{f}", "-o", tmp_path / "r")
    assert code == 2
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(f) in lines[0]
    assert re.search(message, lines[0]) and "Traceback" not in stderr
    assert not (tmp_path / "r").exists()


def test_missing_label_and_unknown_kind(cli, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("text,label\nhello,a\nworld,\n")
    code, _, stderr = cli("eval", "no-such-model", "--classification", f)
    assert code == 2 and "c.csv:3: missing label" in stderr
    code, _, stderr = cli("eval", "no-such-model", "--task", "ranking:x.csv")
    assert code == 2 and "unknown task kind 'ranking'" in stderr
