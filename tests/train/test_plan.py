"""The training plan: every decision of a run, checked without loading a model or training a step."""

from __future__ import annotations

import json
import time

import pytest
from datasets import Dataset

from embedlab.data.training import TrainingData
from embedlab.errors import InputError, ParameterError
from embedlab.train.model_info import ModelInfo, probe_model
from embedlab.train.plan import TrainingInput, checkpoints_dir, plan
from embedlab.train.recipe import Recipe
from embedlab.utils.atomic import OutputPathError

MINILM = ModelInfo(n_params=22_713_216, max_seq_length=256, position_limit=512, dim=384)


def _pairs(n: int, *, negatives: bool = False) -> TrainingData:
    cols = {"anchor": [f"question {i}" for i in range(n)], "positive": [f"passage {i}" for i in range(n)]}
    if negatives:
        cols["negative"] = [f"wrong passage {i}" for i in range(n)]
    return TrainingData("triplets" if negatives else "pairs", Dataset.from_dict(cols), "pairs.jsonl")


def _recipe(tmp_path, **kw) -> Recipe:
    return Recipe(**({"train": "pairs.jsonl", "output": str(tmp_path / "out")} | kw))


def test_pairs_get_mnrl_defaults_and_a_schedule(tmp_path):
    plan(_recipe(tmp_path, epochs=2), _pairs(200), model_info=MINILM)  # imports once
    start = time.perf_counter()
    p = plan(_recipe(tmp_path, epochs=2), _pairs(200), model_info=MINILM)
    assert time.perf_counter() - start < 0.5  # a plan is cheap: no model, no training
    assert p.loss == "mnrl" and "negatives" in p.loss_reason and p.no_duplicates
    assert (p.batch_size, p.learning_rate, p.warmup_ratio) == (32, 2e-5, 0.1)
    # 10% held out by the data layer's split: 180 rows train, 20 evaluate
    assert p.eval_from == "held-out" and len(p.train) == 180 and len(p.eval) == 20
    assert p.steps_per_epoch == 6 and p.total_steps == 12 and p.warmup_steps == 2
    assert p.eval_steps == 6 == p.save_steps and p.evaluator == "ir" and p.keep_best
    assert p.recipe.learning_rate == 2e-5 and p.recipe.batch_size == 32 and p.recipe.max_seq_length == 256
    assert p.output == tmp_path / "out" and p.checkpoints == checkpoints_dir(tmp_path / "out")


def test_held_out_split_is_the_data_layers_and_deterministic(tmp_path):
    from embedlab.data.split import split_rows

    data = _pairs(200)
    a = plan(_recipe(tmp_path, split_by="row"), data, model_info=MINILM)
    b = plan(_recipe(tmp_path, split_by="row"), data, model_info=MINILM)
    assert a.eval.dataset["anchor"] == b.eval.dataset["anchor"]
    idx = split_rows(list(range(200)), {"train": 0.9, "eval": 0.1}, seed=42, source="pairs.jsonl")
    assert a.eval.dataset["anchor"] == [f"question {i}" for i in idx["eval"]]
    other = plan(_recipe(tmp_path, split_by="row", seed=1), data, model_info=MINILM)
    assert other.eval.dataset["anchor"] != a.eval.dataset["anchor"]


def test_eval_file_and_no_split(tmp_path):
    p = plan(_recipe(tmp_path), TrainingInput(_pairs(64), _pairs(8)), model_info=MINILM)
    assert p.eval_from == "file" and len(p.train) == 64 and len(p.eval) == 8
    q = plan(_recipe(tmp_path, eval_split=0.0), _pairs(64), model_info=MINILM)
    assert q.eval is None and q.evaluator is None and not q.keep_best
    assert any("last checkpoint is shipped" in n for n in q.notes)


@pytest.mark.parametrize(
    ("data", "loss", "evaluator"),
    [
        (
            TrainingData(
                "scored",
                Dataset.from_dict({"sentence1": ["a"] * 40, "sentence2": ["b"] * 40, "score": [0.5] * 40}),
                "s",
            ),
            "cosent",
            "similarity",
        ),
        (
            TrainingData(
                "nli", Dataset.from_dict({"premise": ["a"] * 40, "hypothesis": ["b"] * 40, "label": [0] * 40}), "n"
            ),
            "softmax",
            "nli",
        ),
        (TrainingData("text", Dataset.from_dict({"text": [f"t{i}" for i in range(40)]}), "t"), "tsdae", None),
        (_pairs(40, negatives=True), "mnrl", "triplet"),
    ],
)
def test_loss_and_evaluator_follow_the_data_shape(tmp_path, data, loss, evaluator):
    p = plan(_recipe(tmp_path, split_by="row"), data, model_info=MINILM)
    assert p.loss == loss and p.evaluator == evaluator
    if loss == "tsdae":  # unlabeled text: nothing held out, TSDAE's own settings
        assert p.eval is None and p.batch_size == 8 and p.learning_rate == 3e-5 and p.warmup_ratio == 0.0


def test_model_size_and_from_scratch_pick_the_learning_rate(tmp_path):
    big = plan(_recipe(tmp_path), _pairs(64), model_info=ModelInfo(n_params=300_000_000))
    assert big.learning_rate == 1e-5 and "large" in big.defaults_why
    scratch = plan(_recipe(tmp_path), _pairs(64), model_info=ModelInfo(pretrained=False))
    assert scratch.learning_rate == 1e-4
    given = plan(_recipe(tmp_path, learning_rate=5e-5, batch_size=16), _pairs(64), model_info=MINILM)
    assert given.learning_rate == 5e-5 and given.batch_size == 16


def test_epochs_max_steps_and_eval_steps(tmp_path):
    p = plan(_recipe(tmp_path, epochs=2.5, batch_size=10, eval_split=0.0), _pairs(100), model_info=MINILM)
    assert p.steps_per_epoch == 10 and p.total_steps == 25
    q = plan(_recipe(tmp_path, max_steps=7, eval_steps=3, save_steps=6), _pairs(100), model_info=MINILM)
    assert q.total_steps == 7 and q.eval_steps == 3 and q.save_steps == 6
    with pytest.raises(ParameterError, match=r"^save_steps: must be a multiple of eval_steps"):
        plan(_recipe(tmp_path, eval_steps=3, save_steps=4), _pairs(100), model_info=MINILM)


def test_batch_guards(tmp_path):
    with pytest.raises(ParameterError, match=r"^batch_size: 1 leaves the mnrl loss no in-batch negatives"):
        plan(_recipe(tmp_path, batch_size=1), _pairs(64), model_info=MINILM)
    # with hard negatives a batch of one still has a negative to learn from
    assert plan(_recipe(tmp_path, batch_size=1), _pairs(64, negatives=True), model_info=MINILM).batch_size == 1
    with pytest.raises(InputError, match="only 18 training rows for batch size 32"):
        plan(_recipe(tmp_path), _pairs(20), model_info=MINILM)
    dup = TrainingData(
        "pairs", Dataset.from_dict({"anchor": [f"q{i}" for i in range(40)], "positive": ["p"] * 40}), "d"
    )
    with pytest.raises(InputError, match="distinct positives"):
        plan(_recipe(tmp_path, batch_size=8, eval_split=0.0), dup, model_info=MINILM)


def test_sequence_length_and_loss_checks(tmp_path):
    with pytest.raises(ParameterError, match=r"^max_seq_length: 1024 exceeds the model's position limit of 512"):
        plan(_recipe(tmp_path, max_seq_length=1024), _pairs(64), model_info=MINILM)
    with pytest.raises(ParameterError, match=r"^loss: 'cosent' does not fit pairs data"):
        plan(_recipe(tmp_path, loss="cosent"), _pairs(64), model_info=MINILM)
    with pytest.raises(ParameterError, match=r"^matryoshka_dims: dimensions must be at most the model's 384"):
        plan(_recipe(tmp_path, matryoshka_dims=[512]), _pairs(64), model_info=MINILM)
    chunked = plan(_recipe(tmp_path, chunk_eval=True), _pairs(64), model_info=MINILM)
    assert chunked.evaluator == "chunked-ir"


def test_output_folder_is_checked_first(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(OutputPathError, match="is not an embedlab sentence-model output"):
        plan(_recipe(tmp_path, output=str(mine)), _pairs(64), model_info=MINILM)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "pairs.jsonl").write_text("")
    with pytest.raises(OutputPathError, match="holds the input"):
        plan(
            _recipe(tmp_path, train=str(data_dir / "pairs.jsonl"), output=str(data_dir)), _pairs(64), model_info=MINILM
        )
    assert (mine / "notes.txt").read_text() == "keep"


def test_probe_reads_the_model_without_loading_it(minilm_path, minilm):
    info = probe_model(Recipe(model=str(minilm_path), train="x"))
    assert info.n_params == sum(p.numel() for p in minilm.parameters())
    assert (info.max_seq_length, info.position_limit, info.dim) == (256, 512, 384)
    assert probe_model(Recipe(train="x", architecture="dual", dual={"from_scratch": True})).pretrained is False


def test_cli_refuses_before_training(cli, tmp_path):
    rows = [{"anchor": f"q{i}", "positive": f"p{i}"} for i in range(40)]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, _, err = cli("train", "--train", data, "--batch-size", "1", "-o", tmp_path / "m")
    assert code == 2 and "option --batch-size: 1 leaves the mnrl loss no in-batch negatives" in err
    assert len(err.strip().splitlines()) == 1
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("keep")
    code, _, err = cli("train", "--train", data, "-o", occupied)
    assert code == 2 and "is not an embedlab sentence-model output" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("train", "--train", data, "-o", tmp_path)  # the folder holding the data
    assert code == 2 and "holds the input" in err
    assert (occupied / "notes.txt").read_text() == "keep"


STATIC = ModelInfo(n_params=7_558_400, static=True)  # embedlab distill --pca-dims 256: 29,525 tokens x 256


def test_a_static_model_trains_at_its_own_learning_rate_and_batch(tmp_path):
    p = plan(_recipe(tmp_path), _pairs(200), model_info=STATIC)
    assert (p.loss, p.batch_size, p.learning_rate, p.warmup_ratio) == ("mnrl", 64, 0.02, 0.1)
    assert p.recipe.learning_rate == 0.02 and "static model" in p.defaults_why
    flags = plan(_recipe(tmp_path, learning_rate=0.1, batch_size=16), _pairs(200), model_info=STATIC)
    assert (flags.batch_size, flags.learning_rate) == (16, 0.1)  # the user's values win
    small = plan(_recipe(tmp_path), _pairs(60), model_info=STATIC)  # 54 training rows: no batch of 64
    assert (small.batch_size, small.learning_rate) == (32, 0.02)
    scored = TrainingData(
        "scored",
        Dataset.from_dict({"sentence1": ["a"] * 200, "sentence2": ["b"] * 200, "score": [0.5] * 200}),
        "s",
    )
    cosent = plan(_recipe(tmp_path), scored, model_info=STATIC)  # CoSENT: no rate measured better than 2e-5
    assert (cosent.loss, cosent.batch_size, cosent.learning_rate) == ("cosent", 16, 2e-5)
    # a transformer of the same size keeps the gentle fine-tuning rate
    assert plan(_recipe(tmp_path), _pairs(200), model_info=ModelInfo(n_params=7_558_400)).learning_rate == 2e-5


def test_probe_knows_a_static_model_folder(tmp_path):
    from embedlab.train.model_info import folder_info

    kind = "sentence_transformers.sentence_transformer.modules.static_embedding.StaticEmbedding"
    (tmp_path / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "", "type": kind}]))
    assert folder_info(tmp_path).static
    assert not probe_model(Recipe(model="all-MiniLM-L6-v2", train="x")).static
