"""User-facing errors.

Anything a user can cause (a missing file, a malformed row, an unknown word, a bad option) is raised as an
:class:`EmbedlabError`. The CLI prints its message as one line and exits non-zero; ``--debug`` shows the traceback.
Library code raises the subclass that fits, and names the file, the line or row, and the option where it can.
"""

from __future__ import annotations

from pathlib import Path


class EmbedlabError(Exception):
    """An error caused by the user's input, reported as one clear line.

    Args:
        message: what is wrong, naming the file/line/option.
        exit_code: the process exit code the CLI uses (2 for bad input, as click does for bad options).
    """

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(EmbedlabError):
    """Bad input data: a missing or unreadable file, a malformed line, a missing column."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        super().__init__(where + message)
        self.path = path
        self.line = line


class ParameterError(EmbedlabError):
    """A bad value for a parameter, or parameters that do not work together, named as the Python API names it.

    The library only knows its own parameter names (``batch_size``, ``filters``); each face maps them to what its
    user typed: the CLI to a flag (``option --batch-size: ...``), the HTTP service to a JSON field.

    Args:
        param: the Python parameter name (``batch_size``), or a dotted path into a recipe (``train.epochs``).
        message: what is wrong with the value, without the name.

    Example:
        >>> str(ParameterError("batch_size", "must be at least 1, got 0"))
        'batch_size: must be at least 1, got 0'
    """

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.detail = message


class OptionError(ParameterError):
    """A bad command-line option: raised only by the CLI (``embedlab.cli``), which knows its flag names."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(option, message)
        self.args = (f"option {option}: {message}",)
        self.option = option

    def __str__(self) -> str:
        return self.args[0]


class ModelNotFoundError(EmbedlabError):
    """A model name that is neither a local folder, a known alias, nor downloadable."""


class UnknownWordError(EmbedlabError):
    """A word that is not in a word-vector model's vocabulary."""

    def __init__(self, word: str, suggestions: list[str] | None = None) -> None:
        msg = f"word {word!r} is not in the vocabulary"
        if suggestions:
            msg += "; closest known spellings: " + ", ".join(suggestions)
        super().__init__(msg)
        self.word = word
        self.suggestions = suggestions or []


class MissingExtraError(EmbedlabError):
    """An optional dependency is not installed."""

    exit_code = 3


def require_file(path: str | Path, what: str = "file") -> Path:
    """Return ``path`` as a Path, raising :class:`InputError` when it does not exist."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} not found", path=p)
    return p
