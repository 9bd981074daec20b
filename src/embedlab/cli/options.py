"""Pieces shared by the CLI's commands: choice types built from the library's own lists of values.

Example:
    >>> Mode = choices("Mode", ("dense", "bm25", "hybrid"))
    >>> Mode("bm25").value
    'bm25'
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, get_args


def choices(name: str, values: Any) -> type[Enum]:
    """A str Enum of the allowed values, so Typer validates the choice and lists it in the help.

    Args:
        name: the Enum's name (shown nowhere to users).
        values: a ``Literal[...]`` type or an iterable of strings: the library's one list of the values.

    Example:
        >>> choices("Kind", Literal["hard", "semi-hard"]).semi_hard.value  # doctest: +SKIP
        'semi-hard'
    """
    allowed: Iterable[str] = get_args(values) or values
    return Enum(name, {v.replace("-", "_"): v for v in allowed}, type=str)  # type: ignore[return-value]
