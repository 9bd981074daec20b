"""Batch similarity: question x answer softmax per row, one panel per model; a real model beats toy vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from explorefixtures import tiny_kv  # noqa: F401 - fixture

from embedlab.errors import InputError
from embedlab.explore import batch_figure, batch_similarity
from embedlab.explore.batch_similarity import load_pairs
from embedlab.models.encoder import SentenceEncoder, load_encoder
from testsupport import shared_path


def test_batch_similarity_on_aims_qa(minilm, minilm_path, tmp_path, tiny_kv):  # noqa: F811
    data = json.loads(shared_path("aims_qa", "train_dataset.json").read_text())
    pairs = tmp_path / "pairs.jsonl"
    with pairs.open("w") as fh:
        for qid in list(data["relevant_docs"])[::60][:8]:
            fh.write(
                json.dumps({"question": data["queries"][qid], "answer": data["corpus"][data["relevant_docs"][qid][0]]})
                + "\n"
            )
    models = [load_encoder(tiny_kv), SentenceEncoder(minilm, "minilm", minilm_path)]
    results, questions, answers = batch_similarity(models, pairs, batch_size=8)
    assert len(questions) == len(answers) == 8
    for r in results:
        assert r.probs.shape == (8, 8) and np.allclose(r.probs.sum(axis=1), 1.0)
    assert results[1].diagonal_prob > results[0].diagonal_prob and results[1].accuracy >= 0.5
    fig = batch_figure(results, questions, answers)
    assert len(fig.data) == 2  # one panel per model, side by side


def test_pairs_errors(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("foo,bar\na,b\n")
    with pytest.raises(InputError, match="missing column for the query"):
        load_pairs(f)
    g = tmp_path / "one.jsonl"
    g.write_text('{"question": "q", "answer": "a"}\n')
    with pytest.raises(InputError, match="at least two pairs"):
        load_pairs(g)
