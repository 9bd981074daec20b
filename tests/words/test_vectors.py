from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InputError, ModelNotFoundError
from embedlab.words import detect_format, load_vectors


def test_glove_alias_loads_400k_words(glove) -> None:
    assert glove.vectors.shape == (400000, 50)
    assert glove.index_to_key[:3] == ["the", ",", "."]
    assert glove.most_similar("paris", topn=5)[0][0] != "paris"


def test_trained_folder_and_every_export_agree(lee_model) -> None:
    folder = lee_model.path
    kv = load_vectors(folder)
    assert detect_format(folder) == "npy"
    assert kv.index_to_key == lee_model.kv.index_to_key
    assert np.array_equal(kv.vectors, lee_model.kv.vectors)  # .npy is exact
    for name, fmt in (("vectors.txt", "word2vec-text"), ("vectors.bin", "word2vec-binary")):
        assert detect_format(folder / name) == fmt
        other = load_vectors(folder / name)
        assert other.index_to_key == kv.index_to_key
        # word2vec text keeps ~7 significant digits; binary is exact.
        np.testing.assert_allclose(other.vectors, kv.vectors, rtol=1e-5, atol=1e-6)


def test_glove_text_without_header(tmp_path: Path, lee_model) -> None:
    kv = lee_model.kv
    path = tmp_path / "glove.txt"
    with open(path, "w", encoding="utf-8") as fh:
        for word in kv.index_to_key[:100]:
            fh.write(word + " " + " ".join(f"{x:.6f}" for x in kv[word]) + "\n")
    assert detect_format(path) == "glove-text"
    loaded = load_vectors(path)
    assert loaded.index_to_key == kv.index_to_key[:100]
    assert load_vectors(path, limit=10).index_to_key == kv.index_to_key[:10]


def test_gz_compressed_word2vec_text(tmp_path: Path, lee_model) -> None:
    path = tmp_path / "vectors.txt.gz"
    lee_model.kv.save_word2vec_format(str(path), binary=False)
    assert len(load_vectors(path)) == len(lee_model.kv)


def test_fasttext_bin_from_gensim_test_data(gensim_test_data: Path) -> None:
    kv = load_vectors(gensim_test_data / "lee_fasttext_new.bin")
    assert kv.vector_size == 10 and len(kv) > 1000
    assert kv["notaword"].shape == (10,)  # FastText builds unseen words from n-grams


def test_malformed_vector_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_text("2 3\nhello 0.1 0.2 0.3\nworld 0.1 oops 0.3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.txt"):
        load_vectors(path)


def test_plain_text_is_not_vectors(gensim_test_data: Path) -> None:
    with pytest.raises(InputError, match=r"lee\.cor"):
        load_vectors(gensim_test_data / "lee.cor")


def test_empty_vector_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        load_vectors(path)


def test_sentence_model_is_not_word_vectors(minilm_path: str) -> None:
    with pytest.raises(ModelNotFoundError, match="not word vectors"):
        load_vectors(minilm_path)


def test_unknown_model_name() -> None:
    with pytest.raises(ModelNotFoundError, match="available offline"):
        load_vectors("no-such-vectors")


def test_fasttext_round_trip_keeps_subword_vectors(tmp_path: Path, gensim_test_data: Path) -> None:
    from embedlab.words import save_vectors

    kv = load_vectors(gensim_test_data / "lee_fasttext_new.bin")
    save_vectors(kv, tmp_path)
    again = load_vectors(tmp_path)
    assert again.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(again.vectors, kv.vectors)
    for word in ("notaword", "policeman", kv.index_to_key[5]):  # unseen words come from the n-gram table
        np.testing.assert_allclose(again[word], kv[word], rtol=1e-6)
