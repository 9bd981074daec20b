"""No code from data files: a crafted pickle is refused wherever word vectors or model weights are loaded.

Each crafted file, when unpickled, creates a marker file. The tests show loading refuses it with one line and the
marker never appears; ``trust_pickle`` (``--trust-pickle``) still loads a legitimate gensim file.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from embedlab.utils.pickle_guard import UnsafeFileError, is_pickle, pickled_weights
from embedlab.words import load_vectors, save_vectors


class _Payload:
    """Unpickling this object calls open(marker, "w"): the smallest proof that a pickle runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _craft(path: Path, marker: Path) -> Path:
    path.write_bytes(pickle.dumps(_Payload(marker), protocol=4))
    return path


def _gensim_kv(path: Path) -> Path:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=3)
    kv.add_vectors(["king", "queen", "man"], np.eye(3, dtype=np.float32))
    kv.save(str(path))  # gensim's own save(): a pickle
    return path


@pytest.mark.parametrize("name", ["innocent_vectors.txt", "vectors.kv", "model.model", "vectors.bin"])
def test_crafted_pickle_is_refused_whatever_its_name(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "PWNED"
    path = _craft(tmp_path / name, marker)
    assert is_pickle(path)
    with pytest.raises(UnsafeFileError, match="trust-pickle"):
        load_vectors(path)
    assert not marker.exists()


def test_folder_holding_only_a_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    folder = tmp_path / "old-run"
    folder.mkdir()
    _craft(folder / "vectors.kv", marker)
    with pytest.raises(UnsafeFileError, match=r"vectors.kv"):
        load_vectors(folder)
    assert not marker.exists()


def test_trust_pickle_loads_a_legitimate_gensim_file(tmp_path: Path) -> None:
    path = _gensim_kv(tmp_path / "old.kv")
    with pytest.raises(UnsafeFileError):
        load_vectors(path)
    kv = load_vectors(path, trust_pickle=True)
    assert kv.index_to_key == ["king", "queen", "man"]
    # ...and it can be converted once into the safe format, which loads without the opt-in.
    out = tmp_path / "converted"
    out.mkdir()
    save_vectors(kv, out)
    assert np.array_equal(load_vectors(out).vectors, kv.vectors)


def test_cli_refuses_with_one_line_and_runs_no_code(cli, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    path = _craft(tmp_path / "innocent_vectors.txt", marker)
    for args in (("similar", path, "king"), ("analogy", path, "king", "-", "man", "+", "woman"), ("eval", path)):
        code, _, err = cli("words", *args)
        assert code == 2, err
        assert "--trust-pickle" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not marker.exists()
    legit = _gensim_kv(tmp_path / "old.kv")
    code, out, err = cli("words", "similar", legit, "king", "--topn", "2", "--trust-pickle", "--json")
    assert code == 0, err
    assert "queen" in out


def test_model_folder_with_only_pickled_weights_is_refused(tmp_path: Path, minilm_path: str) -> None:
    from embedlab.models import load_sentence_model

    marker = tmp_path / "PWNED"
    folder = tmp_path / "model"
    shutil.copytree(minilm_path, folder)
    (folder / "model.safetensors").unlink()
    _craft(folder / "pytorch_model.bin", marker)
    assert pickled_weights(folder) == [folder / "pytorch_model.bin"]
    with pytest.raises(UnsafeFileError, match=r"pytorch_model.bin"):
        load_sentence_model(folder)
    assert not marker.exists()
    # Even trusted, transformers unpickles with torch.load(weights_only=True), which refuses the payload.
    with pytest.raises(Exception):  # noqa: B017 - whichever error torch raises, the point is the marker
        load_sentence_model(folder, trust_pickle=True)
    assert not marker.exists()


@pytest.mark.slow
def test_trusted_pickled_weights_load_the_same_model(tmp_path: Path, minilm_path: str) -> None:
    import torch
    from safetensors.torch import load_file

    from embedlab.models import load_sentence_model

    model = load_sentence_model(minilm_path)
    folder = tmp_path / "bin-model"
    shutil.copytree(minilm_path, folder)  # the same weights, stored the old way: a PyTorch pickle
    torch.save(load_file(str(folder / "model.safetensors")), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    assert pickled_weights(folder) == [folder / "pytorch_model.bin"]
    with pytest.raises(UnsafeFileError):
        load_sentence_model(folder)
    again = load_sentence_model(folder, trust_pickle=True)
    np.testing.assert_allclose(again.encode(["a cat"]), model.encode(["a cat"]), atol=1e-6)
