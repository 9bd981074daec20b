"""Training a (tiny) reranker for real: mined negatives, BCE and listwise losses, reranking evaluation."""

from __future__ import annotations

import dataclasses

import pytest

from embedlab.errors import OptionError
from embedlab.rerank.train import _inverse_cloze, load_metrics, split_by_passage, train_reranker


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
    with pytest.raises(OptionError, match="--eval-fraction"):
        split_by_passage(tiny_ir, 1.5)


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


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["bce"])  # listwise losses share the code path but for the data format
def test_tiny_training_runs_and_reports(tiny_ir, minilm, tmp_path, loss):
    out = tmp_path / f"rr-{loss}"
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
    )
    for stage in ("before", "after"):
        assert 0.0 <= metrics[stage]["ndcg@10"] <= 1.0 and 0.0 <= metrics[stage]["mrr@10"] <= 1.0
    assert metrics["train_pairs"] == 16 and metrics["eval_queries"] > 0
    assert metrics["corpus_pairs"] > 0 and metrics["head"] == "mean"
    assert metrics["history"], "the evaluator ran during training"
    assert load_metrics(out)["after"] == metrics["after"]
    from embedlab.rerank.score import load_cross_encoder

    ce = load_cross_encoder(out)  # a saved CrossEncoder: loads without a fresh head
    assert len(ce.predict([("q", "p")])) == 1


def test_bad_options(tiny_ir, tmp_path):
    with pytest.raises(OptionError, match="--loss"):
        train_reranker(tiny_ir, tmp_path / "x", loss="hinge")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="--negatives"):
        train_reranker(tiny_ir, tmp_path / "x", num_negatives=0)
    with pytest.raises(OptionError, match="--keep-sentence"):
        train_reranker(tiny_ir, tmp_path / "x", keep_sentence=2.0)
    with pytest.raises(OptionError, match="--head"):
        train_reranker("no-such-file.json", tmp_path / "x", head="max")  # type: ignore[arg-type]  # before reading


def test_cli_missing_data(cli, tmp_path):
    code, _, stderr = cli("rerank", "train", tmp_path / "nope.json", "-o", tmp_path / "out")
    assert code == 2 and "nope.json: IR data not found" in stderr
