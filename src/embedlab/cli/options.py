"""Pieces shared by the CLI's commands: choice types built from the library's own lists of values, and the
passing of a command's options on to the library under the library's parameter names.

Example:
    >>> Mode = choices("Mode", ("dense", "bm25", "hybrid"))
    >>> Mode("bm25").value
    'bm25'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def option_values(
    params: Mapping[str, Any], *, skip: Iterable[str] = (), renamed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A command's option values as keyword arguments of the library function or dataclass it calls.

    Commands name their parameters as the library does, so the values pass on by name instead of one ``name=name``
    line each; choices become their plain string values.

    Args:
        params: the command's values by Python parameter name (``ctx.params``).
        skip: parameters the command uses itself (not passed on).
        renamed: parameter -> the library's name, where they differ (``{"lr": "learning_rate"}``).

    Example:
        >>> option_values({"lr": 0.1, "quiet": True}, skip=["quiet"], renamed={"lr": "learning_rate"})
        {'learning_rate': 0.1}
    """
    renamed = renamed or {}
    left_out = set(skip)
    return {
        renamed.get(name, name): str(value.value) if isinstance(value, Enum) else value
        for name, value in params.items()
        if name not in left_out
    }
