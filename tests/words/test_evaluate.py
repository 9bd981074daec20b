from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InputError, ParameterError
from embedlab.words import evaluate_analogies, evaluate_vectors, evaluate_word_pairs
from embedlab.words.vectors import _from_arrays


def _assert_same_as_gensim(kv, questions: Path, **kwargs) -> None:
    ours = evaluate_analogies(kv, questions, **kwargs)
    score, sections = kv.evaluate_word_analogies(str(questions), **kwargs)
    mine_score, mine_sections = ours.to_gensim()
    assert mine_score == score
    assert [s["section"] for s in mine_sections] == [s["section"] for s in sections]
    for mine, theirs in zip(mine_sections, sections, strict=True):
        assert mine["correct"] == theirs["correct"], mine["section"]
        assert mine["incorrect"] == theirs["incorrect"], mine["section"]


@pytest.mark.slow
def test_analogies_equal_gensim_on_glove(glove, gensim_test_data: Path) -> None:
    # A small restrict_vocab keeps gensim's one-question-at-a-time side to seconds; the benchmark does 300k.
    _assert_same_as_gensim(glove, gensim_test_data / "questions-words.txt", restrict_vocab=8000)


def test_analogies_equal_gensim_on_trained_model(lee_model, gensim_test_data: Path) -> None:
    questions = gensim_test_data / "questions-words.txt"
    kv = lee_model.kv
    _assert_same_as_gensim(kv, questions)
    _assert_same_as_gensim(kv, questions, case_insensitive=False)
    _assert_same_as_gensim(kv, questions, dummy4unknown=True, restrict_vocab=1000)
    result = evaluate_analogies(kv, questions)
    assert result.sections[0].name == "capital-common-countries"
    total = result.total
    assert total.questions == 19544
    _, sections = kv.evaluate_word_analogies(str(questions))
    evaluated = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    assert total.oov == total.questions - evaluated


def test_exact_ties_are_decided_as_gensim(tmp_path: Path) -> None:
    # Duplicate vectors make exact ties, which gensim breaks by its own argsort: those go to gensim's code path.
    rng = np.random.default_rng(0)
    base = rng.normal(size=(40, 8)).astype(np.float32)
    vectors = np.concatenate([base, base[:20]])
    words = [f"w{i}" for i in range(60)]
    kv = _from_arrays(words, vectors)
    questions = tmp_path / "q.txt"
    lines = [": ties"] + [" ".join(rng.choice(words, 4, replace=False)) for _ in range(200)]
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _assert_same_as_gensim(kv, questions)
    assert evaluate_analogies(kv, questions).tie_fallbacks > 0


def test_word_pairs_equal_gensim(glove, lee_model, gensim_test_data: Path) -> None:
    for kv in (glove, lee_model.kv):
        for name in ("wordsim353.tsv", "simlex999.txt"):
            for kwargs in ({}, {"dummy4unknown": True}, {"case_insensitive": False, "restrict_vocab": 5000}):
                ours = evaluate_word_pairs(kv, gensim_test_data / name, **kwargs)
                pearson, spearman, oov = kv.evaluate_word_pairs(str(gensim_test_data / name), **kwargs)
                assert ours.spearman == spearman[0] and ours.spearman_p == spearman[1]
                assert ours.pearson == pearson[0]
                assert ours.oov_rate * 100 == pytest.approx(oov, rel=1e-12)


def test_default_files_and_report(glove) -> None:
    report = evaluate_vectors(glove, restrict_vocab=3000)
    data = report.to_dict()
    assert data["vocab_size"] == 400000
    assert [Path(p["file"]).name for p in data["word_pairs"]] == ["wordsim353.tsv", "simlex999.txt"]
    assert 0 < data["analogies"][0]["accuracy"] < 1
    assert len(data["analogies"][0]["sections"]) == 14


def test_malformed_analogy_file(tmp_path: Path, lee_model) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(": s\na b c d\na b c\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.txt:3: expected 4 words, found 3"):
        evaluate_analogies(lee_model.kv, bad)
    headless = tmp_path / "headless.txt"
    headless.write_text("a b c d\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"headless\.txt:1: question before the first"):
        evaluate_analogies(lee_model.kv, headless)
    # lenient: skipped like gensim does, same numbers
    ours = evaluate_analogies(lee_model.kv, bad, strict=False)
    assert ours.total.questions == 1
    with pytest.raises(InputError, match="not found"):
        evaluate_analogies(lee_model.kv, tmp_path / "nope.txt")
    with pytest.raises(ParameterError, match=r"^restrict_vocab:"):
        evaluate_analogies(lee_model.kv, bad, restrict_vocab=0)


def test_malformed_pairs_file(tmp_path: Path, glove) -> None:
    bad = tmp_path / "pairs.tsv"
    bad.write_text("# comment\ncat\tdog\t7.5\ncat\tdog\thigh\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pairs\.tsv:3: score 'high'"):
        evaluate_word_pairs(glove, bad)
    short = tmp_path / "short.tsv"
    short.write_text("cat dog 7.5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"short\.tsv:1: expected 3 fields"):
        evaluate_word_pairs(glove, short)
    oov = tmp_path / "oov.tsv"
    oov.write_text("qqzzx\tzzqqy\t1.0\n", encoding="utf-8")
    with pytest.raises(InputError, match="no pair has both words"):
        evaluate_word_pairs(glove, oov)
