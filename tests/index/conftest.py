"""A small hand-made corpus with metadata, indexed once per session with the offline MiniLM."""

from __future__ import annotations

import pytest

TEXTS = [
    ("sun1", "Solar panels convert sunlight into electricity for homes.", 2021, "en", "energy"),
    ("sun2", "Photovoltaic cells turn the light of the sun into electric power.", 2022, "en", "energy"),
    ("sun3", "Solarzellen wandeln Sonnenlicht in Strom um.", 2020, "de", "energy"),
    ("wind1", "Wind turbines generate power from moving air.", 2019, "en", "energy"),
    ("wind2", "Offshore wind farms supply clean energy to the grid.", 2023, "en", "energy"),
    ("coal1", "Coal power plants emit large amounts of carbon dioxide.", 2015, "en", "energy"),
    ("cat1", "The cat slept on the warm windowsill all afternoon.", 2018, "en", "pets"),
    ("cat2", "Die Katze schläft auf dem Sofa.", 2021, "de", "pets"),
    ("dog1", "Dogs are loyal animals and love long walks.", 2017, "en", "pets"),
    ("dog2", "A puppy needs training, food and plenty of play.", 2022, "en", "pets"),
    ("fish1", "Goldfish live in bowls and need clean water.", 2016, "en", "pets"),
    ("mkt1", "The stock market fell sharply after the rate decision.", 2022, "en", "finance"),
    ("mkt2", "Central banks raised interest rates to fight inflation.", 2023, "en", "finance"),
    ("mkt3", "La bourse a chuté après l'annonce de la banque centrale.", 2023, "fr", "finance"),
    ("mkt4", "Bond yields rose as investors sold government debt.", 2021, "en", "finance"),
    ("code1", "Error code XJ-4471 means the pump pressure sensor failed.", 2020, "en", "manual"),
    ("code2", "Replace the filter cartridge every six months.", 2019, "en", "manual"),
    ("code3", "Reset the device by holding the power button for ten seconds.", 2020, "en", "manual"),
    ("food1", "Pasta should be cooked in plenty of salted boiling water.", 2018, "it", "food"),
    ("food2", "Fresh basil and tomatoes make a simple summer sauce.", 2019, "en", "food"),
    ("food3", "Bread dough needs time to rise in a warm place.", 2020, "en", "food"),
    ("space1", "The telescope captured images of a distant galaxy.", 2022, "en", "science"),
    ("space2", "Astronauts repaired the space station's solar array.", 2021, "en", "science"),
    ("bio1", "Enzymes speed up chemical reactions in living cells.", 2017, "en", "science"),
]


def corpus() -> list[dict]:
    return [{"id": i, "text": t, "year": y, "lang": lang, "topic": topic} for i, t, y, lang, topic in TEXTS]


@pytest.fixture(scope="session")
def corpus_docs():
    """The small corpus as document dicts."""
    return corpus()


@pytest.fixture(scope="session")
def corpus_texts():
    """(id, text, year, lang, topic) of the small corpus."""
    return TEXTS


@pytest.fixture(scope="session")
def small_index_path(tmp_path_factory, minilm):
    """An index folder over :data:`TEXTS` (do not modify it; copy it first)."""
    from embedlab.index import Index

    path = tmp_path_factory.mktemp("idx") / "small"
    Index.build("all-MiniLM-L6-v2", corpus(), path, encoder=minilm)
    return path


@pytest.fixture()
def small_index(small_index_path, minilm):
    from embedlab.index import Index

    return Index.load(small_index_path, encoder=minilm)


@pytest.fixture()
def index_copy(small_index_path, tmp_path, minilm):
    """A private, writable copy of the small index."""
    import shutil

    from embedlab.index import Index

    dst = tmp_path / "copy"
    shutil.copytree(small_index_path, dst)
    return Index.load(dst, encoder=minilm)
