"""Optional dependencies, checked where they are first needed, with a message naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from embedlab.errors import MissingExtraError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the pip extra that provides it.

    Example:
        >>> gensim = require("gensim", "words")
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{module} is not installed; install it with: pip install 'embedlab[{extra}]' ({exc})"
        ) from exc
