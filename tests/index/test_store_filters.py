"""One filter semantics: the same filters give the same ids on the local store and on Qdrant (local mode).

Each case also states, as a plain Python predicate over the documents, which ids it must return, so the two stores
are compared with the definition and not just with each other.
"""

from __future__ import annotations

import pytest

from embedlab.errors import ParameterError
from embedlab.index import Index

pytest.importorskip("qdrant_client")

DOCS = [
    {"id": "a", "text": "Solar panels on roofs.", "year": 2021, "lang": "en", "date": "2021-03-01", "score": 0.9,
     "tags": ["solar", "roof"], "flag": True, "code": "7", "mixed": 5},
    {"id": "b", "text": "Wind farms at sea.", "year": 2021, "lang": "de", "date": "2021-11-30", "score": 0.5,
     "tags": ["wind"], "flag": False, "code": "007", "mixed": "5"},
    {"id": "c", "text": "Coal plants close.", "year": 2019, "lang": "en", "date": "2019-06-15", "score": 0.25,
     "tags": [], "flag": True, "code": "12", "mixed": "five"},
    {"id": "d", "text": "Cats sleep all day.", "year": 2021, "lang": "fr", "date": "2020-12-31", "score": 1.0,
     "tags": ["pets", "solar"], "flag": False},
    {"id": "e", "text": "Bond yields rise.", "year": 2023, "lang": "en", "date": "2023-01-01", "score": 0.75,
     "code": "7"},
    {"id": "f", "text": "Pasta needs salted water.", "year": 2018, "lang": "it", "score": 0.1, "tags": ["food"],
     "flag": True, "mixed": 7},
    {"id": "g", "text": "Telescopes see galaxies.", "year": 2022, "lang": "en", "date": "2022-07-04",
     "tags": ["space", "solar"], "code": "3"},
    {"id": "h", "text": "No metadata at all here.", "lang": None},
]  # fmt: skip


def _get(doc, field):
    v = doc.get(field)
    return [] if v is None else (v if isinstance(v, list) else [v])


CASES = [
    (["year=2021"], lambda d: d.get("year") == 2021),
    (['year="2021"'], lambda d: d.get("year") == 2021),  # 3 hits on both stores (Qdrant found 0 before)
    ({"year": "2021"}, lambda d: d.get("year") == 2021),
    (["year>=2021"], lambda d: d.get("year", 0) >= 2021),
    (["year<2020"], lambda d: "year" in d and d["year"] < 2020),
    (["year in [2018, 2023]"], lambda d: d.get("year") in (2018, 2023)),
    (["year not in [2021]"], lambda d: d.get("year") != 2021),
    (["year!=2021"], lambda d: d.get("year") != 2021),
    (["score>0.5"], lambda d: d.get("score", 0) > 0.5),
    (["score=0.5"], lambda d: d.get("score") == 0.5),
    (["score<=1"], lambda d: "score" in d and d["score"] <= 1),
    (["date>=2021-01-01"], lambda d: d.get("date", "") >= "2021-01-01"),  # a range over ISO dates (raised before)
    (["date<2021-01-01"], lambda d: "date" in d and d["date"] < "2021-01-01"),
    ({"date": {"gte": "2020-01-01", "lt": "2022-01-01"}}, lambda d: "2020-01-01" <= d.get("date", "") < "2022"),
    (["lang=en"], lambda d: d.get("lang") == "en"),
    (["lang in [en,de]"], lambda d: d.get("lang") in ("en", "de")),
    (["lang not in [en]"], lambda d: d.get("lang") != "en"),
    (["lang!=en"], lambda d: d.get("lang") != "en"),
    (["tags=solar"], lambda d: "solar" in _get(d, "tags")),
    (["tags in [wind,food]"], lambda d: bool({"wind", "food"} & set(_get(d, "tags")))),
    (["tags!=solar"], lambda d: "solar" not in _get(d, "tags")),
    (["flag=true"], lambda d: d.get("flag") is True),
    (["flag=false"], lambda d: d.get("flag") is False),
    (["code=7"], lambda d: d.get("code") == "7"),  # text field: the number 7 is the text "7", not "007"
    (["code in [7, 12]"], lambda d: d.get("code") in ("7", "12")),
    (["mixed=5"], lambda d: d.get("mixed") in (5, "5")),  # mixed kinds compare loosely on both stores
    (["mixed>=6"], lambda d: d.get("mixed") == 7),
    (["year>=2020", "lang=en", "tags=solar"], lambda d: d.get("year", 0) >= 2020 and d.get("lang") == "en"
     and "solar" in _get(d, "tags")),
    (["year>3000"], lambda d: False),
]  # fmt: skip


@pytest.fixture(scope="module", params=["local", "qdrant"])
def store_index(request, tmp_path_factory, minilm):
    path = tmp_path_factory.mktemp(f"filters-{request.param}") / "idx"
    index = Index.build("all-MiniLM-L6-v2", DOCS, path, backend=request.param, encoder=minilm)
    yield index
    index.close()


@pytest.mark.parametrize(("filters", "wanted"), CASES, ids=[str(f) for f, _ in CASES])
def test_same_ids_on_every_store(store_index, filters, wanted):
    expected = sorted(d["id"] for d in DOCS if wanted(d))
    for mode in ("dense", "bm25"):  # the BM25 query shares a term with every document
        query = "solar wind coal cats bond pasta telescopes metadata" if mode == "bm25" else "anything"
        hits = store_index.search(query, k=50, filters=filters, mode=mode, exact=True)
        assert sorted(h.id for h in hits) == expected, f"{store_index.manifest.backend} {mode}: {filters}"


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (["year>=abc"], "filters: year>=abc: field 'year' holds numbers; 'abc' is not a finite number"),
        (["year=abc"], "field 'year' holds numbers"),
        (["score>nan"], "is not a finite number"),
        (["flag>true"], "a range needs a number or a string"),
        ({"flag": {"gt": "true"}}, "field 'flag' holds true/false; it has no order"),
        (["flag=maybe"], "field 'flag' holds true/false; 'maybe' is neither"),
        (["yaer=2021"], "no document has the field 'yaer'"),
    ],
)
def test_type_errors_are_errors_on_every_store(store_index, filters, message):
    with pytest.raises(ParameterError, match=r"^filters: ") as info:
        store_index.search("anything", filters=filters)
    assert message in str(info.value)


def test_metadata_round_trips_with_its_types(store_index):
    hits = {h.id: h.metadata for h in store_index.search("anything", k=50, exact=True)}
    for doc in DOCS:
        expected = {k: v for k, v in doc.items() if k not in ("id", "text") and v is not None}
        assert hits[doc["id"]] == expected
