"""The graph encoders' direct path gives sentence-transformers' own vectors, and only plain models take it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from embedlab.models import load_encoder
from embedlab.models.backends.direct import direct_plan
from embedlab.models.encoder import ROLES, SentenceEncoder
from testsupport import SAMPLE_SENTENCES

TEXTS = [*SAMPLE_SENTENCES, "a", "word " * 400]  # one text cut at the model's length, one of a single token


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_direct_batches_equal_sentence_transformers(minilm_path: str, backend: str) -> None:
    enc = load_encoder(minilm_path, backend=backend)
    assert direct_plan(enc.model) is not None  # Transformer -> mean Pooling -> Normalize, no prompt
    for role in ROLES:
        for normalize in (False, True):
            for batch in (TEXTS, TEXTS[:5], TEXTS[-1:]):
                direct = enc._encode_batch(batch, role=role, normalize=normalize)
                pipeline = SentenceEncoder._encode_batch(enc, batch, role=role, normalize=normalize)
                assert direct.dtype == np.float32 and direct.shape == pipeline.shape
                np.testing.assert_allclose(direct, pipeline, atol=2e-6, err_msg=f"{backend} {role} {normalize}")


def test_other_models_keep_the_pipeline(minilm_path: str, dual_folder: Path, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    prompted = SentenceTransformer(minilm_path, device="cpu", prompts={"query": "query: ", "document": ""})
    assert direct_plan(prompted) is None
    cls = SentenceTransformer(minilm_path, device="cpu")
    cls[1] = Pooling(384, pooling_mode="cls")
    assert direct_plan(cls) is None
    assert direct_plan(SentenceTransformer(str(dual_folder), device="cpu")) is None  # two towers (a Router)
    torch_model = SentenceTransformer(minilm_path, device="cpu")
    assert direct_plan(torch_model) is None  # its transformer runs on torch: no graph to call


@pytest.mark.parametrize("which", ["plain", "two towers"])
def test_tokenizers_are_set_at_load_and_lanes_change_nothing(minilm_path: str, dual_folder: Path, which: str) -> None:
    from embedlab.models.backends import transformer_modules

    enc = load_encoder(minilm_path if which == "plain" else str(dual_folder), backend="onnx-int8")
    tokenizers = [module.tokenizer.backend_tokenizer for _, module in transformer_modules(enc.model)]
    set_at_load = [(t.truncation, t.padding) for t in tokenizers]
    assert all(trunc is not None and pad is not None for trunc, pad in set_at_load)
    texts = [f"sentence {i} " + "word " * (i % 13) for i in range(40)]  # several batches: lanes
    enc.encode_queries(texts)
    enc.encode_documents(texts)
    assert [(t.truncation, t.padding) for t in tokenizers] == set_at_load  # the lanes' calls changed no setting
