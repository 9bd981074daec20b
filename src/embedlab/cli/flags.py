"""How the CLI names the library's parameters.

The library raises :class:`embedlab.errors.ParameterError` with its Python parameter names; the CLI shows them as
the flags the user typed. Most flags are the parameter with dashes (``batch_size`` -> ``--batch-size``); the
exceptions are listed once here.
"""

from __future__ import annotations

from embedlab.errors import OptionError, ParameterError

# Python parameter -> the CLI's name for it, where the plain ``--name-with-dashes`` rule does not hold.
SPECIAL: dict[str, str] = {
    "k": "-k",
    "m": "--hnsw-m",
    "ef_construction": "--ef-construction",
    "ef_search": "--ef-search",
    "query": "argument QUERY",
    "filters": "--filter",
    "columns": "--columns",
    "chunk": "--chunk",
}


def flag_for(param: str) -> str:
    """The CLI flag (or argument) for a Python parameter name.

    Example:
        >>> flag_for("batch_size"), flag_for("m")
        ('--batch-size', '--hnsw-m')
    """
    if param in SPECIAL:
        return SPECIAL[param]
    if param.startswith("-") or param.startswith("argument "):
        return param
    return "--" + param.split(".")[-1].replace("_", "-")


def cli_message(exc: ParameterError) -> str:
    """The one line the CLI prints for a parameter error."""
    if isinstance(exc, OptionError):
        return str(exc)
    return f"option {flag_for(exc.param)}: {exc.detail}"
