"""Pieces shared by the CLI's commands: choice types built from the library's own lists of values, groups of
options declared once for several commands, and the passing of a command's options on to the library under the
library's parameter names.

Example:
    >>> Mode = choices("Mode", ("dense", "bm25", "hybrid"))
    >>> Mode("bm25").value
    'bm25'
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar, get_args

import typer

F = TypeVar("F", bound=Callable[..., Any])


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


def option(name: str, annotation: Any, default: Any, *flags: str, help: str, **settings: Any) -> inspect.Parameter:
    """One Typer option as a signature parameter, for a group of options declared once (:func:`option_group`);
    ``settings`` go to ``typer.Option`` (``min=1``...).

    Example:
        >>> option("limit", int | None, None, "--limit", help="Read at most this many documents.").name
        'limit'
    """
    return inspect.Parameter(
        name,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=typer.Option(default, *flags, help=help, **settings),
        annotation=annotation,
    )


def option_group(into: str, options: Sequence[inspect.Parameter], build: Callable[..., Any]) -> Callable[[F], F]:
    """Declare options once for several commands: the command's parameter ``into`` stands for the whole group.

    In the signature Typer reads, ``into`` is replaced by ``options``, in its place (so the help lists them there,
    among the command's own options); the command receives ``build(**their values)`` as ``into``. Their values stay
    in ``ctx.params`` under their own names, so a command can still ask which of them were typed.

    Args:
        into: the command's parameter that receives the group (give it a placeholder default, e.g. ``None``).
        options: the group's parameters, from :func:`option`, in the order the help lists them.
        build: makes the one value the command receives from the options' values, by name.

    Example:
        >>> paging = option_group("page", [option("limit", int, 10, "--limit", help="Rows.")], dict)
        >>> @paging
        ... def show(page: dict | None = None) -> None: ...
        >>> list(inspect.signature(show).parameters)
        ['limit']
    """
    names = [p.name for p in options]

    def decorate(command: F) -> F:
        signature = inspect.signature(command)
        params = [q for p in signature.parameters.values() for q in (options if p.name == into else [p])]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[into] = build(**{name: kwargs.pop(name) for name in names})
            return command(*args, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
