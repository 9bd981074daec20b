"""`embedlab train --architecture dual` end to end: recipe keys, artefacts, routing, and resume (the trainer is the
training helper's; these tests check that the dual model goes through it whole)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from testsupport import shared_path

RECIPE = """
architecture = "dual"
epochs = 2
batch_size = 8
learning_rate = 0.003
keep_best = false
seed = 3

[dual]
from_scratch = true
layers = 2
hidden = 64
heads = 2
max_length = 64
vocab_size = 800
pooling = "mean"
symmetric = true
"""


def _data(path) -> str:
    # Evaluated on its own training pairs: a from-scratch model starts random, and on 30 held-out passages a few
    # steps may not beat the random start, in which case the trainer would ship the "base" (random) model.
    return f'train = "{path}"\neval = "{path}"\n'


@pytest.fixture(autouse=True)
def _tokenizer_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))


@pytest.fixture()
def small_ir(tmp_path):
    """30 aims_qa passages (cut to 300 characters) and their 60 questions, as IR JSON."""
    data = json.loads(shared_path("aims_qa", "train_dataset.json").read_text(encoding="utf-8"))
    docs = list(data["corpus"])[:30]
    relevant = {q: d for q, d in data["relevant_docs"].items() if d[0] in docs}
    small = {
        "queries": {q: data["queries"][q] for q in relevant},
        "corpus": {d: data["corpus"][d][:300] for d in docs},
        "relevant_docs": relevant,
    }
    path = tmp_path / "qa.json"
    path.write_text(json.dumps(small), encoding="utf-8")
    return path


@pytest.mark.slow
def test_embedlab_train_architecture_dual_from_scratch(cli, small_ir, tmp_path):
    from sentence_transformers import SentenceTransformer

    recipe = tmp_path / "recipe.toml"
    recipe.write_text(_data(small_ir) + RECIPE, encoding="utf-8")
    out = tmp_path / "dual-model"
    code, _, err = cli("train", recipe, "-o", out)
    assert code == 0, err
    for name in ("router_config.json", "recipe.toml", "metrics.json", "curves.csv", "README.md"):
        assert (out / name).is_file(), name
    assert (out / "query_0_Transformer" / "tokenizer.json").is_file()
    effective = (out / "recipe.toml").read_text()
    assert 'architecture = "dual"' in effective and "[dual]" in effective and "from_scratch = true" in effective
    rows = [line.split(",") for line in (out / "curves.csv").read_text().splitlines()]
    assert rows[0][:3] == ["step", "epoch", "loss"]
    losses = [float(r[2]) for r in rows[1:] if r[2]]
    assert len(losses) >= 2

    model = SentenceTransformer(str(out), device="cpu")
    assert type(model[0]).__name__ == "Router"
    assert model[0].sub_modules["query"][0].model.config.hidden_size == 64
    text = "Who wrote the guide?"
    q, d = model.encode_query([text])[0], model.encode_document([text])[0]
    assert float(np.abs(q - d).max()) > 1e-4  # trained apart: each tower its own function


@pytest.mark.slow
def test_dual_run_resumes_to_the_same_model(small_ir, tmp_path):
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import TrainerCallback

    from embedlab.train.recipe import load_recipe
    from embedlab.train.trainer import checkpoints_dir, last_checkpoint, train

    recipe_file = tmp_path / "recipe.toml"
    recipe_file.write_text(_data(small_ir) + "save_steps = 2\n" + RECIPE, encoding="utf-8")

    class Interrupt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 3:  # checkpoint-2 is on disk, step 3 is lost
                raise KeyboardInterrupt

    full = train(load_recipe(recipe_file, output=str(tmp_path / "full"), epochs=1))
    cut = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        train(load_recipe(recipe_file, output=str(cut), epochs=1), callbacks=[Interrupt()])
    assert last_checkpoint(checkpoints_dir(cut)).name == "checkpoint-2"
    # The from-scratch towers are rebuilt on resume: the cached corpus tokenizer gives them the same token ids.
    resumed = train(load_recipe(recipe_file, output=str(cut), epochs=1), resume=True)
    assert resumed.hparams["steps"] == full.hparams["steps"]
    a = SentenceTransformer(str(full.output), device="cpu")
    b = SentenceTransformer(str(cut), device="cpu")
    assert a[0].tokenizer.get_vocab() == b[0].tokenizer.get_vocab()
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-5), name


def test_unknown_dual_key_is_one_line_before_training(cli, small_ir, tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(_data(small_ir) + RECIPE + "no_such_key = 1\n", encoding="utf-8")
    code, _, err = cli("train", recipe, "-o", tmp_path / "never")
    assert code == 2
    assert "dual.no_such_key" in err and "Traceback" not in err
    assert not (tmp_path / "never").exists()


@pytest.mark.slow
def test_learned_temperature_trains_through_embedlab_train(small_ir, tmp_path):
    # The trainer must hand the learned log-scale its own learning rate (dual_learning_rate_mapping); at the towers'
    # rate it would not move measurably in a few steps.
    from embedlab.train import train
    from embedlab.train.recipe import load_recipe

    recipe_file = tmp_path / "recipe.toml"
    text = _data(small_ir) + RECIPE.replace("epochs = 2", "epochs = 1").replace(
        "symmetric = true", "learn_temperature = true"
    )
    recipe_file.write_text(text + "temperature_learning_rate = 0.05\n", encoding="utf-8")
    recipe = load_recipe(recipe_file, output=str(tmp_path / "out"))
    from transformers import TrainerCallback

    seen: dict[str, list[float]] = {}

    class Grab(TrainerCallback):
        def on_step_end(self, args, state, control, optimizer=None, **kwargs):
            seen["initial_lrs"] = [g.get("initial_lr", g["lr"]) for g in optimizer.param_groups]

    result = train(recipe, callbacks=[Grab()])
    assert result.loss == "dual"
    # One optimizer group holds the log-scale alone, at its own learning rate.
    assert 0.05 in seen["initial_lrs"]
