"""A small hand-made index for the pipeline tests: eight documents about distinct things, some of several sentences
(so chunks map back to documents), and labelled queries, binary and graded."""

from __future__ import annotations

import pytest

DOCS = [
    {
        "id": "zebra",
        "text": "Zebras live on the African savanna. Their stripes confuse biting flies. They graze in herds.",
    },
    {"id": "piano", "text": "A piano has eighty-eight keys. Hammers strike the strings inside it."},
    {"id": "volcano", "text": "Lava flows from an erupting volcano. Ash clouds can ground aircraft for days."},
    {"id": "bread", "text": "Bakers knead dough and let the yeast rise. Sourdough uses a wild starter culture."},
    {"id": "comet", "text": "A comet grows a bright tail near the sun. Its nucleus is ice and dust."},
    {"id": "chess", "text": "In chess the knight moves in an L shape. Castling protects the king."},
    {"id": "coral", "text": "Coral reefs are built by tiny animals. Warm water bleaches the reef."},
    {"id": "glacier", "text": "A glacier is a slow river of ice. Glaciers carve deep valleys in mountains."},
]
QUERIES = {
    "q1": "striped animals of the savanna",
    "q2": "which instrument has hammers and strings",
    "q3": "how does a knight move",
    "q4": "ice in nature",
    "q5": "baking with yeast",
}
BINARY = {
    "q1": {"zebra": 1},
    "q2": {"piano": 1},
    "q3": {"chess": 1},
    "q4": {"glacier": 1, "comet": 1},
    "q5": {"bread": 1},
}
GRADED = {
    "q1": {"zebra": 3, "coral": 1},
    "q2": {"piano": 2},
    "q3": {"chess": 3, "piano": 1},
    "q4": {"glacier": 3, "comet": 2, "volcano": 1},
    "q5": {"bread": 2},
}


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, minilm_path):
    """The eight documents indexed in chunks of one sentence (a document ranks at its best chunk)."""
    from embedlab.index import Index

    path = tmp_path_factory.mktemp("pipeline") / "idx"
    return Index.build(minilm_path, DOCS, path, chunk="sentences", chunk_size=1, overlap=0)


def ir(relevant):
    from embedlab.data import IRDataset

    return IRDataset(dict(QUERIES), {d["id"]: d["text"] for d in DOCS}, relevant, name="hand")
