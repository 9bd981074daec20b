"""Evaluators by data shape, and chunked scoring of long passages."""

from __future__ import annotations

import pytest
from datasets import Dataset

from embedlab.data.training import TrainingData
from embedlab.train.evaluators import ChunkedIREvaluator, build_evaluator, chunk_texts, ir_from_pairs


def test_chunk_windows_overlap_and_cover():
    # Without a tokenizer the data layer's chunker counts words: 10 tokens leave 8 after [CLS] and [SEP].
    text = " ".join(f"w{i}" for i in range(20))
    chunks = chunk_texts([text, "short one", ""], None, 10, overlap=2)
    assert chunks[0] == [" ".join(f"w{i}" for i in r) for r in (range(0, 8), range(6, 14), range(12, 20))]
    assert chunks[1] == ["short one"] and chunks[2] == [""]


def test_ir_from_plain_pairs():
    ds = Dataset.from_dict({"anchor": ["q1", "q1", "q2"], "positive": ["p1", "p2", "p1"]})
    queries, corpus, relevant = ir_from_pairs(TrainingData("pairs", ds, "x"))
    assert len(queries) == 2 and len(corpus) == 2
    assert relevant[next(k for k, v in queries.items() if v == "q1")] == set(corpus)
    ev = build_evaluator(TrainingData("pairs", ds, "x"))
    assert type(ev).__name__ == "InformationRetrievalEvaluator"


@pytest.mark.slow
def test_chunked_evaluation_finds_the_answer_at_the_end_of_a_long_passage(minilm):
    filler = " ".join(f"The committee discussed budget item {i} at length." for i in range(40))
    corpus = {
        "long": filler + " The lighthouse keeper fed the seagulls fresh sardines every morning.",
        "d1": "Tax forms are due in April.",
        "d2": "The train leaves the station at noon.",
    }
    queries = {"q": "Who fed the seagulls sardines every morning?"}
    relevant = {"q": {"long"}}
    minilm.max_seq_length = 64
    try:
        chunked = ChunkedIREvaluator(queries, corpus, relevant, overlap=8)(minilm)
        ir = build_evaluator(
            TrainingData("pairs", Dataset.from_dict({"anchor": [queries["q"]], "positive": [corpus["long"]]}), "x")
        )
        from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

        plain = InformationRetrievalEvaluator(queries, corpus, relevant, name="eval")(minilm)
    finally:
        minilm.max_seq_length = 256
    assert ir is not None
    assert chunked["eval_cosine_accuracy@1"] == 1.0  # the answer's chunk wins
    assert chunked["eval_chunks_per_passage"] > 1
    assert plain["eval_cosine_accuracy@1"] == 0.0  # truncated at 64 tokens, the answer is cut off
