"""Metadata filters: keep only the documents whose fields match, without losing results.

A filter is a list of conditions that must all hold (AND). Each condition names a metadata field and compares it:

* equality: ``lang=en``, ``lang==en``, ``lang!=en``
* ranges: ``year>=2020``, ``year<2024``, ``score>0.5``
* membership: ``lang in [en,de]``, ``lang not in [fr]``

Values are read as JSON when they parse (``2020``, ``0.5``, ``true``, ``"quoted"``) and as plain strings otherwise.
From Python, a dict in Qdrant's spirit works too: ``{"lang": "en", "year": {"gte": 2020}, "tag": {"in": ["a", "b"]}}``.

Approximate nearest-neighbour search finds the top k *of all* documents; filtering those afterwards can leave fewer
than k, or none, when the filter is selective. :func:`embedlab.index.local` therefore searches the allowed documents
exactly when they are few, and otherwise asks the ANN index for more candidates until k of them pass.

Example:
    >>> conds = parse_filters(["year>=2020", "lang in [en,de]"])
    >>> [c.matches({"year": 2021, "lang": "de"}) for c in conds]
    [True, True]
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from embedlab.errors import OptionError

Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"]

_OPS = {"==": "eq", "=": "eq", "!=": "ne", ">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}
_DICT_OPS = {"eq": "eq", "ne": "ne", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "in": "in", "nin": "nin"}
_COND = re.compile(r"^\s*([\w.\-]+)\s*(==|!=|>=|<=|=|>|<|\s+not\s+in\s+|\s+in\s+)\s*(.*?)\s*$", re.IGNORECASE)

Filters = Sequence[str] | Mapping[str, Any] | None


@dataclass(frozen=True)
class Condition:
    """One condition on a metadata field.

    Attributes:
        field: the metadata key.
        op: ``eq ne gt gte lt lte in nin``.
        value: a scalar, or a tuple for ``in``/``nin``.
    """

    field: str
    op: Op
    value: Any

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        """Whether a document with this metadata passes (a missing field never passes, except for ``ne``/``nin``)."""
        if self.field not in metadata or metadata[self.field] is None:
            return self.op in ("ne", "nin")
        v = metadata[self.field]
        values = v if isinstance(v, list) else [v]  # a list field matches when any element does
        if self.op in ("ne", "nin"):
            return not any(_compare(x, "eq" if self.op == "ne" else "in", self.value) for x in values)
        return any(_compare(x, self.op, self.value) for x in values)

    def __str__(self) -> str:
        sym = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "in": " in ", "nin": " not in "}
        value = "[" + ",".join(map(str, self.value)) + "]" if self.op in ("in", "nin") else self.value
        return f"{self.field}{sym[self.op]}{value}"


def _number(x: Any) -> float | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            return None
    return None


def _equal(a: Any, b: Any) -> bool:
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    return str(a) == str(b)


def _compare(x: Any, op: str, value: Any) -> bool:
    if op == "eq":
        return _equal(x, value)
    if op == "in":
        return any(_equal(x, v) for v in value)
    nx, nv = _number(x), _number(value)
    if nx is None or nv is None:
        # Ranges over strings compare as text (ISO dates sort correctly), never mixing numbers and text.
        if isinstance(x, str) and isinstance(value, str):
            nx, nv = x, value  # type: ignore[assignment]
        else:
            return False
    return {"gt": nx > nv, "gte": nx >= nv, "lt": nx < nv, "lte": nx <= nv}[op]  # type: ignore[operator]


def _value(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip("'")


def _list_value(text: str, cond: str) -> tuple[Any, ...]:
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise OptionError("--filter", f"{cond!r}: membership needs a list like [en,de]")
    inner = text[1:-1].strip()
    if not inner:
        return ()
    try:
        parsed = json.loads(text)
        if isinstance(parsed, list):
            return tuple(parsed)
    except json.JSONDecodeError:
        pass
    return tuple(_value(part) for part in inner.split(","))


def parse_condition(text: str) -> Condition:
    """Parse one condition such as ``year>=2020`` or ``lang in [en,de]``.

    Raises:
        OptionError: the text is not a condition; the message shows the accepted forms.
    """
    m = _COND.match(text)
    if not m or not m.group(3):
        raise OptionError(
            "--filter", f"cannot read {text!r}; use field=value, field!=value, field>=N, field<N, field in [a,b]"
        )
    field_name, sym, raw = m.group(1), m.group(2).strip().lower(), m.group(3)
    if sym in ("in", "not in"):
        return Condition(field_name, "in" if sym == "in" else "nin", _list_value(raw, text))
    op = _OPS[sym]
    if raw[:1] in "=<>!":
        raise OptionError("--filter", f"cannot read {text!r}: one operator only (=, !=, >, >=, <, <=, in)")
    value = _value(raw)
    if op in ("gt", "gte", "lt", "lte") and _number(value) is None and not isinstance(value, str):
        raise OptionError("--filter", f"{text!r}: a range needs a number or a string, got {raw!r}")
    if isinstance(value, (list, dict)):
        raise OptionError("--filter", f"{text!r}: use 'in [..]' for lists")
    return Condition(field_name, op, value)  # type: ignore[arg-type]


def parse_filters(filters: Filters) -> list[Condition]:
    """Turn filter strings, a filter dict, or ``None`` into a list of :class:`Condition` (all must hold).

    Example:
        >>> parse_filters({"year": {"gte": 2020}, "lang": {"in": ["en", "de"]}})
        [Condition(field='year', op='gte', value=2020), Condition(field='lang', op='in', value=('en', 'de'))]
    """
    if not filters:
        return []
    if isinstance(filters, str):
        filters = [filters]
    if isinstance(filters, Mapping):
        conds: list[Condition] = []
        for key, spec in filters.items():
            if isinstance(spec, Mapping):
                for op, value in spec.items():
                    if op not in _DICT_OPS:
                        raise OptionError(
                            "filters", f"field {key!r}: unknown operator {op!r}; use {', '.join(_DICT_OPS)}"
                        )
                    if op in ("in", "nin"):
                        if not isinstance(value, (list, tuple)):
                            raise OptionError("filters", f"field {key!r}: {op!r} needs a list")
                        value = tuple(value)
                    elif isinstance(value, (list, dict)):
                        raise OptionError("filters", f"field {key!r}: {op!r} needs a single value")
                    conds.append(Condition(str(key), _DICT_OPS[op], value))  # type: ignore[arg-type]
            elif isinstance(spec, (list, tuple)):
                conds.append(Condition(str(key), "in", tuple(spec)))
            else:
                conds.append(Condition(str(key), "eq", spec))
        return conds
    return [c if isinstance(c, Condition) else parse_condition(str(c)) for c in filters]


def filter_mask(metadata: Sequence[Mapping[str, Any]], conditions: Sequence[Condition]) -> np.ndarray:
    """Boolean mask over rows: True where every condition holds.

    Raises:
        OptionError: a condition names a field that no document has (a typo, most likely); the message lists fields.
    """
    mask = np.ones(len(metadata), dtype=bool)
    if not conditions:
        return mask
    fields = set().union(*(m.keys() for m in metadata)) if metadata else set()
    for c in conditions:
        if c.field not in fields and metadata:
            raise OptionError(
                "--filter", f"no document has the field {c.field!r}; fields: {', '.join(sorted(fields)) or '(none)'}"
            )
    for i, meta in enumerate(metadata):
        mask[i] = all(c.matches(meta) for c in conditions)
    return mask


def to_qdrant(conditions: Sequence[Condition]) -> Any:
    """Translate conditions into a ``qdrant_client.models.Filter`` (payload keys under ``meta.``)."""
    from qdrant_client import models

    must: list[Any] = []
    must_not: list[Any] = []
    for c in conditions:
        key = f"meta.{c.field}"
        if c.op in ("eq", "ne"):
            match = models.MatchValue(value=c.value) if not isinstance(c.value, float) else None
            cond = (
                models.FieldCondition(key=key, match=match)
                if match is not None
                else models.FieldCondition(key=key, range=models.Range(gte=c.value, lte=c.value))
            )
            (must if c.op == "eq" else must_not).append(cond)
        elif c.op in ("in", "nin"):
            cond = models.FieldCondition(key=key, match=models.MatchAny(any=list(c.value)))
            (must if c.op == "in" else must_not).append(cond)
        else:
            must.append(models.FieldCondition(key=key, range=models.Range(**{c.op: float(c.value)})))
    if not must and not must_not:
        return None
    return models.Filter(must=must or None, must_not=must_not or None)
