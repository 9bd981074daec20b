"""MTEB tasks by name with local data: mteb's own STS scorer agrees with embedlab's Spearman."""

from __future__ import annotations

import pytest

from embedlab.errors import ParameterError
from embedlab.evaluate.mteb_tasks import get_task, run_mteb_task
from testsupport import shared_path


def test_unknown_task_suggests_names():
    pytest.importorskip("mteb")
    with pytest.raises(ParameterError, match=r"tasks: unknown MTEB task .*did you mean .*Banking77Classification"):
        get_task("Banking77Clasification")


@pytest.mark.slow
def test_stsbenchmark_on_local_data(minilm, minilm_path, tmp_path):
    pytest.importorskip("mteb")
    from embedlab.data import load_scored_pairs
    from embedlab.evaluate.similarity import similarity_metrics
    from embedlab.models.encoder import SentenceEncoder

    lines = shared_path("stsb", "sts-dev.csv").read_text().splitlines()[:60]
    local = tmp_path / "sts-dev-60.csv"
    local.write_text("\n".join(lines) + "\n")
    ref = run_mteb_task(minilm, "STSBenchmark", data=local)
    pairs = load_scored_pairs(local)
    enc = SentenceEncoder(minilm, "minilm", minilm_path)
    ours = similarity_metrics(enc.encode(pairs.sentence1), enc.encode(pairs.sentence2), pairs.scores)
    assert ref["main_score"] == pytest.approx(ours["spearman_cosine"], abs=1e-6)
