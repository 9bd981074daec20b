"""Warn when a model is evaluated on the data it was trained on.

A training run writes its effective recipe as ``recipe.toml`` beside the model; its ``train`` key names the training
file (and ``eval`` the held-out file, when one was given). Scores on the training file flatter a model, so
``embedlab eval`` says so when a task reads that file (the same path, or a file with the same content).

Example:
    >>> training_file_warnings("runs/minilm-aims", [TaskSpec.parse("retrieval:aims_qa/train_dataset.json")])
    ['runs/minilm-aims was trained on aims_qa/train_dataset.json: scores on it are not held-out scores']
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def trained_on(model_dir: str | Path) -> list[Path]:
    """The training files named by the run's ``recipe.toml`` in ``model_dir`` (empty when there is none)."""
    recipe = Path(model_dir) / "recipe.toml"
    if not recipe.is_file():
        return []
    import tomllib

    try:
        data = tomllib.loads(recipe.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return []
    train = data.get("train")
    if not isinstance(train, str) or train.startswith("hf:"):
        return []
    path = Path(train).expanduser()
    # A relative path was relative to where training ran: try the working folder and the run's parent.
    candidates = [path] if path.is_absolute() else [path, Path(model_dir).parent / path]
    return [p for p in candidates if p.exists()][:1]


def _digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def same_data(a: Path, b: Path) -> bool:
    """Whether two paths are the same file or folder, or two files with the same content."""
    try:
        if a.resolve() == b.resolve():
            return True
    except OSError:
        return False
    return a.is_file() and b.is_file() and a.stat().st_size == b.stat().st_size and _digest(a) == _digest(b)


def training_file_warnings(model: str, specs: Sequence[Any]) -> list[str]:
    """One warning per task whose data is the file the model was trained on.

    Args:
        model: the model argument (resolved to its folder).
        specs: the tasks (:class:`~embedlab.evaluate.runner.TaskSpec`, with ``path`` and ``name``).
    """
    from embedlab.errors import EmbedlabError
    from embedlab.models.resolve import resolve_model

    try:
        folder = Path(resolve_model(model).path)
    except EmbedlabError:
        return []
    train_files = trained_on(folder) if folder.is_dir() else []
    out = []
    for spec in specs:
        if not spec.path:
            continue
        for train in train_files:
            if same_data(Path(spec.path), train):
                out.append(
                    f"{model} was trained on {spec.path} (recipe.toml: train = {str(train)!r}): "
                    f"the scores of task {spec.name} are not held-out scores"
                )
    return out
