"""tune: picks the known-best setting on a constructed case, keeps the defaults when nothing beats them by the
margin, and what it saves is what Index.search then uses."""

from __future__ import annotations

import random

import pytest

from embedlab.data import IRDataset
from embedlab.evaluate.tune import tune
from embedlab.index.settings import SearchSettings

FILLER = [
    f"The {a} {b} near the {c}."
    for a in ("old", "quiet", "busy", "tall", "green")
    for b in ("dog sleeps", "market opens", "river floods", "bridge creaks", "choir sings", "train waits")
    for c in ("harbour", "school", "forest", "castle", "station")
]


@pytest.fixture(scope="module")
def code_index(tmp_path_factory, minilm_path):
    """24 documents of eight shuffled stock sentences and a made-up reference code; the code is the query. BM25
    finds the one document with that rare term, embeddings see mostly the stock sentences (NDCG@10 about 0.37),
    so plain BM25 is the known best setting (hybrid ties with it at best, later in the grid)."""
    from embedlab.index import Index

    rng = random.Random(3)
    codes = [
        "".join(rng.choice("bcdfghjkmnpqrstvwxz") for _ in range(7)) + str(rng.randrange(100, 999)) for _ in range(24)
    ]
    docs = [{"id": f"p{i}", "text": " ".join(rng.sample(FILLER, 8)) + f" Reference {c}."} for i, c in enumerate(codes)]
    index = Index.build(minilm_path, docs, tmp_path_factory.mktemp("codes") / "idx")
    ir = IRDataset({f"q{i}": c for i, c in enumerate(codes)}, {d["id"]: d["text"] for d in docs},
                   {f"q{i}": {f"p{i}": 1} for i in range(len(codes))}, name="codes")  # fmt: skip
    return index, ir


@pytest.fixture(scope="module")
def topic_index(tmp_path_factory, minilm_path):
    """12 documents on distinct topics, asked about in other words: the default (dense) already ranks every answer
    first, so no setting can beat it."""
    from embedlab.index import Index

    topics = {
        "zebra": ("Zebras are striped horses of the African plains.", "black and white striped animal"),
        "piano": ("The piano is a keyboard instrument with hammers and strings.", "instrument with keys"),
        "volcano": ("A volcano erupts molten rock and ash.", "mountain that spews lava"),
        "bread": ("Bread is baked from flour, water and yeast.", "baking a loaf"),
        "comet": ("Comets are icy bodies with glowing tails.", "icy object with a tail in space"),
        "chess": ("Chess is a board game of kings, queens and pawns.", "board game with a king and pawns"),
        "coral": ("Coral reefs grow in warm shallow seas.", "reef in the ocean"),
        "glacier": ("Glaciers are rivers of ice that carve valleys.", "moving ice in mountains"),
        "violin": ("A violin is played with a bow.", "string instrument played with a bow"),
        "desert": ("Deserts get very little rain.", "dry sandy place"),
        "honey": ("Bees make honey from nectar.", "sweet food made by bees"),
        "train": ("Trains run on rails between stations.", "railway transport"),
    }
    docs = [{"id": k, "text": v[0]} for k, v in topics.items()]
    index = Index.build(minilm_path, docs, tmp_path_factory.mktemp("topics") / "idx")
    ir = IRDataset({f"q{k}": v[1] for k, v in topics.items()}, {k: v[0] for k, v in topics.items()},
                   {f"q{k}": {k: 1} for k in topics}, name="topics")  # fmt: skip
    return index, ir


def test_tune_picks_the_known_best_and_search_uses_it(code_index):
    from embedlab.index import Index

    index, ir = code_index
    result = tune(index, ir)
    rows = {r["name"]: r for r in result.rows}
    assert rows["bm25"]["ndcg@10"] == 1.0 and rows["dense"]["ndcg@10"] < 0.9  # the construction holds
    assert result.best == "bm25" and result.adopted and result.chosen == {"mode": "bm25"}
    assert result.cv_gain >= result.min_gain and result.saved
    reopened = Index.load(index.path)
    assert reopened.search_settings.mode == "bm25"
    hits = reopened.search(ir.queries["q3"])
    assert hits[0].doc_id == "p3" and set(hits[0].scores) == {"bm25"}  # the saved setting, not the default dense
    assert set(reopened.search(ir.queries["q3"], mode="dense")[0].scores) == {"dense"}  # callers still override


def test_tune_keeps_the_defaults_without_a_real_gain(topic_index):
    index, ir = topic_index
    index.save_search_settings({"mode": "bm25"})  # an earlier choice is reset when the defaults win
    result = tune(index, ir)
    rows = {r["name"]: r for r in result.rows}
    assert rows["defaults"]["ndcg@10"] == 1.0
    assert not result.adopted and result.chosen == {} and "kept the defaults" in result.reason
    assert index.search_settings == SearchSettings() and index.manifest.search == {}


def test_pseudo_queries_and_cli(code_index, cli, tmp_path):
    index, _ = code_index
    code, out, err = cli("tune", index.path, "--pseudo-queries", "10", "--no-save")
    assert code == 0, err
    assert "pseudo-queries" in out and "held-out" in out and "bm25" in out
    assert "decision: " in out and " SE " in out and "paired t-test" in out  # the guard's evidence is printed
    code, _, err = cli("tune", index.path, "--pseudo-queries", "10", "--confidence", "1", "--no-save")
    assert code == 2 and "option --confidence: must be at least 0 and below 1, got 1.0" in err
    code, _, err = cli("tune", index.path)
    assert code == 2 and "option --retrieval:" in err


def test_pseudo_queries_from_the_corpus(tmp_path, minilm_path, shared_data):
    import json

    from embedlab.evaluate.tune import pseudo_query_set
    from embedlab.index import Index

    data = json.loads((shared_data / "aims_qa" / "train_dataset.json").read_text(encoding="utf-8"))
    docs = [{"id": d, "text": t} for d, t in list(data["corpus"].items())[:15]]
    index = Index.build(minilm_path, docs, tmp_path / "idx", chunk="sentences", chunk_size=4, overlap=1)
    ir = pseudo_query_set(index, 30)
    assert len(ir.queries) == 30
    for qid, q in ir.queries.items():
        (doc,) = ir.relevant[qid]
        assert " ".join(q.split()) in " ".join(data["corpus"][doc].split())  # a sentence of its own document
    result = tune(index, pseudo_queries=30, save=False)
    assert result.pseudo and result.queries == 30 and len(result.rows) >= 12


def test_chunk_sizes_rebuild_from_the_index(tmp_path, minilm_path, cli, monkeypatch):
    import re

    from pipelinefixtures import DOCS, GRADED, QUERIES

    from embedlab.evaluate.tune_chunks import index_documents
    from embedlab.index import Index

    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))  # the default embedding cache, kept here
    index = Index.build(minilm_path, DOCS, tmp_path / "idx", chunk="sentences", chunk_size=1, overlap=0)
    rebuilt = {d.id: d.text for d in index_documents(index)}
    assert rebuilt == {d["id"]: d["text"] for d in DOCS}  # the chunks put back in place give the documents
    index.close()
    dev = tmp_path / "dev.json"
    import json

    dev.write_text(json.dumps({"queries": QUERIES, "corpus": {d["id"]: d["text"] for d in DOCS},
                               "relevant_docs": GRADED}))  # fmt: skip
    code, out, err = cli("tune", tmp_path / "idx", "--retrieval", dev, "--chunk-sizes", "2,3", "--folds", "2",
                         "--seed", "0")  # fmt: skip
    assert code == 0, err
    assert "chunk_size=2 bm25" in " ".join(out.split()) and "chunk_size=3 dense" in " ".join(out.split())
    after = Index.load(tmp_path / "idx")
    won = re.search(r"chunk size (\d) sentences won", err)
    assert after.manifest.chunking["size"] == (int(won.group(1)) if won else 1)
    assert list((tmp_path / "cache").iterdir())  # the rebuilds embedded through the cache
    assert not list(tmp_path.glob(".tune-chunks-*"))  # the scratch builds are gone


def _runs(n: int, up: set[int], down: set[int]):
    """Two constructed runs on ``n`` one-answer queries: the defaults rank the answer first on even queries and
    second on odd ones; "other" ranks it first on ``up`` (odd) queries and second on ``down`` (even) ones."""
    from embedlab.evaluate.pipeline import SearchRun

    def run(first: set[int]) -> SearchRun:
        ranks = [[f"d{i}", "x"] if i in first else ["x", f"d{i}"] for i in range(n)]
        return SearchRun([f"q{i}" for i in range(n)], ranks, [{f"d{i}": 1} for i in range(n)], 1.0)

    evens = {i for i in range(n) if i % 2 == 0}
    return {"defaults": run(evens), "other": run((evens - down) | up)}, {"defaults": {}, "other": {"mode": "bm25"}}


def test_a_gain_within_noise_keeps_the_defaults():
    from embedlab.evaluate.tune import decide

    n = 60
    # the same mean gain twice (+6 queries' worth): 6 queries better and none worse is a real gain; 18 better and
    # 12 worse is the noise of a neighbouring setting, and its held-out gain still passes the 0.005 margin
    real, options = _runs(n, up={1, 11, 21, 31, 41, 51}, down=set())
    noisy, _ = _runs(n, up=set(range(1, 37, 2)), down=set(range(0, 24, 2)))
    assert real["other"].metrics()["ndcg@10"] == pytest.approx(noisy["other"].metrics()["ndcg@10"])
    kept = decide(noisy, options)
    assert kept.cv_gain >= kept.min_gain and kept.cv_gain <= 1.7 * kept.cv_se  # the margin alone would move
    assert not kept.adopted and kept.chosen == {} and "within noise" in kept.reason
    assert f"SE {kept.cv_se:.4f}" in kept.reason and "held-out gain +" in kept.reason
    assert decide(noisy, options, confidence=0).adopted  # without the noise test the margin lets it through
    moved = decide(real, options)
    assert moved.adopted and moved.chosen == {"mode": "bm25"} and moved.cv_gain > moved.threshold >= moved.min_gain


def test_query_groups_join_queries_that_share_a_relevant_document():
    from embedlab.evaluate.tune import query_groups

    assert query_groups([{"d1": 1}, {"d2": 1}, {"d1": 1, "d3": 2}, {"d3": 1}, {"d4": 1}]) == [0, 1, 0, 0, 2]
    assert query_groups([{"a": 1}, {"b": 1}, {"c": 1}]) == [0, 1, 2]


def test_noise_threshold_counts_groups_not_queries():
    import numpy as np

    from embedlab.evaluate.tune import noise_threshold

    diffs = np.array([0.3, -0.1, 0.2, 0.0, 0.25, -0.05, 0.1, 0.15])
    plain_se, plain_bar = noise_threshold(diffs, 0.95)
    assert plain_se == pytest.approx(np.std(diffs, ddof=1) / np.sqrt(len(diffs)))
    assert noise_threshold(diffs, 0.95, list(range(8))) == pytest.approx((plain_se, plain_bar))
    # the same values as four pairs of twins (two questions per passage, both alike): half the evidence
    twins = np.repeat(diffs[:4], 2)
    se_alone, _ = noise_threshold(twins, 0.95)
    se_pairs, bar_pairs = noise_threshold(twins, 0.95, [0, 0, 1, 1, 2, 2, 3, 3])
    assert se_pairs > 1.3 * se_alone and bar_pairs > se_pairs * 2.3  # t with 3 degrees of freedom


def test_a_gain_carried_by_twin_questions_is_within_noise():
    """The same per-question outcomes count once per passage when each passage has two questions."""
    from embedlab.evaluate.pipeline import SearchRun
    from embedlab.evaluate.tune import decide

    # 20 outcomes: "other" ranks the answer first where the defaults rank it second on 6, the reverse on 2
    better, worse = set(range(6)), {6, 7}
    slots = [s for s in range(20) for _ in range(2)]  # every outcome twice: 40 questions

    def runs(doc_of):
        def run(first):
            ranks = [[doc_of[i], "x"] if slots[i] in first else ["x", doc_of[i]] for i in range(40)]
            return SearchRun([f"q{i}" for i in range(40)], ranks, [{doc_of[i]: 1} for i in range(40)], 1.0)

        base = set(range(6, 20))
        return {"defaults": run(base), "other": run((base - worse) | better)}

    options = {"defaults": {}, "other": {"mode": "bm25"}}
    alone = decide(runs([f"d{i}" for i in range(40)]), options)  # 40 passages: 40 pieces of evidence
    twins = decide(runs([f"p{slots[i]}" for i in range(40)]), options)  # 20 passages, two questions each
    assert alone.adopted and alone.chosen == {"mode": "bm25"}
    # half the evidence: the folds' one-SE choices stay with the defaults more often, and the bar is wider
    assert twins.cv_gain <= alone.cv_gain and twins.cv_se > alone.cv_se
    assert not twins.adopted and "kept the defaults" in twins.reason


def test_the_choice_is_the_setting_closest_to_the_defaults_within_one_se_of_the_best():
    import numpy as np

    from embedlab.evaluate.tune import _choose

    defaults = np.random.default_rng(0).uniform(0.3, 0.7, 60)
    swing = 0.01 + 0.2 * (-1.0) ** np.arange(60)  # +0.01 on average, +-0.2 on every query: SE 0.026
    near = defaults + np.where(np.arange(60) % 3 == 0, 0.3, 0.0)  # +0.1 on average, changing 20 queries
    far = near + swing  # a hair better still, changing every query
    scores = {"defaults": defaults, "far": far, "near": near}
    assert far.mean() > near.mean()  # the argmax would move to "far"
    assert _choose(scores) == "near"
    assert _choose({"defaults": defaults, "far": far}) == "far"  # clearly better than the defaults: taken
    assert _choose({"defaults": defaults, "noise": defaults + swing}) == "defaults"
    assert _choose(scores, subset=list(range(30))) == "near"  # judged on half the queries
    assert _choose(scores, subset=list(range(0, 60, 2))) == "far"  # where "far" gains 0.21 on every query
