"""The plan's "train the way it retrieves" decision: chunk pairs for long IR passages, epochs by data size."""

from __future__ import annotations

import time

import pytest
from datasets import Dataset

from embedlab.data import IRDataset
from embedlab.data.training import TrainingData, ir_to_pairs
from embedlab.train.model_info import ModelInfo
from embedlab.train.plan import (
    CHUNK_PAIRS_LEARNING_RATE,
    LONG_SHARE,
    MAX_EPOCHS_BY_SIZE,
    describe,
    epochs_by_size,
    plan,
)
from embedlab.train.recipe import Recipe, load_recipe


@pytest.fixture(scope="module")
def tokenizer(minilm_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_path)


@pytest.fixture(scope="module")
def info(tokenizer):
    return ModelInfo(n_params=22_713_216, max_seq_length=256, position_limit=512, dim=384, tokenizer=tokenizer)


def _ir(n_docs: int, n: int) -> IRDataset:
    """Passages whose sentences each naming its own code word; two questions per passage, each asking
    about one sentence's code word (so the chunk that holds it is the right positive); ``n`` sentences each."""
    corpus = {
        f"d{i}": " ".join(f"Passage {i} line {j} is about the code word w{i}x{j} and nothing else." for j in range(n))
        for i in range(n_docs)
    }
    queries, relevant = {}, {}
    for i in range(n_docs):
        for j in (1, n - 2):
            queries[f"q{i}-{j}"] = f"Which line mentions w{i}x{j}?"
            relevant[f"q{i}-{j}"] = {f"d{i}": 1}
    return IRDataset(queries, corpus, relevant, name="toy")


def _recipe(tmp_path, **kw) -> Recipe:
    return Recipe(**({"train": "toy.json", "output": str(tmp_path / "out")} | kw))


def test_epochs_by_size_aims_at_about_50_steps():
    assert epochs_by_size(372, 32) == 4  # 12 steps an epoch: 48 steps
    assert epochs_by_size(414, 32) == 4  # 13 steps an epoch: 52 steps
    assert epochs_by_size(1600, 32) == 1  # 50 steps in one epoch
    assert epochs_by_size(100_000, 32) == 1  # never below one epoch
    assert epochs_by_size(40, 32) == MAX_EPOCHS_BY_SIZE  # 2 steps an epoch: capped


def test_long_passages_train_on_chunk_pairs(tmp_path, info):
    data = ir_to_pairs(_ir(40, 30), "toy.json")  # ~30 sentences of ~20 tokens: every passage exceeds 256 tokens
    plan(_recipe(tmp_path), data, model_info=info)  # imports once
    start = time.process_time()  # CPU time: a loaded shared machine does not make the test fail
    p = plan(_recipe(tmp_path), data, model_info=info)
    assert time.process_time() - start < 1.0  # still no model: chunking and BM25 only (~0.2 s)
    assert p.chunk_pairs.used and p.chunk_pairs.long_share == 1.0
    assert "100% of the passages exceed the model's 256 tokens" in p.chunk_pairs.why
    assert any(line.startswith("[bold]training rows:[/bold] 100%") for line in describe(p))
    # one row per (question, passage); the positive is the chunk of its passage that holds the code word
    assert len(p.train) == 72 and p.train.group_keys is not None and p.train.ir is not None
    for anchor, positive, doc in zip(
        p.train.dataset["anchor"], p.train.dataset["positive"], p.train.group_keys, strict=True
    ):
        word = anchor.split()[-1].rstrip("?")
        assert word in positive and positive in p.train.ir.corpus[doc] and positive != p.train.ir.corpus[doc]
    # the measured recipe: lr 5e-5, epochs for about 50 steps, keep-best by chunk scoring
    assert p.learning_rate == CHUNK_PAIRS_LEARNING_RATE and p.recipe.learning_rate == CHUNK_PAIRS_LEARNING_RATE
    assert p.recipe.epochs == epochs_by_size(72, 32) == 10 and p.total_steps == 30
    assert p.recipe.chunk_eval and p.evaluator == "chunked-ir" and p.keep_best
    assert "chunk pairs (the measured recipe): lr 5e-05, epochs for about 50 steps" in p.defaults_why


def test_the_user_s_epochs_and_learning_rate_win(tmp_path, info):
    p = plan(_recipe(tmp_path, epochs=2, learning_rate=1e-5), ir_to_pairs(_ir(40, 30), "toy.json"), model_info=info)
    assert p.chunk_pairs.used and p.recipe.epochs == 2 and p.learning_rate == 1e-5
    assert "measured recipe" not in p.defaults_why


def test_short_passages_train_whole(tmp_path, info):
    p = plan(_recipe(tmp_path), ir_to_pairs(_ir(40, 3), "toy.json"), model_info=info)
    assert not p.chunk_pairs.used and p.chunk_pairs.long_share == 0.0
    assert f"(< {LONG_SHARE:.0%}): trained on whole passages" in p.chunk_pairs.why
    assert p.recipe.epochs == 1.0 and p.learning_rate == 2e-5 and p.evaluator == "ir"
    assert p.train.dataset["positive"][0] in p.train.ir.corpus.values()


def test_turned_off_unknown_tokenizer_and_plain_pairs(tmp_path, info):
    data = ir_to_pairs(_ir(40, 30), "toy.json")
    off = plan(_recipe(tmp_path, chunk_pairs=False), data, model_info=info)
    assert not off.chunk_pairs.used and "chunk_pairs = false" in off.chunk_pairs.why and off.recipe.epochs == 1.0
    assert off.train.dataset["positive"][0] in data.ir.corpus.values()
    blind = plan(_recipe(tmp_path), data, model_info=ModelInfo(n_params=22_713_216, max_seq_length=256))
    assert not blind.chunk_pairs.used and "unknown" in blind.chunk_pairs.why
    rows = {"anchor": [f"q{i}" for i in range(64)], "positive": [f"p{i}" for i in range(64)]}
    plain = plan(_recipe(tmp_path), TrainingData("pairs", Dataset.from_dict(rows), "p.jsonl"), model_info=info)
    assert not plain.chunk_pairs.used and not any(line.startswith("[bold]training rows") for line in describe(plain))


def test_recipe_key_turns_chunk_pairs_off(tmp_path):
    path = tmp_path / "recipe.toml"
    path.write_text('train = "toy.json"\nchunk_pairs = false\n')
    recipe = load_recipe(path)
    assert recipe.chunk_pairs is False and recipe.epochs is None
    assert load_recipe(None).chunk_pairs is True


@pytest.mark.slow
def test_a_run_trains_on_chunks_chosen_by_the_base_model_and_says_so(tmp_path, minilm_path):
    import json

    from embedlab.data.split import write_ir_json
    from embedlab.train import train

    data = write_ir_json(_ir(40, 30), tmp_path / "toy.json")
    out = tmp_path / "model"
    result = train(Recipe(model=minilm_path, train=str(data), output=str(out), max_steps=2))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["chunk_pairs"]["used"] and metrics["chunk_pairs"]["long_share"] == 1.0
    assert metrics["train_rows"] == 72 and result.shipped in ("trained", "base")
    recipe = load_recipe(out / "recipe.toml")
    assert recipe.chunk_pairs and recipe.chunk_eval and recipe.learning_rate == CHUNK_PAIRS_LEARNING_RATE
    assert recipe.epochs == 10
