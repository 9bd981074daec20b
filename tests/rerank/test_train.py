"""Training a (tiny) reranker for real: mined negatives, BCE and listwise losses, reranking evaluation."""

from __future__ import annotations

import dataclasses
import json

import pytest

from embedlab.errors import ParameterError
from embedlab.rerank.recipe import RerankRecipe
from embedlab.rerank.train import _inverse_cloze, load_metrics, plan_reranker, split_by_passage, train_reranker
from embedlab.utils.atomic import OutputPathError


@pytest.fixture(scope="module")
def tiny_ir(shared_data):
    from embedlab.data import load_ir

    ir = load_ir(shared_data / "aims_qa" / "train_dataset.json")
    docs = sorted(ir.corpus)[:24]
    keep = [q for q, rel in ir.relevant.items() if set(rel) <= set(docs)]
    return dataclasses.replace(
        ir,
        corpus={d: ir.corpus[d] for d in docs},
        queries={q: ir.queries[q] for q in keep},
        relevant={q: ir.relevant[q] for q in keep},
    )


def test_split_by_passage_has_no_shared_passage(tiny_ir):
    train, test = split_by_passage(tiny_ir, 0.25, seed=1)
    train_pos = {d for rel in train.relevant.values() for d in rel}
    test_pos = {d for rel in test.relevant.values() for d in rel}
    assert train_pos and test_pos and not train_pos & test_pos
    assert not test_pos & set(train.corpus) and set(test.corpus) == set(tiny_ir.corpus)
    assert set(train.queries).isdisjoint(test.queries)
    with pytest.raises(ParameterError, match=r"^eval_fraction: must be between 0 and 1"):
        split_by_passage(tiny_ir, 1.5)
    again, _ = split_by_passage(tiny_ir, 0.25, seed=1)
    assert again.queries == train.queries  # the data layer's split: same seed, same split


def test_inverse_cloze_queries_come_from_their_passage(tiny_ir):
    from embedlab.data.pairs_from_corpus import split_sentences

    long = [(d, t) for d, t in tiny_ir.corpus.items() if len(split_sentences(t)) >= 8][:4]
    assert len(long) == 4
    corpus = dict([*long, ("short", "One sentence only, too short to leave context.")])
    pairs = _inverse_cloze(corpus, 2, 1.0, seed=0)
    assert len(pairs) == 8 and len({q for q, _ in pairs}) == 8  # two distinct sentences of each long passage

    def words(text: str) -> str:
        return " ".join(text.split())

    for query, positive in pairs:
        assert positive in corpus.values() and words(query) in words(positive)  # the passage exactly as indexed
    dropped = _inverse_cloze(corpus, 2, 0.0, seed=0)
    assert all(words(q) not in words(p) and p not in corpus.values() for q, p in dropped)


def test_plan_bounds_every_pair_and_estimates_the_cost(tiny_ir, tmp_path):
    base = RerankRecipe(output=str(tmp_path / "rr"), num_negatives=2, corpus_queries=2, seed=3)
    free = plan_reranker(base, tiny_ir)
    assert free.labelled > 0 and len(free.pairs) > free.labelled  # pseudo-queries added
    p = plan_reranker(base.override(max_pairs=12), tiny_ir)
    assert len(p.pairs) == 12 and 0 < p.labelled < 12  # labelled and pseudo-queries together within the cap
    assert p.examples == 12 * 3 and p.steps == 3  # bce: each pair and its 2 negatives, batches of 16
    line = p.describe()
    assert "12 training pairs" in line and f"{p.labelled} labelled" in line and "steps" in line and "min" in line
    listwise = plan_reranker(base.override(max_pairs=12, loss="lambda"), tiny_ir)
    assert listwise.examples == 12 and listwise.steps == 1


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["bce"])  # listwise losses share the code path but for the data format
def test_tiny_training_runs_and_reports(tiny_ir, minilm, tmp_path, loss, capsys):
    from rich.console import Console

    out = tmp_path / f"rr-{loss}"
    console = Console(stderr=True, width=200)
    metrics = train_reranker(
        tiny_ir,
        out,
        bi_encoder=minilm,
        loss=loss,
        num_negatives=2,
        max_pairs=16,
        batch_size=8,
        max_length=64,
        eval_top_k=5,
        eval_fraction=0.25,
        corpus_queries=1,
        keep_best=False,
        show_progress=True,
        console=console,
    )
    for stage in ("before", "after"):
        assert 0.0 <= metrics[stage]["ndcg@10"] <= 1.0 and 0.0 <= metrics[stage]["mrr@10"] <= 1.0
    assert metrics["train_pairs"] + metrics["corpus_pairs"] == 16  # --max-pairs bounds every pair
    assert metrics["train_pairs"] > 0 and metrics["corpus_pairs"] > 0 and metrics["eval_queries"] > 0
    assert metrics["head"] == "mean" and metrics["shipped"] == "reranker" and metrics["estimate"]["steps"] > 0
    assert metrics["history"], "the evaluator ran during training"
    assert load_metrics(out)["after"] == metrics["after"]
    for name in ("recipe.toml", "curves.csv", "README.md"):  # the same shape as a sentence-model run
        assert (out / name).is_file(), name
    assert "num_negatives = 2" in (out / "recipe.toml").read_text()
    err = capsys.readouterr().err
    assert "16 training pairs" in err and "{'loss'" not in err and "Metric" not in err  # no raw dicts or tables
    from embedlab.rerank.score import load_cross_encoder

    ce = load_cross_encoder(out)  # a saved CrossEncoder: loads without a fresh head
    assert len(ce.predict([("q", "p")])) == 1


@pytest.mark.slow
def test_a_reranker_that_does_not_beat_the_base_order_is_not_shipped(tiny_ir, minilm, tmp_path):
    from embedlab.errors import ModelNotFoundError
    from embedlab.rerank.score import load_cross_encoder

    out = tmp_path / "untrained"
    # a learning rate too small to move the fresh head: its order is noise, worse than the bi-encoder's
    metrics = train_reranker(
        tiny_ir, out, bi_encoder=minilm, num_negatives=2, max_pairs=8, batch_size=8, max_length=64,
        eval_top_k=5, eval_fraction=0.25, learning_rate=1e-12,
    )  # fmt: skip
    assert metrics["after"]["ndcg@10"] <= metrics["before"]["ndcg@10"]
    assert (
        metrics["shipped"] == "base-order"
        and json.loads((out / "metrics.json").read_text())["shipped"] == "base-order"
    )
    assert not (out / "config.json").exists() and (out / "README.md").is_file()
    with pytest.raises(ModelNotFoundError, match="holds no reranker"):
        load_cross_encoder(out)


def test_bad_options(tiny_ir, tmp_path):
    for option, value, message in (
        ("loss", "hinge", "unknown loss 'hinge'"),
        ("num_negatives", 0, "must be at least 1"),
        ("keep_sentence", 2.0, "must be between 0 and 1"),
        ("learning_rate", -1.0, "must be in (0, 1)"),
        ("learning_rate", float("nan"), "must be in (0, 1)"),
        ("epochs", "many", "expected a number"),
        ("max_pairs", 0, "must be at least 1"),
    ):
        with pytest.raises(ParameterError) as info:
            train_reranker(tiny_ir, tmp_path / "x", **{option: value})
        assert info.value.param == option and message in str(info.value)
    with pytest.raises(ParameterError, match=r"^head: unknown head"):
        train_reranker("no-such-file.json", tmp_path / "x", head="max")  # before reading
    with pytest.raises(ParameterError, match=r"^nosuch: unknown recipe key"):
        train_reranker(tiny_ir, tmp_path / "x", nosuch=1)


def test_cli_refuses_before_training(cli, tmp_path, shared_data):
    data = shared_data / "aims_qa" / "train_dataset.json"
    code, _, stderr = cli("rerank", "train", tmp_path / "nope.json", "-o", tmp_path / "out")
    assert code == 2 and "nope.json: IR data not found" in stderr
    code, _, stderr = cli("rerank", "train", data, "-o", tmp_path / "out", "--lr", "-1")
    assert code == 2 and "option --lr: must be in (0, 1), got -1.0" in stderr and len(stderr.strip().splitlines()) == 1
    code, _, stderr = cli("rerank", "train", data, "-o", tmp_path / "out", "--negatives", "0")
    assert code == 2 and "option --negatives: must be at least 1" in stderr
    code, _, stderr = cli("rerank", "train", data, "-o", tmp_path / "out", "--loss", "hinge")
    assert code == 2 and "hinge" in stderr
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    code, _, stderr = cli("rerank", "train", data, "-o", mine)
    assert code == 2 and "is not an embedlab reranker output" in stderr and (mine / "notes.txt").read_text() == "keep"
    recipe = tmp_path / "r.toml"
    recipe.write_text('epochs = "many"\n')
    code, _, stderr = cli("rerank", "train", data, "-o", tmp_path / "out", "--recipe", recipe)
    assert code == 2 and "r.toml:1: recipe key 'epochs': expected a number, got 'many'" in stderr
    with pytest.raises(OutputPathError):
        train_reranker(data, shared_data / "aims_qa")  # the folder holding the data
