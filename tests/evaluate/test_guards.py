"""eval's guards: a bad or absent device is one line, a model scored on its own training file is flagged, compare
marks no best across different sizes, unknown backends are refused, progress is printed when piped."""

from __future__ import annotations

import json

import pytest
from evalfixtures import tiny_tasks  # noqa: F401 - fixture

from embedlab.evaluate.results import save_results
from embedlab.evaluate.runner import encode_with_progress, run_evaluation


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_bad_device_is_one_line(cli, tmp_path, tiny_kv, tiny_tasks):  # noqa: F811
    code, _, err = cli("eval", tiny_kv, "--sts", tiny_tasks["sts"], "--device", "bogus", "-o", tmp_path / "r")
    assert code == 2 and _one_error_line(err) == (
        "error: option --device: unknown device 'bogus'; use cpu, cuda, cuda:N or mps"
    )
    assert not (tmp_path / "r").exists()


def test_cuda_without_gpu_is_one_line(cli, tmp_path, tiny_kv, tiny_tasks):  # noqa: F811
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    code, _, err = cli("eval", tiny_kv, "--sts", tiny_tasks["sts"], "--device", "cuda", "-o", tmp_path / "r")
    assert code == 2 and "option --device: 'cuda' asked for, but this machine has no CUDA GPU" in _one_error_line(err)


def test_unknown_backend_is_one_line(cli, tmp_path, tiny_kv, tiny_tasks):  # noqa: F811
    code, _, err = cli("eval", tiny_kv, "--sts", tiny_tasks["sts"], "--backends", "torch,nosuch", "-o", tmp_path / "r")
    assert code == 2 and "option --backends: unknown backend 'nosuch'" in _one_error_line(err)


def test_warns_when_scored_on_the_training_file(cli, tmp_path, minilm_path, tiny_tasks):  # noqa: F811
    from pathlib import Path

    model = tmp_path / "run"
    model.mkdir()
    for f in Path(minilm_path).iterdir():  # the trained model stands in: its files plus a run's recipe.toml
        (model / f.name).symlink_to(f)
    (model / "recipe.toml").write_text(f'model = "all-MiniLM-L6-v2"\ntrain = "{tiny_tasks["sts"]}"\n')
    copy = tmp_path / "copy-of-train.csv"
    copy.write_bytes(Path(tiny_tasks["sts"]).read_bytes())
    code, _, err = cli("eval", model, "--sts", copy, "--no-speed", "--no-cache", "-o", tmp_path / "r")
    assert code == 0, err
    assert "warning:" in err and "was trained on" in err and "not held-out scores" in err
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert len(saved["warnings"]) == 1 and "copy-of-train" in saved["warnings"][0]
    other = tmp_path / "other.csv"
    other.write_text("sentence1,sentence2,score\na b,c d,1\ne f,g h,2\ni j,k l,3\n")
    code, _, err = cli("eval", model, "--sts", other, "--no-speed", "--no-cache", "-o", tmp_path / "r2")
    assert code == 0 and "warning" not in err


def test_compare_marks_no_best_across_sizes(cli, tmp_path, tiny_kv, minilm_path, tiny_tasks):  # noqa: F811
    task = [f"sts:{tiny_tasks['sts']}"]
    save_results(run_evaluation([tiny_kv], task, limit=3, speed=False, use_cache=False), tmp_path / "small")
    save_results(run_evaluation([minilm_path], task, speed=False, use_cache=False), tmp_path / "full")
    code, out, err = cli("compare", tmp_path / "small", tmp_path / "full")
    assert code == 0, err
    (quality,) = [ln for ln in out.splitlines() if "spearman" in ln]
    assert "★" not in quality
    assert "task sts was measured on different sizes" in " ".join(err.split()) and "limit 3" in err
    # Same sizes: the best is marked as before.
    save_results(run_evaluation([tiny_kv], task, speed=False, use_cache=False), tmp_path / "full2")
    code, out, _ = cli("compare", tmp_path / "full2", tmp_path / "full")
    (quality,) = [ln for ln in out.splitlines() if "spearman" in ln]
    assert code == 0 and "★" in quality


def test_progress_lines_when_piped(cli, tmp_path, tiny_kv, tiny_tasks):  # noqa: F811
    from embedlab.models.encoder import load_encoder

    lines: list[str] = []
    out = encode_with_progress(load_encoder(tiny_kv), ["a", "b", "c", "d", "e"], "text", 2, lines.append, "m", 0.0, 2)
    assert out.shape == (5, 4)
    assert lines == ["m: encoding 5 distinct texts", "m: encoded 2/5", "m: encoded 4/5"]
    # The CLI's output is not a terminal here: each step is still a plain line on stderr.
    code, _, err = cli("eval", tiny_kv, "--sts", tiny_tasks["sts"], "--no-speed", "--no-cache", "-o", tmp_path / "r")
    err = " ".join(err.split())
    assert code == 0 and "text: encoding 9 distinct texts" in err and "scoring sts" in err  # 10 texts, 9 distinct
