from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InputError, ParameterError
from embedlab.utils.atomic import OutputPathError
from embedlab.words import Corpus, Preprocessor, TrainOptions, WordsRecipe, load_vectors, similar, train_vectors


def test_neighbours_of_a_frequent_word_are_sensible(lee_model) -> None:
    # The Lee corpus is 300 news stories of 2001: "bin" always comes as "Osama bin Laden", and Israeli and
    # Palestinian go together.
    neighbours = [w for w, _ in similar(lee_model.kv, "bin", topn=10)]
    assert "osama" in neighbours[:3]
    assert "laden" in neighbours
    assert "palestinian" in [w for w, _ in similar(lee_model.kv, "israeli", topn=3)]
    assert lee_model.kv.similarity("israeli", "palestinian") > lee_model.kv.similarity("israeli", "cricket")


def test_output_folder_and_run_json(lee_model) -> None:
    folder = lee_model.path
    names = {p.name for p in folder.iterdir()}
    # The shape of a sentence-model run: recipe, metrics, card; the vectors in formats that hold no code.
    expected = {"vectors.npy", "vocab.tsv", "vectors.json", "vectors.txt", "vectors.bin", "run.json"}
    assert expected | {"recipe.toml", "metrics.json", "README.md"} <= names
    assert not any(n.endswith((".tmp", ".kv", ".model")) or n == "tokens.txt" for n in names)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert run["vocab_size"] == lee_model.vocab_size == len(lee_model.kv)
    assert run["corpus"]["documents"] == 300
    assert run["corpus"]["tokens"] == lee_model.stats.tokens > 10_000
    assert run["options"]["dim"] == 32 and run["options"]["workers"] == 1
    assert run["preprocess"]["stopword_list"] == "gensim"
    assert run["train_seconds"] > 0
    first = (folder / "vocab.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert first[0] == lee_model.kv.index_to_key[0] and int(first[1]) > 100


@pytest.mark.slow
def test_fixed_seed_single_worker_is_bit_for_bit_reproducible(tmp_path: Path, lee_corpus: Path, lee_model) -> None:
    options = TrainOptions(dim=32, epochs=10, min_count=3, workers=1, seed=42)
    again = train_vectors(
        Corpus([lee_corpus]),
        tmp_path / "again",
        options,
        preprocessor=Preprocessor(stopwords="gensim"),
        progress=False,
    )
    assert again.kv.index_to_key == lee_model.kv.index_to_key
    assert np.array_equal(again.kv.vectors, lee_model.kv.vectors)
    other = train_vectors(
        Corpus([lee_corpus]),
        tmp_path / "other",
        TrainOptions(dim=32, epochs=1, min_count=3, workers=1, seed=7),
        preprocessor=Preprocessor(stopwords="gensim"),
        progress=False,
    )
    assert not np.array_equal(other.kv.vectors[:10], lee_model.kv.vectors[:10])


def test_cbow_and_fasttext(tmp_path: Path, lee_corpus: Path) -> None:
    corpus = Corpus([lee_corpus], limit=100)
    cbow = train_vectors(
        corpus, tmp_path / "cbow", TrainOptions(algorithm="cbow", dim=16, epochs=2, workers=1), progress=False
    )
    assert cbow.run["options"]["algorithm"] == "cbow" and cbow.vocab_size > 100
    train_vectors(
        corpus,
        tmp_path / "ft",
        TrainOptions(algorithm="fasttext", dim=16, epochs=2, workers=1, buckets=20_000, export=()),
        progress=False,
    )
    assert not (tmp_path / "ft" / "vectors.txt").exists()
    kv = load_vectors(tmp_path / "ft")
    assert kv["unseenwordzzz"].shape == (16,)  # n-grams give every word a vector


def test_empty_corpus(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty corpus"):
        train_vectors(Corpus([empty]), tmp_path / "out", TrainOptions(workers=1), progress=False)
    stop_only = tmp_path / "stop.txt"
    stop_only.write_text("the of and 123 !!!\n", encoding="utf-8")
    with pytest.raises(InputError, match="no tokens"):
        train_vectors(Corpus([stop_only]), tmp_path / "out", TrainOptions(workers=1), progress=False)
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_min_count_too_high(tmp_path: Path, lee_corpus: Path) -> None:
    with pytest.raises(InputError, match="lower --min-count"):
        train_vectors(
            Corpus([lee_corpus], limit=5), tmp_path / "out", TrainOptions(min_count=10_000, workers=1), progress=False
        )


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"algorithm": "glove"}, "algorithm"),
        ({"dim": 0}, "dim"),
        ({"window": 0}, "window"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": "many"}, "epochs"),
        ({"dim": 10.5}, "dim"),
        ({"negative": 0}, "negative"),
        ({"sample": 2.0}, "sample"),
        ({"alpha": float("nan")}, "alpha"),
        ({"workers": 0}, "workers"),
        ({"export": ("csv",)}, "export"),
    ],
)
def test_bad_training_options(kwargs: dict, param: str) -> None:
    with pytest.raises(ParameterError) as info:
        TrainOptions(**kwargs).validate()
    assert info.value.param == param


def test_recipe_card_and_metrics_describe_the_run(lee_model, lee_corpus: Path) -> None:
    folder = lee_model.path
    recipe = WordsRecipe.load(folder / "recipe.toml")
    assert recipe.corpus == [str(lee_corpus)]
    assert recipe.train.dim == 32 and recipe.train.epochs == 10 and recipe.train.seed == 42
    assert recipe.train.algorithm == "skipgram" and recipe.preprocess["stopwords"] == "gensim"
    assert WordsRecipe.from_toml(recipe.to_toml()) == recipe  # it reads back what it wrote
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["vocab_size"] == lee_model.vocab_size and metrics["corpus"]["documents"] == 300
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "skipgram, 32 dimensions" in card and f"{lee_model.vocab_size:,} words" in card


def test_bad_recipe_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ParameterError) as info:
        WordsRecipe.from_toml('[corpus]\nsources = ["a.txt"]\n[train]\nepochs = "many"\n')
    assert info.value.param == "epochs"
    with pytest.raises(ParameterError, match=r"train\.epoch: unknown key"):
        WordsRecipe.from_toml('[corpus]\nsources = ["a.txt"]\n[train]\nepoch = 3\n')
    with pytest.raises(InputError, match="not valid TOML"):
        WordsRecipe.from_toml("[corpus\n")


def test_output_path_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "mydata"
    data.mkdir()
    corpus = data / "corpus.txt"
    corpus.write_text("the cat sat on the mat\n" * 10, encoding="utf-8")
    (data / "notes.txt").write_text("keep", encoding="utf-8")
    options = TrainOptions(min_count=1, workers=1, dim=8, epochs=1)
    with pytest.raises(OutputPathError, match="holds the input"):
        train_vectors(corpus, data, options, progress=False)
    monkeypatch.chdir(data)
    with pytest.raises(OutputPathError, match=r"holds the input|current folder"):
        train_vectors(corpus, ".", options, progress=False)
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputPathError, match="not an embedlab word-vectors output"):
        train_vectors(corpus, other, options, progress=False)
    assert sorted(p.name for p in data.iterdir()) == ["corpus.txt", "notes.txt"]
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.slow
@pytest.mark.shared_data
def test_training_on_nltk_movie_reviews(tmp_path: Path) -> None:
    from testsupport import shared_path

    folder = shared_path("nltk_data", "corpora", "movie_reviews")
    result = train_vectors(
        Corpus([folder], limit=8000),  # the first 8,000 lines: negative reviews, one sentence a line
        tmp_path / "reviews",
        TrainOptions(dim=32, epochs=20, min_count=5, workers=1, seed=1),
        preprocessor=Preprocessor(stopwords="gensim"),
        progress=False,
    )
    assert result.stats.documents == 8000
    assert {"laugh", "jokes"} & {w for w, _ in similar(result.kv, "funny", topn=5)}
    assert {"twists", "contrived", "holes"} & {w for w, _ in similar(result.kv, "plot", topn=5)}
