"""``embedlab words ...`` end to end, in-process, with the exit codes and one-line errors users see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_words_help(cli) -> None:
    code, out, _ = cli("words", "--help")
    assert code == 0
    for command in ("train", "preprocess", "similar", "analogy", "vector", "eval", "plot"):
        assert command in out


def test_train_then_query_eval_plot(cli, tmp_path: Path, lee_corpus: Path) -> None:
    out = tmp_path / "w2v"
    code, stdout, err = cli(
        "words", "train", lee_corpus, "-o", out, "--dim", "16", "--epochs", "2", "--min-count", "3",
        "--workers", "1", "--stopwords", "gensim", "--json", "--quiet",
    )  # fmt: skip
    assert code == 0, err
    run = json.loads(stdout)
    assert run["vocab_size"] > 1000 and (out / "vectors.npy").exists()

    code, stdout, _ = cli("words", "similar", out, "police", "--topn", "3", "--json")
    assert code == 0 and len(json.loads(stdout)["neighbors"]) == 3
    code, stdout, _ = cli("words", "similar", out, "police")
    assert code == 0 and "police" in stdout

    code, stdout, _ = cli("words", "vector", out, "police", "--json")
    assert code == 0 and json.loads(stdout)["dim"] == 16
    code, stdout, _ = cli("words", "vector", out, "police")
    assert code == 0 and len(stdout.split()) == 16

    code, stdout, _ = cli("words", "eval", out, "--json", "--restrict-vocab", "5000")
    assert code == 0
    report = json.loads(stdout)
    assert report["analogies"][0]["questions"] == 19544
    code, stdout, err = cli("words", "eval", out, "-o", tmp_path / "eval.json")
    assert code == 0 and "capital-common-countries" in stdout and "wordsim353" in stdout
    # stderr is not a terminal here, as in a log: progress comes as plain lines, the last one at 100%.
    assert "analogies questions-words.txt: " in err and "(100%)" in err and "\r" not in err
    assert json.loads((tmp_path / "eval.json").read_text())["vocab_size"] == run["vocab_size"]

    code, stdout, err = cli(
        "words", "plot", out, "police", "--neighbors", "10", "--method", "pca", "-o", tmp_path / "p.html"
    )
    assert code == 0, err
    assert (tmp_path / "p.html").exists()


def test_analogy_both_syntaxes(cli) -> None:
    code, stdout, _ = cli("words", "analogy", "glove-6B-50d", "--positive", "king", "woman", "--negative", "man",
                          "--json")  # fmt: skip
    assert code == 0
    data = json.loads(stdout)
    assert data["answers"][0]["word"] == "queen"
    assert data["positive"] == ["king", "woman"] and data["negative"] == ["man"]
    code, stdout, _ = cli("words", "analogy", "glove-6B-50d", "king", "-", "man", "+", "woman", "-k", "1")
    assert code == 0 and "queen" in stdout


def test_preprocess_command(cli, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"t": "Hello Wörld. The cat sat!"}\n', encoding="utf-8")
    out = tmp_path / "tokens.txt"
    code, _, err = cli("words", "preprocess", src, "--text-field", "t", "--stopwords", "gensim", "-o", out)
    assert code == 0, err
    assert out.read_text(encoding="utf-8").splitlines() == ["hello wörld", "cat sat"]
    code, stdout, _ = cli("words", "preprocess", src, "--text-field", "t", "--stopwords", "none", "--ascii-only")
    assert stdout.splitlines() == ["hello w rld", "the cat sat"]
    before = src.read_bytes()
    code, _, err = cli("words", "preprocess", src, "--text-field", "t", "-o", src)
    assert code == 2 and "is one of the corpus files" in err and src.read_bytes() == before


def test_bad_inputs_exit_2_with_one_line(cli, tmp_path: Path, lee_corpus: Path) -> None:
    bad_jsonl = tmp_path / "bad.jsonl"
    bad_jsonl.write_text('{"t": "ok"}\nnot json\n', encoding="utf-8")
    bad_questions = tmp_path / "q.txt"
    bad_questions.write_text(": s\nking queen\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    cases = [
        (("words", "train", tmp_path / "missing.txt", "-o", tmp_path / "o"), "corpus file not found"),
        (("words", "train", lee_corpus, "-o", tmp_path / "o", "--algorithm", "glove"), "--algorithm"),
        (("words", "train", lee_corpus, "-o", tmp_path / "o", "--dim", "0"), "option --dim"),
        (("words", "train", empty, "-o", tmp_path / "o", "-q"), "empty corpus"),
        (
            ("words", "train", bad_jsonl, "-o", tmp_path / "o", "--text-field", "t", "-q"),
            "bad.jsonl:2: not valid JSON",
        ),
        (("words", "train", bad_jsonl, "-o", tmp_path / "o"), "option --text-field"),
        (("words", "similar", "glove-6B-50d", "froggg"), "closest known spellings"),
        (("words", "similar", "glove-6B-50d", "frog", "--topn", "0"), "option --topn"),
        (("words", "eval", "glove-6B-50d", "--analogies", bad_questions), "q.txt:2: expected 4 words"),
        (("words", "eval", "glove-6B-50d", "--pairs", tmp_path / "nope.tsv"), "not found"),
        (("words", "plot", "glove-6B-50d", "frog", "--method", "mds", "-o", tmp_path / "x.html"), "option --method"),
        (("words", "analogy", "glove-6B-50d", "--positve", "king"), "--positve"),
        (("words", "analogy", "glove-6B-50d", "king", "-", "-", "+"), "expected a word after '-'"),
        (("words", "analogy", "glove-6B-50d", "king", "-"), "expected a word after the last '-'"),
        (("words", "vector", "nowhere-model", "cat"), "available offline"),
    ]
    for args, message in cases:
        code, _, err = cli(*args)
        assert code == 2, (args, err)
        assert message in err, (args, err)
        assert "Traceback" not in err
        assert err.strip().startswith("error:") and len(err.strip().splitlines()) <= 2, err
    assert not (tmp_path / "o").exists()


def test_subprocess_error_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "embedlab", "words", "train", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_output_folder_refusals_come_before_any_work(cli, tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "mydata"
    data.mkdir()
    (data / "corpus.txt").write_text("the cat sat on the mat\n" * 20, encoding="utf-8")
    (data / "notes.txt").write_text("keep", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for out, message in (("mydata", "holds the input"), (".", "current folder")):
        code, _, err = cli("words", "train", "mydata/corpus.txt", "-o", out, "--min-count", "1", "--workers", "1")
        assert code == 2 and message in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, err = cli("words", "train", "mydata/corpus.txt", "-o", "file")
    assert code == 2 and "is a file" in err
    assert sorted(p.name for p in data.iterdir()) == ["corpus.txt", "notes.txt"]
    assert (tmp_path / "file").read_text(encoding="utf-8") == "x"


def test_recipe_repeats_a_run(cli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog\n" * 50, encoding="utf-8")
    first, again = tmp_path / "first", tmp_path / "again"
    args = ("--min-count", "1", "--workers", "1", "--dim", "8", "--epochs", "2", "--stopwords", "none", "-q")
    code, _, err = cli("words", "train", corpus, "-o", first, *args)
    assert code == 0, err
    code, _, err = cli("words", "train", "--recipe", first / "recipe.toml", "-o", again, "-q")
    assert code == 0, err
    assert (first / "vectors.npy").read_bytes() == (again / "vectors.npy").read_bytes()  # same seed, one worker
    code, _, err = cli("words", "train", "--recipe", first / "recipe.toml", "-o", tmp_path / "wider", "--dim", "12")
    assert code == 0, err
    assert json.loads((tmp_path / "wider" / "vectors.json").read_text())["dim"] == 12
