from __future__ import annotations

import re
from pathlib import Path

import pytest

from embedlab.errors import InputError, ParameterError
from embedlab.words import Preprocessor, load_stopwords, split_sentences
from testsupport import shared_path


def test_unicode_letters_kept_by_default() -> None:
    p = Preprocessor(stopwords="none")
    assert p.tokens("Café in Zürich, naïve façade!") == ["café", "in", "zürich", "naïve", "façade"]


def test_ascii_only_reproduces_the_classic_regex() -> None:
    text = "Café in Zürich costs 5€; it's OK_ok."
    classic = re.sub(r"[^a-zA-Z ]", " ", text.lower()).split()
    assert Preprocessor(stopwords="none", ascii_only=True, split_sentences=False).tokens(text) == classic


def test_links_sentences_and_digits() -> None:
    p = Preprocessor(stopwords="none")
    sents = p.sentences("See https://example.org/a?b=1. Mail bob@example.com <b>now</b>!\nNew line 42 here")
    assert sents == [["see"], ["mail", "now"], ["new", "line", "here"]]
    assert Preprocessor(stopwords="none", keep_digits=True).tokens("route 66") == ["route", "66"]
    assert Preprocessor(stopwords="none", strip_links=False).tokens("www.x.org") == ["www", "x", "org"]
    assert split_sentences("One. Two! Three?\nFour") == ["One.", "Two!", "Three?", "Four"]


def test_case_and_length_options() -> None:
    p = Preprocessor(stopwords="gensim", lowercase=False, min_len=3)
    assert p.tokens("The Cat sat on a Mat") == ["Cat", "sat", "Mat"]  # stop words matched case-insensitively
    assert Preprocessor(stopwords="none", max_len=4).tokens("tiny enormous") == ["tiny"]


def test_offline_stopword_lists(tmp_path: Path) -> None:
    gensim_words, used = load_stopwords("gensim")
    assert used == "gensim" and "the" in gensim_words
    sklearn_words, used = load_stopwords("sklearn")
    assert used == "sklearn" and "the" in sklearn_words and sklearn_words != gensim_words
    custom = tmp_path / "stop.txt"
    custom.write_text("# mine\nFoo\nbar\n", encoding="utf-8")
    assert Preprocessor(stopwords=str(custom)).tokens("foo bar baz") == ["baz"]


def test_nltk_stopwords_from_shared_data(monkeypatch: pytest.MonkeyPatch) -> None:
    nltk_data = shared_path("nltk_data")
    if not (nltk_data / "corpora" / "stopwords").exists() and not (nltk_data / "corpora" / "stopwords.zip").exists():
        pytest.skip(f"no NLTK stopwords under {nltk_data}")
    nltk = pytest.importorskip("nltk")
    monkeypatch.setattr(nltk.data, "path", [str(nltk_data)])
    words, used = load_stopwords("auto")
    assert used == "nltk" and "the" in words and len(words) > 100
    assert Preprocessor(stopwords="nltk").stopword_list == "nltk"


def test_nltk_brown_sentences_tokenise_like_the_corpus() -> None:
    nltk_data = shared_path("nltk_data", "corpora", "brown")
    # Brown files are word/TAG tokens; the words alone, cleaned, are what the pipeline gives for the raw text.
    first = sorted(p for p in nltk_data.iterdir() if p.is_file() and p.name.startswith("ca"))[0]
    lines = [ln.strip() for ln in first.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    raw = " ".join(tok.rsplit("/", 1)[0] for tok in lines[0].split())
    tokens = Preprocessor(stopwords="none", ascii_only=True, split_sentences=False).tokens(raw)
    assert tokens == re.sub(r"[^a-zA-Z ]", " ", raw.lower()).split()
    assert len(tokens) > 5


def test_bad_options() -> None:
    with pytest.raises(ParameterError, match=r"^stopwords:"):
        Preprocessor(stopwords="klingon")
    with pytest.raises(InputError, match="stop-word file not found"):
        Preprocessor(stopwords="missing/stop.txt")
    with pytest.raises(ParameterError, match=r"^min_len:"):
        Preprocessor(min_len=0)
    with pytest.raises(ParameterError, match=r"^max_len:"):
        Preprocessor(min_len=5, max_len=2)
