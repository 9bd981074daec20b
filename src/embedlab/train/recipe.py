"""Training recipes: every choice of a training run in one dataclass, read from TOML and overridden by flags.

A recipe names the base model, the data, the loss and the hyper-parameters. ``embedlab train recipe.toml --epochs 2``
reads the file, applies the flags on top, fills the remaining blanks with sane defaults (see
:mod:`embedlab.train.defaults`) and saves the *effective* recipe as ``recipe.toml`` beside the trained model, so any
run can be repeated exactly with ``embedlab train OUTPUT/recipe.toml``.

Example recipe::

    model = "all-MiniLM-L6-v2"
    train = "../shared/data/aims_qa/train_dataset.json"
    eval_split = 0.2
    epochs = 1
    loss = "auto"          # chosen from the data's shape

    [dual]                 # only read when architecture = "dual"
    temperature = 0.05
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from embedlab.errors import InputError, ParameterError

Architecture = Literal["shared", "dual"]
LossName = Literal["auto", "mnrl", "cached-mnrl", "gist", "cosent", "cosine", "softmax", "tsdae", "dual"]
DataFormat = Literal["auto", "ir", "stsb", "sick", "nli", "pairs", "scored", "text", "table"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
Pooling = Literal["mean", "cls", "max"]
SplitBy = Literal["doc", "query", "row"]


@dataclass
class Recipe:
    """Everything that decides a training run.

    ``None`` means "use the default for this loss and model" (see :func:`embedlab.train.defaults.fill_defaults`),
    so a recipe only needs to say what differs from the defaults.

    Attributes:
        model: base model argument (alias, folder, hub id) resolved by :func:`embedlab.models.resolve_model`.
        train: training data file or folder (JSONL, CSV/TSV, Parquet, JSON, IR JSON, STSB/SICK TSV, SNLI folder,
            saved HF dataset folder, or ``hf:NAME`` for a hub data set when online).
        eval: held-out evaluation data in the same kinds of format; when absent, ``eval_split`` of ``train`` is used.
        data_split: split to read from SNLI/BEIR folders (``train``, ``dev``, ``test``) for ``train`` and ``eval``.
        eval_split: share of the training data held out for evaluation when ``eval`` is not given (0 disables).
        split_by: how the held-out share is carved: by ``doc`` (no passage in both splits), ``query`` or ``row``.
        output: output folder (model, recipe.toml, metrics.json, curves.csv, README.md, runs/).
        format: data format; ``auto`` guesses from the file.
        columns: map file columns to roles, e.g. ``{"question": "anchor", "answer": "positive"}``.
        loss: ``auto`` picks from the data's shape; others force a loss.
        nli_as_triplets: NLI data as (premise, entailment, contradiction) triplets with MNRL instead of SoftmaxLoss.
        guide_model: guide model for GISTEmbed (defaults to the base model).
        matryoshka_dims: wrap the loss in MatryoshkaLoss with these dimensions (empty: no wrapping).
        mini_batch_size: mini-batch of the cached (GradCache) MNRL.
        pooling: pooling added to plain transformer folders (TSDAE always uses ``cls``).
        architecture: ``shared`` (one encoder) or ``dual`` (separate query and document towers).
        dual: keys of :class:`embedlab.dual.DualConfig` for ``architecture = "dual"``.
        epochs: passes over the data; None: 1, or by data size when training on chunk pairs
            (:func:`embedlab.train.plan.epochs_by_size`).
        batch_size, learning_rate, warmup_ratio, weight_decay, seed, max_seq_length: the usual.
        max_steps: stop after this many optimizer steps (0: run all epochs).
        eval_steps: evaluate every N steps (0: once per epoch).
        save_steps: checkpoint every N steps (0: same as ``eval_steps``).
        metric: metric that picks the best checkpoint (``auto``: NDCG@10, Spearman or accuracy by data shape).
        keep_best: ship the best checkpoint (never worse than the base model) rather than the last one.
        group_by_length: batch texts of similar length together (less padding, faster).
        chunk_eval: score long passages by their best chunk at evaluation time instead of truncating them.
        chunk_pairs: when IR passages exceed the model's sequence length, train on (query, chunk) pairs cut by the
            index's chunker (see :func:`embedlab.train.plan.chunk_pairs_choice`); False trains on whole passages.
        precision: ``auto`` is fp32 on CPU and bf16/fp16 on a GPU that supports it.
        save_total_limit: checkpoints kept on disk (the best one is always kept).
    """

    model: str = "all-MiniLM-L6-v2"
    train: str | None = None
    eval: str | None = None
    data_split: str | None = None
    eval_split: float = 0.1
    split_by: SplitBy = "doc"
    output: str = "embedlab-model"
    format: DataFormat = "auto"
    columns: dict[str, str] = field(default_factory=dict)
    loss: LossName = "auto"
    nli_as_triplets: bool = False
    guide_model: str | None = None
    matryoshka_dims: list[int] = field(default_factory=list)
    mini_batch_size: int = 32
    pooling: Pooling = "mean"
    architecture: Architecture = "shared"
    dual: dict[str, Any] = field(default_factory=dict)
    epochs: float | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    warmup_ratio: float | None = None
    weight_decay: float = 0.01
    seed: int = 42
    max_seq_length: int | None = None
    max_steps: int = 0
    eval_steps: int = 0
    save_steps: int = 0
    metric: str = "auto"
    keep_best: bool = True
    group_by_length: bool = True
    chunk_eval: bool = False
    chunk_pairs: bool = True
    precision: Precision = "auto"
    save_total_limit: int = 2

    def validate(self) -> Recipe:
        """Check types, value ranges and ``Literal`` choices; raise :class:`ParameterError` naming the field."""
        check_types(self)
        choices = {
            "architecture": Architecture,
            "loss": LossName,
            "format": DataFormat,
            "precision": Precision,
            "pooling": Pooling,
            "split_by": SplitBy,
        }
        for name, lit in choices.items():
            value = getattr(self, name)
            if value not in get_args(lit):
                raise ParameterError(name, f"{value!r} is not one of {', '.join(get_args(lit))}")
        if not 0 <= self.eval_split < 1:
            raise ParameterError("eval_split", f"must be in [0, 1), got {self.eval_split}")
        if self.epochs is not None and (self.epochs <= 0 or not math.isfinite(self.epochs)):
            raise ParameterError("epochs", f"must be positive, got {self.epochs}")
        for name in ("batch_size", "max_seq_length", "mini_batch_size"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ParameterError(name, f"must be at least 1, got {value}")
        if self.learning_rate is not None and not 0 < self.learning_rate < 1:
            raise ParameterError("learning_rate", f"must be in (0, 1), got {self.learning_rate}")
        if self.warmup_ratio is not None and not 0 <= self.warmup_ratio < 1:
            raise ParameterError("warmup_ratio", f"must be in [0, 1), got {self.warmup_ratio}")
        if not 0 <= self.weight_decay < 1:
            raise ParameterError("weight_decay", f"must be in [0, 1), got {self.weight_decay}")
        for name in ("eval_steps", "save_steps", "max_steps"):
            if getattr(self, name) < 0:
                raise ParameterError(name, "must not be negative")
        if self.save_total_limit < 1:
            raise ParameterError("save_total_limit", f"must be at least 1, got {self.save_total_limit}")
        if any(d < 1 for d in self.matryoshka_dims):
            raise ParameterError("matryoshka_dims", f"dimensions must be positive, got {self.matryoshka_dims}")
        if self.train is None:
            raise ParameterError("train", "no training data given (a recipe's `train` key or --train FILE)")
        return self

    def override(self, **flags: Any) -> Recipe:
        """A copy with the given fields replaced; ``None`` values (flags not given) leave the field as it is."""
        return override(self, **flags)

    def to_dict(self) -> dict[str, Any]:
        """The recipe as a plain dict (what :func:`save_recipe` writes)."""
        return dataclasses.asdict(self)


def _type_ok(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits a field's annotation (the annotations of recipe dataclasses are simple)."""
    text = str(hint)
    if value is None:
        return "None" in text
    if text.startswith("str") or text[:1].isupper():  # str, or a Literal alias such as SplitBy
        return isinstance(value, str)
    if text.startswith("bool"):
        return isinstance(value, bool)
    if text.startswith("int"):
        return isinstance(value, int) and not isinstance(value, bool)
    if text.startswith("float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if text.startswith("list"):
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if text.startswith("dict"):
        return isinstance(value, dict)
    return True


def _expected(hint: Any) -> str:
    text = str(hint).replace(" | None", "")
    names = {"float": "a number", "int": "an integer", "bool": "true or false", "str": "a string"}
    return names.get(text, "a string" if text[:1].isupper() else "a " + text.split("[")[0])


def type_error(obj: Any, name: str) -> str | None:
    """What is wrong with the type of field ``name`` of a recipe dataclass, or None when it fits."""
    hint = {f.name: f.type for f in dataclasses.fields(obj)}[name]
    value = getattr(obj, name)
    if _type_ok(value, hint):
        return None
    return f"expected {_expected(hint)}, got {value!r}"


def check_types(obj: Any) -> None:
    """Raise :class:`ParameterError` for the first field of a recipe dataclass whose value has the wrong type."""
    for f in dataclasses.fields(obj):
        problem = type_error(obj, f.name)
        if problem:
            raise ParameterError(f.name, problem)


def override(obj: Any, **flags: Any) -> Any:
    """A copy of a recipe dataclass with the given fields replaced; ``None`` values leave the field as it is."""
    known = {f.name for f in dataclasses.fields(obj)}
    updates = {}
    for key, value in flags.items():
        if key not in known:
            raise ParameterError(key, "unknown recipe key")
        if value is not None:
            updates[key] = value
    return dataclasses.replace(obj, **updates)


def read_recipe_file(path: str | Path, cls: type[Any], *, data_keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """Read a TOML recipe for dataclass ``cls``: unknown keys and values of the wrong type are errors naming the file,
    the line and the key; relative paths in ``data_keys`` are made relative to the recipe file.

    Raises:
        InputError: a missing file, invalid TOML, an unknown key, or a value of the wrong type.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("recipe file not found", path=p)
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        text = p.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", path=p) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", path=p) from exc
    known = {f.name: f for f in dataclasses.fields(cls)}
    blank = cls()

    def line_of(key: str) -> int | None:
        return next((i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith(key)), None)

    for key, value in data.items():
        if key not in known:
            raise InputError(f"unknown recipe key {key!r} (known: {', '.join(known)})", path=p, line=line_of(key))
        if not _type_ok(value, known[key].type):
            problem = type_error(dataclasses.replace(blank, **{key: value}), key)
            raise InputError(f"recipe key {key!r}: {problem}", path=p, line=line_of(key))
    for key in data_keys:
        value = data.get(key)
        if isinstance(value, str) and not value.startswith("hf:") and not Path(value).is_absolute():
            candidate = (p.parent / value).resolve()
            if candidate.exists() or not Path(value).exists():
                data[key] = str(candidate)
    return data


def load_recipe(path: str | Path | None = None, **overrides: Any) -> Recipe:
    """Read a TOML recipe (or start from the defaults) and apply ``overrides`` on top.

    Args:
        path: a TOML file; None starts from the defaults.
        **overrides: recipe fields given as flags; ``None`` values are ignored.

    Raises:
        InputError: the file is not valid TOML, has an unknown key or a value of the wrong type (named with its line).

    Example:
        >>> r = load_recipe(None, train="pairs.jsonl", epochs=2)
        >>> r.epochs
        2
    """
    recipe = Recipe()
    if path is not None:
        # Relative data paths in a recipe are relative to the recipe file, so recipes travel with their data.
        recipe = dataclasses.replace(recipe, **read_recipe_file(path, Recipe, data_keys=("train", "eval")))
    return recipe.override(**overrides)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    import re

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def recipe_toml(
    recipe: Any, header: str = "# Effective embedlab training recipe: re-run with `embedlab train recipe.toml`."
) -> str:
    """A recipe dataclass as TOML text: scalars, then its tables (``[columns]``, ``[dual]``); None keys omitted."""
    # Written by hand: tomllib only reads, and the recipe's flat shape does not need a dependency to write it.
    data = dataclasses.asdict(recipe)
    lines = [header]
    tables = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables[key] = value
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    for name, table in tables.items():
        lines.append("")
        lines.append(f"[{name}]")
        for key, value in table.items():
            if value is not None:
                lines.append(f"{_toml_key(str(key))} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def save_recipe(recipe: Any, path: str | Path) -> Path:
    """Write the effective recipe to ``path`` atomically."""
    from embedlab.utils.atomic import atomic_write_text

    return atomic_write_text(path, recipe_toml(recipe))
