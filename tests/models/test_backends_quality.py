"""onnx-int8 keeps the quality of fp32 on real data: STS-B dev Spearman and aims_qa NDCG@10 within 0.5 %."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")


@pytest.mark.slow
def test_int8_scores_within_half_a_percent_of_fp32(minilm_path: str, shared_data: Path) -> None:
    from embedlab.models import load_encoder
    from embedlab.models.backends.quality import check_score, load_check

    sts = load_check(f"sts:{shared_data / 'stsb' / 'sts-dev.csv'}")
    aims = load_check(f"retrieval:{shared_data / 'aims_qa' / 'train_dataset.json'}")
    fp32 = load_encoder(minilm_path, backend="onnx")
    int8 = load_encoder(minilm_path, backend="onnx-int8")
    for check, floor in ((sts, 0.85), (aims, 0.5)):
        full, quantized = check_score(fp32, check), check_score(int8, check)
        assert full > floor  # the model's known level, so a broken pipeline cannot pass by scoring 0 twice
        assert abs(full - quantized) / full < 0.005, (check.metric, full, quantized)
