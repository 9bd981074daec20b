"""The onnx backends give the torch model's embeddings: plain, prompted and two-tower models, every role."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from embedlab.errors import ParameterError
from embedlab.models import load_encoder
from embedlab.models.backends import OnnxSentenceEncoder, transformer_modules
from embedlab.models.encoder import ROLES, SentenceEncoder
from testsupport import SAMPLE_SENTENCES as TEXTS


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).min())


def _assert_same(torch_enc: SentenceEncoder, onnx_enc: OnnxSentenceEncoder) -> None:
    for role in ROLES:
        a = torch_enc.encode(TEXTS, role=role, batch_size=2)
        b = onnx_enc.encode(TEXTS, role=role, batch_size=2)
        assert b.shape == a.shape and b.dtype == np.float32
        assert _min_cosine(a, b) > 0.999, role


@pytest.fixture(scope="module")
def minilm_onnx(minilm_path: str) -> OnnxSentenceEncoder:
    return load_encoder(minilm_path, backend="onnx")  # type: ignore[return-value]


def test_onnx_matches_torch_for_every_role(minilm_path: str, minilm_onnx: OnnxSentenceEncoder) -> None:
    assert minilm_onnx.backend == "onnx"
    _assert_same(load_encoder(minilm_path, backend="torch"), minilm_onnx)  # type: ignore[arg-type]


def test_backends_have_their_own_fingerprint(minilm_path: str, minilm_onnx: OnnxSentenceEncoder) -> None:
    torch_fp = load_encoder(minilm_path, backend="torch").fingerprint
    assert minilm_onnx.fingerprint != torch_fp
    assert minilm_onnx.dim == 384
    info = minilm_onnx.info()
    assert info["backend"] == "onnx" and info["onnx_files"][0].endswith("onnx/model.onnx")


def test_onnx_int8_is_close_to_fp32(minilm_path: str, minilm_onnx: OnnxSentenceEncoder) -> None:
    int8 = load_encoder(minilm_path, backend="onnx-int8")
    assert int8.backend == "onnx-int8"
    assert int8.fingerprint not in (minilm_onnx.fingerprint, load_encoder(minilm_path).fingerprint)
    assert Path(int8.info()["onnx_files"][0]).name.startswith("model_qint8_")
    # int8 is an approximation: close to fp32, not equal to it.
    cos = _min_cosine(minilm_onnx.encode(TEXTS), int8.encode(TEXTS))
    assert 0.95 < cos < 0.99999
    # every product with a constant weight is int8 but the first layer's feed-forward output
    import onnx

    graph = onnx.load(int8.info()["onnx_files"][0], load_external_data=False)
    weights = {init.name for init in graph.graph.initializer}
    fp32_products = [n.name for n in graph.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    assert fp32_products == ["/model/encoder/layer.0/output/dense/MatMul"]
    assert sum(n.op_type == "MatMulInteger" for n in graph.graph.node) == 35  # 6 layers x 6 products, less that one


def test_prompted_model_with_prompt_excluded_from_pooling(minilm_path: str, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(minilm_path, device="cpu", prompts={"query": "query: ", "document": "passage: "})
    model.set_pooling_include_prompt(False)
    model.save(str(tmp_path / "prompted"))
    torch_enc = load_encoder(str(tmp_path / "prompted"), backend="torch")
    onnx_enc = load_encoder(str(tmp_path / "prompted"), backend="onnx")
    _assert_same(torch_enc, onnx_enc)  # type: ignore[arg-type]
    # The prompts are applied: a query and a document embedding of one text differ.
    q, d = onnx_enc.encode_queries(TEXTS[:1]), onnx_enc.encode_documents(TEXTS[:1])
    assert _min_cosine(q, d) < 0.999


def test_two_tower_model_runs_each_tower_on_onnx(dual_folder: Path) -> None:
    torch_enc = load_encoder(str(dual_folder), backend="torch")
    onnx_enc = load_encoder(str(dual_folder), backend="onnx")
    assert sorted(onnx_enc.graphs) == ["document_0_Transformer", "query_0_Transformer"]  # type: ignore[attr-defined]
    _assert_same(torch_enc, onnx_enc)  # type: ignore[arg-type]
    assert _min_cosine(onnx_enc.encode_queries(TEXTS), onnx_enc.encode_documents(TEXTS)) < 0.99


def test_export_keeps_two_towers(dual_folder: Path, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    from embedlab.models.backends.export import export_model

    out = tmp_path / "dual-onnx"
    report = export_model(str(dual_folder), out)
    assert sorted(report.files) == ["document_0_Transformer/onnx/model.onnx", "query_0_Transformer/onnx/model.onnx"]
    enc = load_encoder(str(out))  # auto: the exported backend
    assert enc.backend == "onnx"
    torch_enc = load_encoder(str(dual_folder), backend="torch")
    _assert_same(torch_enc, enc)  # type: ignore[arg-type]
    # Plain sentence-transformers still loads the folder (torch weights) with both towers.
    plain = SentenceTransformer(str(out), device="cpu")
    assert [f for f, _ in transformer_modules(plain)] == ["query_0_Transformer", "document_0_Transformer"]
    assert _min_cosine(plain.encode_query(TEXTS), enc.encode_queries(TEXTS)) > 0.999
    assert "Default backend: `onnx`" in (out / "README.md").read_text()


def test_unknown_backend_and_word_vectors_are_refused() -> None:
    with pytest.raises(ParameterError, match="unknown backend 'tensorrt'"):
        load_encoder("all-MiniLM-L6-v2", backend="tensorrt")
    with pytest.raises(ParameterError, match="word vectors, which run on numpy"):
        load_encoder("glove-6B-50d", backend="onnx")


def test_torch_single_thread_is_one_thread_inside_and_restored_after() -> None:
    """Inside, torch runs one thread; after, the caller's count is back, and another thread's count is untouched."""
    import threading

    import torch

    from embedlab.models.backends.onnx_runtime import torch_single_thread

    before = torch.get_num_threads()
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def hold() -> None:
        with torch_single_thread():
            seen["worker"] = torch.get_num_threads()
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(5)
    seen["main while worker inside"] = torch.get_num_threads()
    release.set()
    worker.join(5)
    with torch_single_thread():
        seen["main inside"] = torch.get_num_threads()
    assert seen == {"worker": 1, "main while worker inside": before, "main inside": 1}
    assert torch.get_num_threads() == before


def test_an_input_of_many_batches_runs_in_lanes_with_the_same_vectors(
    minilm_path: str, minilm_onnx: OnnxSentenceEncoder
) -> None:
    from embedlab.models.backends.onnx_runtime import cpu_threads, load_onnx_encoder

    if cpu_threads() < 2:
        pytest.skip("lanes need two cores")
    texts = [f"{text} (variant {i})" for i in range(9) for text in TEXTS]
    one_lane = load_onnx_encoder(minilm_path, backend="onnx", threads=1)
    forward = next(module for _, module in transformer_modules(minilm_onnx.model)).forward
    for role in ROLES:
        lanes = minilm_onnx.encode(texts, role=role, batch_size=8)
        np.testing.assert_allclose(lanes, one_lane.encode(texts, role=role, batch_size=8), atol=1e-5)
    assert forward._lane_session is not None  # the lanes ran on their own one-thread session
    # one batch of 45 texts (as the service's micro-batches are) is cut into one batch per lane
    np.testing.assert_allclose(
        minilm_onnx.encode(texts, batch_size=64), one_lane.encode(texts, batch_size=64), atol=1e-5
    )
    assert minilm_onnx.encode(texts[:8], role="query", batch_size=8).shape == (8, 384)  # one batch, no lanes
    parts = minilm_onnx.batches(texts, 64)  # one batch of 45: at least one per lane
    assert len(parts) >= 2 and max(len(b) for b in parts) <= 23
