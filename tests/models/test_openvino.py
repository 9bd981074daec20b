"""The openvino backends give the torch model's embeddings (fp32, and int8 close to it), two towers stay two, and
``embedlab export --backend openvino`` writes sentence-transformers' OpenVINO layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("openvino", reason="the openvino extra is not installed")
pytest.importorskip("nncf", reason="the openvino extra is not installed")

from embedlab.models import load_encoder
from embedlab.models.backends import OpenVinoSentenceEncoder, transformer_modules
from embedlab.models.backends.quality import SAMPLE_TEXTS
from embedlab.models.encoder import ROLES
from testsupport import SAMPLE_SENTENCES as TEXTS


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def _assert_same(torch_enc, ov_enc) -> None:
    for role in ROLES:
        a = torch_enc.encode(TEXTS, role=role, batch_size=2)
        b = ov_enc.encode(TEXTS, role=role, batch_size=2)
        assert b.shape == a.shape and b.dtype == np.float32
        assert _cosines(a, b).min() > 0.999, role


@pytest.fixture(scope="module")
def minilm_ov(minilm_path: str) -> OpenVinoSentenceEncoder:
    return load_encoder(minilm_path, backend="openvino")  # type: ignore[return-value]


def test_openvino_matches_torch_for_every_role(minilm_path: str, minilm_ov: OpenVinoSentenceEncoder) -> None:
    assert minilm_ov.backend == "openvino"
    _assert_same(load_encoder(minilm_path, backend="torch"), minilm_ov)
    info = minilm_ov.info()
    assert info["openvino_files"][0].endswith("openvino/openvino_model.xml")
    assert info["inference_precision"] in ("f32", "bf16", "f16")  # OpenVINO's choice for this CPU, recorded
    assert minilm_ov.dim == 384


def test_openvino_backends_have_their_own_fingerprint(minilm_path: str, minilm_ov: OpenVinoSentenceEncoder) -> None:
    from embedlab.models.backends.onnx_runtime import OnnxSentenceEncoder
    from embedlab.models.fingerprint import model_fingerprint, variant_fingerprint

    base = model_fingerprint(minilm_path)
    others = {load_encoder(minilm_path).fingerprint, variant_fingerprint(base, backend="openvino-int8")}
    others.add(OnnxSentenceEncoder(minilm_ov.model, name="x", path=minilm_path, backend="onnx").fingerprint)
    assert minilm_ov.fingerprint not in others and len(others) == 3


def test_graphs_are_made_once_into_the_cache(minilm_path: str, minilm_ov: OpenVinoSentenceEncoder) -> None:
    from embedlab.models.backends.openvino_runtime import openvino_cache_dir

    graph = Path(minilm_ov.info()["openvino_files"][0])
    assert openvino_cache_dir() in graph.parents and graph.with_suffix(".bin").is_file()
    mtime = graph.stat().st_mtime_ns
    again = load_encoder(minilm_path, backend="openvino")
    assert again.info()["openvino_files"] == [str(graph)] and graph.stat().st_mtime_ns == mtime
    assert not [p for p in graph.parents[2].iterdir() if p.name.startswith("tmp")]  # nothing left aside


def test_calibration_set_is_fixed_and_generic() -> None:
    from embedlab.models.backends.openvino_export import calibration_texts

    texts = calibration_texts()
    assert len(texts) == 300 and len(set(texts)) > 250
    assert texts == calibration_texts()
    assert all(len(t.split()) >= 4 for t in texts)


@pytest.mark.slow
def test_openvino_int8_is_close_to_fp32(minilm_path: str, minilm_ov: OpenVinoSentenceEncoder) -> None:
    int8 = load_encoder(minilm_path, backend="openvino-int8")
    assert int8.backend == "openvino-int8"
    assert Path(int8.info()["openvino_files"][0]).name == "openvino_model_qint8_quantized.xml"
    assert int8.fingerprint != minilm_ov.fingerprint
    texts = SAMPLE_TEXTS + TEXTS
    reference = load_encoder(minilm_path, backend="torch")
    for role in ROLES:
        cos = _cosines(reference.encode(texts, role=role), int8.encode(texts, role=role))
        # int8 is an approximation: close to fp32, not equal to it.
        assert 0.99 < cos.mean() < 0.99999 and cos.min() > 0.9, role


@pytest.mark.slow
def test_openvino_int8_keeps_sts_quality(minilm_path: str, shared_data: Path) -> None:
    from embedlab.models.backends.quality import check_score, load_check

    sts = load_check(f"sts:{shared_data / 'stsb' / 'sts-dev.csv'}")
    full = check_score(load_encoder(minilm_path, backend="torch"), sts)
    quantized = check_score(load_encoder(minilm_path, backend="openvino-int8"), sts)
    assert full > 0.85  # the model's known level, so a broken pipeline cannot pass by scoring 0 twice
    assert abs(full - quantized) / full < 0.005, (full, quantized)


def test_two_tower_model_runs_each_tower_on_openvino(dual_folder: Path) -> None:
    torch_enc = load_encoder(str(dual_folder), backend="torch")
    ov_enc = load_encoder(str(dual_folder), backend="openvino")
    assert sorted(ov_enc.graphs) == ["document_0_Transformer", "query_0_Transformer"]  # type: ignore[attr-defined]
    _assert_same(torch_enc, ov_enc)
    assert _cosines(ov_enc.encode_queries(TEXTS), ov_enc.encode_documents(TEXTS)).min() < 0.99


def test_export_writes_sentence_transformers_openvino_layout(minilm_path: str, tmp_path: Path) -> None:
    from embedlab.models.backends.export import export_model

    out = tmp_path / "minilm-ov"
    report = export_model(minilm_path, out, backend="openvino")
    assert report.files == ["openvino/openvino_model.xml"] and report.backend == "openvino"
    assert (out / "openvino" / "openvino_model.bin").is_file()
    assert "exported for OpenVINO" in (out / "README.md").read_text(encoding="utf-8")
    enc = load_encoder(str(out))  # auto: the exported backend, from the folder's own graph
    assert enc.backend == "openvino" and enc.info()["openvino_files"] == [str(out / report.files[0])]
    _assert_same(load_encoder(str(out), backend="torch"), enc)  # the torch weights are there too


def test_cli_accepts_openvino_backends(cli, tmp_path: Path) -> None:
    code, _, err = cli(
        "export", "all-MiniLM-L6-v2", "-o", tmp_path / "out", "--backend", "openvino", "--threshold", "2"
    )
    assert code == 2 and "option --threshold" in err  # --backend openvino got past the parser
    code, _, err = cli(
        "index", "build", "all-MiniLM-L6-v2", "x.jsonl", "-o", tmp_path / "idx", "--encoder-backend", "nope"
    )
    assert code == 2 and "openvino-int8" in err


def test_openvino_weights_are_not_taken_for_pickles(tmp_path: Path) -> None:
    import pickle

    from embedlab.utils.pickle_guard import pickled_weights

    folder = tmp_path / "openvino"
    folder.mkdir()
    (folder / "openvino_model.xml").write_text("<net/>")
    (folder / "openvino_model.bin").write_bytes(np.arange(8, dtype=np.float32).tobytes())
    assert pickled_weights(tmp_path) == []
    # A pickle named like OpenVINO weights is still a pickle.
    (folder / "openvino_model.bin").write_bytes(pickle.dumps({"a": 1}, protocol=4))
    assert pickled_weights(tmp_path) == [folder / "openvino_model.bin"]


def test_index_records_openvino_and_refuses_another_backend(minilm_path: str, tmp_path: Path) -> None:
    pytest.importorskip("faiss")
    from embedlab.index import Index, ModelMismatchError

    docs = [{"id": str(i), "text": t} for i, t in enumerate(SAMPLE_TEXTS)]
    index = Index.build(minilm_path, docs, tmp_path / "idx", encoder_backend="openvino")
    assert index.info()["encoder_backend"] == "openvino"
    hits = Index.load(tmp_path / "idx").search("How can I change my password?", k=1, mode="dense")
    assert hits[0].id == "1"  # queries embedded with the index's own backend
    with pytest.raises(ModelMismatchError, match="embedded with the 'openvino' backend, not 'openvino-int8'"):
        Index.load(tmp_path / "idx", encoder_backend="openvino-int8")


def test_encodes_from_two_threads_agree_with_one(minilm_ov: OpenVinoSentenceEncoder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import torch

    texts = (SAMPLE_TEXTS + TEXTS) * 4
    threads = torch.get_num_threads()
    alone = {role: minilm_ov.encode(texts, role=role, batch_size=8) for role in ("query", "document")}
    with ThreadPoolExecutor(max_workers=2) as pool:  # as the service's query and document batchers run
        futures = {role: pool.submit(minilm_ov.encode, texts, role=role, batch_size=8) for role in alone}
        together = {role: f.result() for role, f in futures.items()}
    for role in alone:
        np.testing.assert_allclose(together[role], alone[role], atol=1e-5)
    assert torch.get_num_threads() == threads  # restored once both are done


def test_service_embeds_on_openvino(minilm_path: str, minilm_ov: OpenVinoSentenceEncoder) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from embedlab.serve.app import create_app
    from embedlab.serve.settings import ServiceSettings

    with TestClient(
        create_app(model=minilm_path, settings=ServiceSettings(backend="openvino", allowed_hosts=("testserver",)))
    ) as client:
        r = client.post("/v1/embeddings", json={"input": ["How do I reset my password?"], "model": "m"})
    assert r.status_code == 200, r.text
    got = np.array(r.json()["data"][0]["embedding"], dtype=np.float32)
    want = minilm_ov.encode(["How do I reset my password?"], normalize=True)[0]
    assert float(got @ want / np.linalg.norm(got)) > 0.9999


def test_an_input_of_many_batches_runs_in_lanes_with_the_same_vectors(
    minilm_path: str, minilm_ov: OpenVinoSentenceEncoder
) -> None:
    from embedlab.models.backends.onnx_runtime import cpu_threads
    from embedlab.models.backends.openvino_runtime import load_openvino_encoder

    if cpu_threads() < 2:
        pytest.skip("lanes need two cores")
    texts = (SAMPLE_TEXTS + TEXTS) * 4
    one_lane = load_openvino_encoder(minilm_path, backend="openvino", threads=1)
    forward = next(module for _, module in transformer_modules(minilm_ov.model)).forward
    for role in ("query", "document"):
        lanes = minilm_ov.encode(texts, role=role, batch_size=8)
        np.testing.assert_allclose(lanes, one_lane.encode(texts, role=role, batch_size=8), atol=1e-4)
    assert forward._lanes is not None  # the lanes ran on their own compilation
