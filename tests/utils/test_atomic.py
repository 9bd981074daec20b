from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.utils.atomic import atomic_dir, atomic_open, atomic_write_json


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
    with atomic_dir(target) as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(KeyboardInterrupt), atomic_dir(target) as tmp:
        (tmp / "b").write_text("2")
        raise KeyboardInterrupt
    assert [p.name for p in target.iterdir()] == ["a"]
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
        with atomic_dir(tmp_path / "d") as tmp:
            (tmp / "a").write_text("1")
    finally:
        os.umask(mask)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755
