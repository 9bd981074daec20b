"""eval's results as mteb TaskResult files that mteb reads back; an embedlab model loaded by mteb by name and
revision, offline, scoring what embedlab scores."""

from __future__ import annotations

import json

import pytest
from evalfixtures import tiny_tasks  # noqa: F401 - fixture

pytest.importorskip("mteb")


def test_eval_writes_task_results_mteb_reads(cli, tmp_path, minilm_path, tiny_tasks):  # noqa: F811
    import mteb
    from mteb.results import TaskResult

    out = tmp_path / "r"
    code, _, err = cli("eval", minilm_path, "--sts", tiny_tasks["sts"], "--retrieval", tiny_tasks["ir"], "-o", out,
                       "--no-speed", "--no-cache")  # fmt: skip
    assert code == 0, err
    ours = json.loads((out / "results.json").read_text())
    info = ours["models"][minilm_path]
    from embedlab.evaluate.mteb_results import default_name

    name = default_name(minilm_path)  # a folder is filed under its own name
    folder = out / "mteb" / "results" / name / info["fingerprint"][:12]
    assert sorted(p.name for p in folder.iterdir()) == ["ir.json", "model_meta.json", "sts.json"]
    sts = TaskResult.from_disk(folder / "sts.json")
    assert sts.task_name == "sts"
    expected = ours["scores"][minilm_path]["sts"]["spearman_cosine"]
    assert sts.scores["test"][0]["main_score"] == pytest.approx(expected, abs=1e-6)
    assert sts.scores["test"][0]["cosine_spearman"] == pytest.approx(expected, abs=1e-6)
    ir = TaskResult.from_disk(folder / "ir.json")
    assert ir.scores["test"][0]["ndcg_at_10"] == pytest.approx(
        ours["scores"][minilm_path]["ir"]["cosine_ndcg@10"], abs=1e-6
    )
    # mteb's own cache reader finds them under the model's name and revision.
    loaded = mteb.ResultCache(out / "mteb").load_results(models=[name], require_model_meta=True, include_remote=False)
    names = {r.task_name for m in loaded.model_results for r in m.task_results}
    assert names == {"sts", "ir"}


@pytest.mark.slow
def test_mteb_get_model_loads_an_embedlab_model(minilm, minilm_path, tmp_path, shared_data):
    import mteb

    from embedlab.evaluate.mteb_results import register_mteb_model
    from embedlab.evaluate.mteb_tasks import check_local_data, get_task, run_mteb_task

    meta = register_mteb_model(minilm_path, name="embedlab-test/minilm", revision="r1")
    assert meta.name == "embedlab-test/minilm" and meta.revision == "r1" and meta.embed_dim == 384
    model = mteb.get_model("embedlab-test/minilm", revision="r1")  # NotImplementedError before
    assert model.mteb_model_meta.name == "embedlab-test/minilm"
    lines = (shared_data / "stsb" / "sts-dev.csv").read_text().splitlines()[:40]
    local = tmp_path / "sts40.csv"
    local.write_text("\n".join(lines) + "\n")
    task = get_task("STSBenchmark")
    task.dataset = check_local_data("STSBenchmark", local)
    task.data_loaded = True
    result = mteb.evaluate(model, task, cache=None, show_progress_bar=False)
    ref = run_mteb_task(minilm, "STSBenchmark", data=local)
    assert result.task_results[0].get_score() == pytest.approx(ref["main_score"], abs=1e-6)
