"""A word-vector recipe: the corpus, the preprocessing and the training options of one run, as TOML.

Every ``embedlab words train`` run saves its *effective* recipe as ``recipe.toml`` in the output folder, as
``embedlab train`` does for sentence models, so a run can be repeated exactly with
``embedlab words train --recipe OUT/recipe.toml -o OUT2``.

Example:
    >>> recipe = WordsRecipe(corpus=["lee_background.cor"], train=TrainOptions(dim=50))
    >>> WordsRecipe.from_toml(recipe.to_toml()).train.dim
    50
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from embedlab.errors import InputError, ParameterError
from embedlab.words.options import TrainOptions
from embedlab.words.preprocess import Preprocessor

KIND = "word-vectors"
_CORPUS_KEYS = ("sources", "format", "text_field", "limit")


@dataclass
class WordsRecipe:
    """Everything a word-vector run depends on.

    Attributes:
        corpus: the corpus sources (files, folders, globs).
        corpus_format: ``auto``, ``text``, ``jsonl`` or ``wiki``.
        text_field: the text field of JSONL sources.
        limit: read at most this many documents.
        preprocess: :class:`Preprocessor` settings (its field names).
        train: the training options.
    """

    corpus: list[str]
    corpus_format: str = "auto"
    text_field: str | None = None
    limit: int | None = None
    preprocess: dict[str, Any] = field(default_factory=dict)
    train: TrainOptions = field(default_factory=TrainOptions)

    def preprocessor(self) -> Preprocessor:
        """The :class:`Preprocessor` this recipe describes."""
        return Preprocessor(**self.preprocess)

    def to_toml(self) -> str:
        """The recipe as TOML (None values are left out, as TOML has no null)."""
        corpus = {"sources": list(self.corpus), "format": self.corpus_format}
        corpus |= {"text_field": self.text_field, "limit": self.limit}
        train = asdict(self.train)
        train["algorithm"] = str(self.train.algorithm)
        train["export"] = [str(e) for e in self.train.export]
        lines = [
            "# Effective embedlab word-vector recipe: repeat with `embedlab words train --recipe recipe.toml -o OUT`."
        ]
        lines.append(f"kind = {_value(KIND)}")
        for section, values in (("corpus", corpus), ("preprocess", self.preprocess), ("train", train)):
            lines += ["", f"[{section}]"]
            lines += [f"{key} = {_value(v)}" for key, v in values.items() if v is not None]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str, *, path: str | os.PathLike[str] | None = None) -> WordsRecipe:
        """Read a recipe; unknown keys and wrong types are errors naming ``section.key``."""
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"not valid TOML ({exc})", path=path) from exc
        if data.get("kind", KIND) != KIND:
            raise InputError(f"a {data.get('kind')!r} recipe, not a word-vector recipe", path=path)
        unknown = set(data) - {"kind", "corpus", "preprocess", "train"}
        if unknown:
            raise ParameterError(sorted(unknown)[0], "unknown recipe section")
        corpus = _section(data, "corpus", _CORPUS_KEYS)
        preprocess = _section(data, "preprocess", tuple(f.name for f in fields(Preprocessor) if f.init))
        train = _section(data, "train", tuple(f.name for f in fields(TrainOptions)))
        if "export" in train and isinstance(train["export"], list):
            train["export"] = tuple(train["export"])
        sources = corpus.get("sources", [])
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
            raise ParameterError("corpus.sources", "must be a non-empty list of paths")
        options = TrainOptions(**train)
        options.validate()
        return cls(
            corpus=sources,
            corpus_format=str(corpus.get("format", "auto")),
            text_field=corpus.get("text_field"),
            limit=corpus.get("limit"),
            preprocess=preprocess,
            train=options,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> WordsRecipe:
        """Read a recipe file (relative corpus paths are taken as they are, from the current folder)."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text at byte {exc.start}", path=p) from exc
        return cls.from_toml(text, path=p)


def _section(data: dict[str, Any], name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ParameterError(name, "must be a table")
    unknown = sorted(set(section) - set(keys))
    if unknown:
        raise ParameterError(f"{name}.{unknown[0]}", f"unknown key (known: {', '.join(keys)})")
    return dict(section)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))
        )
    if isinstance(value, (int,)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string has JSON's escapes
