"""Filter parsing and matching, and their translation to Qdrant."""

from __future__ import annotations

import pytest

from embedlab.errors import ParameterError
from embedlab.index.filters import Condition, filter_mask, parse_condition, parse_filters, to_qdrant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year>=2020", Condition("year", "gte", 2020)),
        ("year < 2024", Condition("year", "lt", 2024)),
        ("lang=en", Condition("lang", "eq", "en")),
        ("lang == 'en'", Condition("lang", "eq", "en")),
        ("lang!=de", Condition("lang", "ne", "de")),
        ("lang in [en,de]", Condition("lang", "in", ("en", "de"))),
        ("lang not in [fr]", Condition("lang", "nin", ("fr",))),
        ("year in [2020, 2021]", Condition("year", "in", (2020, 2021))),
        ("flag=true", Condition("flag", "eq", True)),
    ],
)
def test_parse(text, expected):
    assert parse_condition(text) == expected


@pytest.mark.parametrize("bad", ["year", "year>=", ">=2020", "lang in en", "x=[1,2]"])
def test_parse_errors_say_what_is_accepted(bad):
    with pytest.raises(ParameterError, match=r"^filters: "):
        parse_condition(bad)


def test_dict_form():
    conds = parse_filters({"year": {"gte": 2020, "lt": 2023}, "lang": ["en", "de"], "topic": "energy"})
    assert conds == [
        Condition("year", "gte", 2020),
        Condition("year", "lt", 2023),
        Condition("lang", "in", ("en", "de")),
        Condition("topic", "eq", "energy"),
    ]
    with pytest.raises(ParameterError, match="unknown operator"):
        parse_filters({"year": {"greater": 1}})


def test_matching_semantics():
    rows = [
        {"year": 2019, "lang": "en"},
        {"year": 2021, "lang": "de"},
        {"year": "2022", "lang": "fr"},  # numbers stored as text still compare as numbers
        {"lang": "en"},  # missing field: fails ranges, passes !=
        {"year": 2020, "lang": ["en", "de"]},  # list field: any element
    ]
    mask = lambda *f: filter_mask(rows, parse_filters(list(f))).tolist()  # noqa: E731
    assert mask("year>=2020") == [False, True, True, False, True]
    assert mask("lang in [en,de]") == [True, True, False, True, True]
    assert mask("year>=2020", "lang in [en,de]") == [False, True, False, False, True]
    assert mask("lang!=en") == [False, True, True, False, False]
    assert mask("lang not in [en]", "year<2022") == [False, True, False, False, False]
    with pytest.raises(ParameterError, match="no document has the field 'yaer'; fields: lang, year"):
        mask("yaer>=2020")


def test_to_qdrant():
    from qdrant_client import models

    f = to_qdrant(parse_filters(["year>=2020", "lang in [en,de]", "topic!=pets"]))
    assert isinstance(f, models.Filter)
    assert f.must[0].key == "meta.year" and f.must[0].range.gte == 2020
    assert f.must[1].match.any == ["en", "de"]
    assert f.must_not[0].match.value == "pets"
    assert to_qdrant([]) is None
