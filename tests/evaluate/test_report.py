"""The HTML report: self-contained, every chart present, PNGs written, and it renders in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from embedlab.evaluate.report import build_report
from embedlab.evaluate.results import Results, save_results

CHROMIUM = "/usr/bin/chromium"


def _results(run: Path) -> Results:
    r = Results()
    r.tasks["sts-dev"] = {"kind": "sts", "path": "stsb/sts-dev.csv", "size": 3000}
    r.tasks["aims"] = {"kind": "retrieval", "path": "aims_qa/train_dataset.json", "size": 891}
    for model, q, speed in (
        ("all-MiniLM-L6-v2", 0.87, 350.0),
        ("glove-6B-50d", 0.52, 15000.0),
        ("finetuned", 0.9, 340.0),
    ):
        r.add(model, "sts-dev", {"spearman_cosine": q, "pearson_cosine": q - 0.02})
        r.add(model, "aims", {"cosine_ndcg@10": q - 0.3, "cosine_mrr@10": q - 0.35, "cosine_accuracy@1": q - 0.4})
        r.models[model] = {"texts_per_s": speed, "latency_ms": 1000 / speed, "params": 1000, "dim": 384}
    r.models["finetuned"]["training_run"] = str(run)
    return r


@pytest.fixture()
def training_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    lines = ["step,epoch,loss,learning_rate,eval_sts-dev_spearman_cosine"]
    for step in range(10, 110, 10):
        ev = f"{0.8 + step / 1000:.3f}" if step % 50 == 0 else ""
        lines.append(f"{step},{step / 100:.2f},{2.0 / step**0.5:.4f},{2e-5 * (1 - step / 110):.2e},{ev}")
    (run / "curves.csv").write_text("\n".join(lines) + "\n")
    return run


def test_report_is_self_contained(tmp_path, training_run):
    out = tmp_path / "report.html"
    written = build_report(_results(training_run), out, png_engine="matplotlib")
    page = out.read_text()
    assert "<script src=" not in page and "plotly.js v" in page  # plotly.js is inline: opens offline
    for chart in ("task-sts-dev", "task-aims", "quality-vs-speed", "train-loss-finetuned", "train-eval-finetuned"):
        assert f'id="chart-{chart}"' in page
    assert "0.9000 ★" in page  # the best STS score is marked in the table
    assert written["engine"] == "matplotlib" and len(written["png"]) == 5
    for png in written["png"]:
        assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_cli(cli, tmp_path, training_run):
    save_results(_results(training_run), tmp_path / "res")
    code, _, stderr = cli("report", tmp_path / "res", "-o", tmp_path / "r.html", "--no-png")
    assert code == 0, stderr
    assert (tmp_path / "r.html").exists() and not (tmp_path / "r-charts").exists()
    code, _, stderr = cli("report", tmp_path / "nothing", "-o", tmp_path / "x.html")
    assert code == 2 and "no results here" in stderr


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path, training_run):
    out = tmp_path / "report.html"
    build_report(_results(training_run), out, png=False)
    profile = tmp_path / "profile"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", out.as_uri(),
    ]  # fmt: skip
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    shutil.rmtree(profile, ignore_errors=True)
    # plotly draws each chart as an <svg class="main-svg">: the scripts ran and every chart rendered.
    charts = re.findall(r'<div id="chart-([\w-]+)"', dom)
    assert len(charts) == 5
    assert dom.count('class="main-svg"') >= len(charts)
    assert "finetuned" in dom and "Quality vs speed" in dom
