from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.utils.atomic import OutputPathError, atomic_dir, atomic_open, atomic_write_json


def test_atomic_open_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
    with atomic_open(target) as fh:
        fh.write("new")
    assert target.read_text() == "new"


def test_atomic_dir_swaps_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with atomic_dir(target, kind="test") as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(KeyboardInterrupt), atomic_dir(target, kind="test") as tmp:
        (tmp / "b").write_text("2")
        raise KeyboardInterrupt
    assert sorted(p.name for p in target.iterdir()) == [".embedlab-output.json", "a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_atomic_write_json(tmp_path: Path) -> None:
    p = atomic_write_json(tmp_path / "x" / "r.json", {"a": 1})
    assert p.read_text().strip().startswith("{")


def test_outputs_get_ordinary_permissions(tmp_path: Path) -> None:
    import os

    mask = os.umask(0o022)
    try:
        with atomic_open(tmp_path / "f.txt") as fh:
            fh.write("x")
        with atomic_dir(tmp_path / "d", kind="test") as tmp:
            (tmp / "a").write_text("1")
    finally:
        os.umask(mask)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755


def test_atomic_dir_never_replaces_what_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "p"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(OutputPathError, match="not an embedlab test output"), atomic_dir(mine, kind="test"):
        pass
    assert (mine / "notes.txt").read_text() == "keep"
    a_file = tmp_path / "f"
    a_file.write_text("keep")
    with pytest.raises(OutputPathError, match="is a file"), atomic_dir(a_file, kind="test"):
        pass
    assert a_file.read_text() == "keep"
    other = tmp_path / "other"
    with atomic_dir(other, kind="index"):
        pass
    with pytest.raises(OutputPathError, match="not an embedlab test output"), atomic_dir(other, kind="test"):
        pass


def test_atomic_dir_refuses_a_folder_holding_an_input(tmp_path: Path) -> None:
    data = tmp_path / "mydata"
    data.mkdir()
    (data / "corpus.txt").write_text("text")
    with (
        pytest.raises(OutputPathError, match="holds the input"),
        atomic_dir(data, kind="test", inputs=[data / "corpus.txt"]),
    ):
        pass
    assert (data / "corpus.txt").read_text() == "text"


def test_leftovers_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale = tmp_path / f".out.{pid}.abc123.tmp"
    stale.mkdir()
    (stale / "half").write_text("x")
    with atomic_dir(tmp_path / "out", kind="test") as tmp:
        (tmp / "a").write_text("1")
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
