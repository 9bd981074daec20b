from __future__ import annotations

import subprocess
import sys


def test_help_lists_command_groups(cli) -> None:
    code, out, _ = cli("--help")
    assert code == 0
    for group in ("models", "demo", "words"):
        assert group in out


def test_version(cli) -> None:
    code, out, _ = cli("--version")
    assert code == 0 and "embedlab" in out


def test_bad_model_name_is_one_line_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "embedlab", "models", "resolve", "nobody/nothing"],
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:")
    assert "available offline" in proc.stderr


def test_debug_shows_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "embedlab", "--debug", "models", "resolve", "nobody/nothing"],
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr


def test_bad_demo_part(cli) -> None:
    code, _, err = cli("demo", "--part", "nope")
    assert code == 2 and "--part" in err


def _commands(group, path=()):
    """Every command path of the CLI (click's command tree behind Typer)."""
    for name, command in sorted(getattr(group, "commands", {}).items()):
        yield (*path, name)
        yield from _commands(command, (*path, name))


def test_usage_errors_are_one_line(cli) -> None:
    cases = [
        (("words", "train", "c.txt", "-o", "o", "--algorithm", "glove"), "option --algorithm: 'glove' is not one of"),
        (("words", "train", "c.txt"), "Missing option '-o' / '--output'"),
        (("words", "train", "c.txt", "-o", "o", "--dim", "abc"), "option --dim:"),
        (("words", "similar"), "Missing argument"),
        (("nosuch",), "No such command 'nosuch'"),
        (("words", "similar", "glove-6B-50d", "king", "--bogus"), "No such option: --bogus"),
        (("words", "analogy", "glove-6B-50d", "king", "-", "-", "+"), "argument WORDS: expected a word after '-'"),
    ]
    for args, message in cases:
        code, out, err = cli(*args)
        assert code == 2, (args, err)
        assert message in err, (args, err)
        assert err.startswith("error:") and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err and out == ""


def test_help_reads_at_80_columns(cli, monkeypatch) -> None:
    """Every command's help fits 80 columns and shows no type after plain flags (click never cuts a choice list)."""
    from typer.main import get_command

    from embedlab.cli.main import app

    monkeypatch.setenv("COLUMNS", "80")
    problems = []
    for path in _commands(get_command(app)):
        code, out, err = cli(*path, "--help")
        assert code == 0, (path, err)
        wide = [line for line in out.splitlines() if len(line) > 80]
        if wide or "<bool>" in out:
            problems.append((" ".join(path), wide[:1], "<bool>" in out))
    assert not problems, problems


def test_words_help_lists_every_choice(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = cli("words", "train", "--help")
    assert "<skipgram|cbow|fasttext|fasttext-cbow>" in out and "<both|text|binary|none>" in out
    _, out, _ = cli("words", "plot", "--help")
    assert "--method <tsne|pca|umap>" in out and " -m," not in out  # -m means --model elsewhere
    _, out, _ = cli("words", "similar", "--help")
    assert "-k, --top-k, --topn" in out  # -k is the number of results, as in search


def test_models_resolve_warns_about_pickled_weights(cli, tmp_path, minilm_path) -> None:
    import shutil

    folder = tmp_path / "old-model"
    shutil.copytree(minilm_path, folder)
    code, out, _ = cli("models", "resolve", folder)
    assert code == 0 and "pickle" not in out
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")  # the name is what the check reads
    code, out, _ = cli("models", "resolve", folder)
    assert code == 0 and "pytorch_model.bin" in out and "--trust-pickle" in out
