"""Metadata filters: keep only the documents whose fields match, without losing results.

A filter is a list of conditions that must all hold (AND). Each condition names a metadata field and compares it:

* equality: ``lang=en``, ``lang==en``, ``lang!=en``
* ranges: ``year>=2020``, ``year<2024``, ``score>0.5``
* membership: ``lang in [en,de]``, ``lang not in [fr]``

Values are read as JSON when they parse (``2020``, ``0.5``, ``true``, ``"quoted"``) and as plain strings otherwise.
From Python, a dict in Qdrant's spirit works too: ``{"lang": "en", "year": {"gte": 2020}, "tag": {"in": ["a", "b"]}}``.

**One semantics for every store.** Before a search, each condition is *typed* against the field it names
(:func:`typed`, with the kinds of :func:`field_kinds`): on a field holding numbers the value must be a number
(``year="2021"`` is the number 2021, ``year>=abc`` is an error), on a text field numbers become text
(``code=7`` matches ``"7"``) and ranges compare text (ISO dates sort correctly), on a true/false field the value must
be ``true`` or ``false``. A field of mixed kinds compares loosely (numbers as numbers when both sides parse, text
otherwise). A list field matches when any element does; a missing or null field fails every condition except
``!=`` and ``not in``. The local store applies these rules itself; the Qdrant store translates what Qdrant computes
the same way (:func:`native_in_qdrant`) and evaluates the rest client-side, so both return the same ids.

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
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from embedlab.errors import ParameterError

Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"]
# What a metadata field holds: one kind of scalar (or lists of it), several ("mixed"), or not known yet ("any").
Kind = Literal["number", "string", "bool", "mixed", "any"]
_RANGES = ("gt", "gte", "lt", "lte")

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
        kind: the kind of the field once :func:`typed` checked the value against it (``any`` before).
    """

    field: str
    op: Op
    value: Any
    kind: Kind = "any"

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        """Whether a document with this metadata passes (a missing field never passes, except for ``ne``/``nin``)."""
        if self.field not in metadata or metadata[self.field] is None:
            return self.op in ("ne", "nin")
        v = metadata[self.field]
        values = v if isinstance(v, list) else [v]  # a list field matches when any element does
        compare = _compare if self.kind in ("any", "mixed") else _compare_strict
        if self.op in ("ne", "nin"):
            return not any(compare(x, "eq" if self.op == "ne" else "in", self.value) for x in values)
        return any(compare(x, self.op, self.value) for x in values)

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


def _compare_strict(x: Any, op: str, value: Any) -> bool:
    """Compare within one kind (the value was converted to the field's kind by :func:`typed`)."""
    if op == "in":
        return any(_compare_strict(x, "eq", v) for v in value)
    if isinstance(value, bool) or isinstance(x, bool):
        return isinstance(x, bool) and isinstance(value, bool) and op == "eq" and x == value
    if isinstance(value, str):
        if not isinstance(x, str):
            return False
    elif isinstance(x, str) or not isinstance(x, (int, float)):
        return False
    return {"eq": x == value, "gt": x > value, "gte": x >= value, "lt": x < value, "lte": x <= value}[op]


def _value(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip("'")


def _list_value(text: str, cond: str) -> tuple[Any, ...]:
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ParameterError("filters", f"{cond!r}: membership needs a list like [en,de]")
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
        ParameterError: the text is not a condition; the message shows the accepted forms.
    """
    m = _COND.match(text)
    if not m or not m.group(3):
        raise ParameterError(
            "filters", f"cannot read {text!r}; use field=value, field!=value, field>=N, field<N, field in [a,b]"
        )
    field_name, sym, raw = m.group(1), m.group(2).strip().lower(), m.group(3)
    if sym in ("in", "not in"):
        return Condition(field_name, "in" if sym == "in" else "nin", _list_value(raw, text))
    op = _OPS[sym]
    if raw[:1] in "=<>!":
        raise ParameterError("filters", f"cannot read {text!r}: one operator only (=, !=, >, >=, <, <=, in)")
    value = _value(raw)
    if op in ("gt", "gte", "lt", "lte") and _number(value) is None and not isinstance(value, str):
        raise ParameterError("filters", f"{text!r}: a range needs a number or a string, got {raw!r}")
    if isinstance(value, (list, dict)):
        raise ParameterError("filters", f"{text!r}: use 'in [..]' for lists")
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
                        raise ParameterError(
                            "filters", f"field {key!r}: unknown operator {op!r}; use {', '.join(_DICT_OPS)}"
                        )
                    if op in ("in", "nin"):
                        if not isinstance(value, (list, tuple)):
                            raise ParameterError("filters", f"field {key!r}: {op!r} needs a list")
                        value = tuple(value)
                    elif isinstance(value, (list, dict)):
                        raise ParameterError("filters", f"field {key!r}: {op!r} needs a single value")
                    conds.append(Condition(str(key), _DICT_OPS[op], value))  # type: ignore[arg-type]
            elif isinstance(spec, (list, tuple)):
                conds.append(Condition(str(key), "in", tuple(spec)))
            else:
                conds.append(Condition(str(key), "eq", spec))
        return conds
    return [c if isinstance(c, Condition) else parse_condition(str(c)) for c in filters]


def kind_of(value: Any) -> Kind | None:
    """The kind of one scalar value (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "mixed"  # objects: only loose equality makes sense


def merge_kinds(a: Kind | None, b: Kind | None) -> Kind | None:
    """The kind of a field holding values of kinds ``a`` and ``b`` (None: no value seen yet)."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    return "mixed"


def field_kinds(metadata: Iterable[Mapping[str, Any]]) -> dict[str, Kind]:
    """The kind of every metadata field: ``number``, ``string``, ``bool`` (or lists of one) or ``mixed``.

    Example:
        >>> field_kinds([{"year": 2020, "tags": ["a"]}, {"year": 2021.5, "tags": "b", "x": None}])
        {'year': 'number', 'tags': 'string', 'x': 'mixed'}
    """
    kinds: dict[str, Kind | None] = {}
    for meta in metadata:
        for key, value in meta.items():
            kind = kinds.get(key)
            for v in value if isinstance(value, list) else [value]:
                kind = merge_kinds(kind, kind_of(v))
            kinds[key] = kind
    return {k: v or "mixed" for k, v in kinds.items()}


def _typed_value(c: Condition, kind: Kind, v: Any) -> Any:
    """``v`` converted to ``kind``; a value that cannot be one is a :class:`ParameterError` (not an empty result)."""
    if kind == "number":
        n = None if isinstance(v, bool) else _number(v)
        if n is None or not math.isfinite(n):
            raise ParameterError("filters", f"{c}: field {c.field!r} holds numbers; {v!r} is not a finite number")
        return v if isinstance(v, (int, float)) else (int(n) if re.fullmatch(r"\s*[-+]?\d+\s*", v) else n)
    if kind == "bool":
        if c.op in _RANGES:
            raise ParameterError("filters", f"{c}: field {c.field!r} holds true/false; it has no order")
        if isinstance(v, str) and v.lower() in ("true", "false"):
            return v.lower() == "true"
        if not isinstance(v, bool):
            raise ParameterError("filters", f"{c}: field {c.field!r} holds true/false; {v!r} is neither")
        return v
    if kind == "string":
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, float) and not math.isfinite(v):
            raise ParameterError("filters", f"{c}: {v!r} is not a value")
        return str(v) if isinstance(v, (int, float)) else v
    return v


def typed(conditions: Sequence[Condition], kinds: Mapping[str, Kind]) -> list[Condition]:
    """Check each condition against the kind of its field and convert its value to that kind.

    Args:
        conditions: parsed conditions.
        kinds: field -> kind (:func:`field_kinds`); an empty mapping means an empty index (anything goes).

    Raises:
        ParameterError: an unknown field (the message lists the known ones), or a value of the wrong kind
            (``year>=abc`` on a field of numbers).

    Example:
        >>> typed(parse_filters(["year='2021'"]), {"year": "number"})
        [Condition(field='year', op='eq', value=2021, kind='number')]
    """
    out: list[Condition] = []
    for c in conditions:
        if c.field not in kinds:
            if not kinds:
                out.append(c)
                continue
            raise ParameterError(
                "filters", f"no document has the field {c.field!r}; fields: {', '.join(sorted(kinds)) or '(none)'}"
            )
        kind = kinds[c.field]
        if c.op in ("in", "nin"):
            value: Any = tuple(_typed_value(c, kind, v) for v in c.value)
        else:
            value = _typed_value(c, kind, c.value)
        out.append(Condition(c.field, c.op, value, kind))
    return out


def filter_mask(metadata: Sequence[Mapping[str, Any]], conditions: Sequence[Condition]) -> np.ndarray:
    """Boolean mask over rows: True where every condition holds.

    Raises:
        ParameterError: a condition names a field that no document has (a typo, most likely); the message lists fields.
    """
    mask = np.ones(len(metadata), dtype=bool)
    if not conditions:
        return mask
    fields = set().union(*(m.keys() for m in metadata)) if metadata else set()
    for c in conditions:
        if c.field not in fields and metadata:
            raise ParameterError(
                "filters", f"no document has the field {c.field!r}; fields: {', '.join(sorted(fields)) or '(none)'}"
            )
    for i, meta in enumerate(metadata):
        mask[i] = all(c.matches(meta) for c in conditions)
    return mask


def native_in_qdrant(c: Condition) -> bool:
    """Whether Qdrant's payload filter gives exactly :meth:`Condition.matches` for this typed condition.

    Numbers (match and ranges) and true/false do; text equality and membership do; text ranges (Qdrant orders only
    numbers and datetimes) and fields of mixed kinds do not, and are evaluated client-side.
    """
    if c.op in ("in", "nin") and not c.value:
        return False
    if c.kind in ("number", "bool"):
        return True
    return c.kind == "string" and c.op not in _RANGES


def to_qdrant(conditions: Sequence[Condition]) -> Any:
    """Translate conditions into a ``qdrant_client.models.Filter`` (payload keys under ``meta.``)."""
    from qdrant_client import models

    must: list[Any] = []
    must_not: list[Any] = []
    for c in conditions:
        key = f"meta.{c.field}"
        if c.kind == "number" and c.op in ("eq", "ne", "in", "nin"):
            # a range of width 0 matches ints and floats alike (MatchValue takes no float, and 2 != 2.0 there)
            ranges = [models.FieldCondition(key=key, range=models.Range(gte=v, lte=v)) for v in _values(c)]
            if c.op in ("eq", "in"):
                must.append(ranges[0] if len(ranges) == 1 else models.Filter(should=ranges))
            else:
                must_not.extend(ranges)
        elif c.op in ("eq", "ne"):
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


def _values(c: Condition) -> tuple[Any, ...]:
    return tuple(c.value) if c.op in ("in", "nin") else (c.value,)
