"""Real (tiny) training runs: artefacts, keep-best never worse than the base, resume == uninterrupted, bad input."""

from __future__ import annotations

import json

import pytest

from embedlab.data.pairs_from_corpus import inverse_cloze_pairs, passages, read_documents
from embedlab.errors import InputError, ParameterError
from embedlab.train.recipe import Recipe
from embedlab.train.trainer import checkpoints_dir, last_checkpoint, train

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair_files(tmp_path_factory, gensim_test_data):
    """40 inverse-cloze training pairs and 16 held-out pairs (other passages) from the Wikipedia excerpt."""
    docs = read_documents(gensim_test_data / WIKI, limit=2)
    pairs = inverse_cloze_pairs(passages(docs, size=4, overlap=0), seed=0)
    assert len(pairs) >= 56
    d = tmp_path_factory.mktemp("pairs")
    return _write(d / "train.jsonl", pairs[:40]), _write(d / "eval.jsonl", pairs[40:56])


def _recipe(train_file, eval_file, out, **kw):
    base = dict(
        train=str(train_file),
        eval=str(eval_file),
        output=str(out),
        batch_size=8,
        max_seq_length=32,
        epochs=1,
        eval_steps=2,
        save_steps=2,
        seed=7,
    )
    return Recipe(**(base | kw))


@pytest.fixture(scope="module")
def uninterrupted(pair_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "full"
    return train(_recipe(*pair_files, out))


@pytest.mark.slow
def test_output_folder_is_a_shippable_model(uninterrupted, minilm):
    from sentence_transformers import SentenceTransformer

    r = uninterrupted
    out = r.output
    model = SentenceTransformer(str(out), device="cpu")
    assert model.encode(["hello"]).shape == (1, 384)
    for name in ("recipe.toml", "metrics.json", "curves.csv", "README.md"):
        assert (out / name).is_file(), name
    assert any((out / "runs").rglob("events.out.tfevents*"))
    assert not checkpoints_dir(out).exists()  # checkpoints are removed once the model is in place
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["primary_metric"] == "eval_cosine_ndcg@10" == r.primary
    assert metrics["after"][r.primary] >= metrics["before"][r.primary]  # keep-best: never worse than the base
    header = (out / "curves.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["step", "epoch", "loss", "learning_rate"] and "eval_cosine_ndcg@10" in header
    card = (out / "README.md").read_text()
    assert "| eval_cosine_ndcg@10 (selection metric) |" in card and "mnrl" in card and "learning_rate" in card
    assert r.loss == "mnrl" and r.hparams["learning_rate"] == 2e-5
    # the effective recipe repeats the run: defaults filled in
    assert "learning_rate = 2e-05" in (out / "recipe.toml").read_text()


@pytest.mark.slow
def test_resume_after_interruption_matches_uninterrupted_run(uninterrupted, pair_files, tmp_path):
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import TrainerCallback

    class Interrupt(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == 3:  # checkpoint-2 is on disk, step 3 is lost
                raise KeyboardInterrupt

    out = tmp_path / "resumed"
    recipe = _recipe(*pair_files, out)
    with pytest.raises(KeyboardInterrupt):
        train(recipe, callbacks=[Interrupt()])
    assert not out.exists()  # nothing half-written
    assert last_checkpoint(checkpoints_dir(out)).name == "checkpoint-2"
    r = train(recipe, resume=True)
    assert r.hparams["steps"] == uninterrupted.hparams["steps"]
    a = SentenceTransformer(str(uninterrupted.output), device="cpu")
    b = SentenceTransformer(str(out), device="cpu")
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-6), name
    assert r.after == pytest.approx(uninterrupted.after)


@pytest.mark.slow
def test_softmax_head_survives_resume(pair_files, tmp_path):
    """SoftmaxLoss trains a classifier that lives in the loss, not in the model: resuming must restore it too, or the
    encoder's updates after the checkpoint (driven through that head) differ from an uninterrupted run's."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import TrainerCallback

    labels = ["entailment", "neutral", "contradiction"]
    rows = [json.loads(x) for x in pair_files[0].read_text().splitlines()]
    nli = [{"premise": r["anchor"], "hypothesis": r["positive"], "label": labels[i % 3]} for i, r in enumerate(rows)]
    train_file = _write(tmp_path / "nli.jsonl", nli[:32])
    eval_file = _write(tmp_path / "nli-dev.jsonl", nli[32:])

    class Interrupt(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == 3:
                raise KeyboardInterrupt

    full = train(_recipe(train_file, eval_file, tmp_path / "full", keep_best=False))
    assert full.loss == "softmax"
    recipe = _recipe(train_file, eval_file, tmp_path / "resumed", keep_best=False)
    with pytest.raises(KeyboardInterrupt):
        train(recipe, callbacks=[Interrupt()])
    train(recipe, resume=True)
    a = SentenceTransformer(str(full.output), device="cpu")
    b = SentenceTransformer(str(tmp_path / "resumed"), device="cpu")
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-6), name


@pytest.mark.slow
def test_ships_the_base_model_when_training_only_hurts(pair_files, tmp_path, minilm):
    import numpy as np
    from sentence_transformers import SentenceTransformer

    rows = [json.loads(x) for x in pair_files[0].read_text().splitlines()]
    # Wrong answers: every query paired with another passage, trained hard. Held-out retrieval can only get worse.
    wrong = [{"anchor": r["anchor"], "positive": rows[(i + 7) % len(rows)]["positive"]} for i, r in enumerate(rows)]
    bad = _write(tmp_path / "wrong.jsonl", wrong)
    out = tmp_path / "never-worse"
    r = train(_recipe(bad, pair_files[1], out, learning_rate=3e-4, warmup_ratio=0.0, eval_steps=5, save_steps=5))
    assert r.shipped == "base"
    assert json.loads((out / "metrics.json").read_text())["shipped"] == "base"
    shipped = SentenceTransformer(str(out), device="cpu")
    minilm.max_seq_length = 32
    try:
        texts = ["a query about anarchism", "a passage"]
        assert np.allclose(shipped.encode(texts), minilm.encode(texts), atol=1e-5)
    finally:
        minilm.max_seq_length = 256


@pytest.mark.slow
@pytest.mark.shared_data
def test_scored_pairs_train_with_cosent_and_spearman(tmp_path):
    from testsupport import shared_path

    rows = shared_path("stsb", "sts-dev.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "sts-small.csv").write_text("\n".join(rows[:48]) + "\n", encoding="utf-8")
    r = train(
        Recipe(
            train=str(tmp_path / "sts-small.csv"),
            eval_split=0.25,
            split_by="row",
            output=str(tmp_path / "sts"),
            max_seq_length=32,
            max_steps=2,
        )
    )
    assert r.loss == "cosent" and r.primary == "eval_spearman_cosine"
    assert -1 <= r.after[r.primary] <= 1 and r.after[r.primary] >= r.before[r.primary]


@pytest.mark.slow
def test_tsdae_on_unlabeled_text_uses_cls_pooling(tmp_path, gensim_test_data):
    from sentence_transformers import SentenceTransformer

    docs = read_documents(gensim_test_data / WIKI, limit=1)
    sents = [s for p in passages(docs, size=2, overlap=0) for s in p.sentences][:16]
    (tmp_path / "sents.txt").write_text("\n".join(sents), encoding="utf-8")
    r = train(
        Recipe(train=str(tmp_path / "sents.txt"), output=str(tmp_path / "tsdae"), max_seq_length=32, max_steps=1)
    )
    assert r.loss == "tsdae" and r.before == {} and r.shipped == "trained"
    model = SentenceTransformer(str(tmp_path / "tsdae"), device="cpu")
    pooling = model[1].get_config_dict()
    assert pooling.get("pooling_mode") == "cls" or pooling.get("pooling_mode_cls_token") is True


def test_bad_input_stops_before_training(tmp_path, cli):
    small = _write(tmp_path / "small.jsonl", [{"anchor": f"q{i}", "positive": f"p{i}"} for i in range(5)])
    code, _, err = cli("train", "--train", small, "--eval-split", "0", "-o", tmp_path / "m")
    assert code == 2 and "small.jsonl: only 5 training rows for batch size 32" in err
    with pytest.raises(InputError, match="distinct positives"):
        train(
            Recipe(
                train=str(
                    _write(tmp_path / "dup.jsonl", [{"anchor": f"q{i}", "positive": "same"} for i in range(40)])
                ),
                batch_size=8,
                eval_split=0,
            )
        )
    (tmp_path / "sc.csv").write_text("sentence1,sentence2,score\na,b,0.5\nc,d,7\n")
    code, _, err = cli("train", "--train", tmp_path / "sc.csv", "--format", "scored")
    assert code == 2 and "sc.csv:3: score '7' is outside 0..1" in err
    ir = tmp_path / "ir.json"
    ir.write_text(
        json.dumps(
            {"queries": {"q1": "x", "q2": "y"}, "corpus": {"d1": "z"}, "relevant_docs": {"q1": ["d1"], "q2": []}}
        )
    )
    code, _, err = cli("train", "--train", ir)
    assert code == 2 and "ir.json" in err and "q2" in err
    dup = tmp_path / "dup.json"
    dup.write_text('{"queries": {"q1": "x", "q1": "y"}, "corpus": {"d1": "z"}, "relevant_docs": {"q1": ["d1"]}}')
    code, _, err = cli("train", "--train", dup)
    assert code == 2 and "dup.json" in err and "q1" in err
    code, _, err = cli("train", "--train", small, "--batch-size", "2", "--resume", "-o", tmp_path / "none")
    assert code == 2 and "--resume" in err and "no complete checkpoint" in err
    with pytest.raises(ParameterError, match=r"^loss: 'cosent' does not fit pairs data"):
        train(Recipe(train=str(small), loss="cosent", batch_size=2))
    empty_eval = tmp_path / "empty.jsonl"
    empty_eval.write_text("")
    code, _, err = cli("train", "--train", small, "--eval", empty_eval, "--batch-size", "2")
    assert code == 2 and "empty.jsonl" in err and "empty" in err


@pytest.mark.slow
@pytest.mark.shared_data
def test_nli_softmax_reports_accuracy_and_triplets_use_mnrl(tmp_path):
    from testsupport import shared_path

    snli = tmp_path / "snli"
    snli.mkdir()
    for stem in ("s1", "s2", "labels"):
        lines = shared_path("snli", f"{stem}.dev").read_text(encoding="utf-8").splitlines()[:60]
        (snli / f"{stem}.train").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = train(Recipe(train=str(snli), output=str(tmp_path / "nli"), max_seq_length=32, max_steps=1, split_by="row"))
    assert r.loss == "softmax" and r.primary == "eval_accuracy" and 0 <= r.after["eval_accuracy"] <= 1
    t = train(
        Recipe(
            train=str(snli),
            output=str(tmp_path / "trip"),
            nli_as_triplets=True,
            max_seq_length=32,
            max_steps=1,
            batch_size=4,
            eval_split=0,
        )
    )
    assert t.loss == "mnrl" and "hard negatives" in t.loss_reason


@pytest.mark.slow
def test_dual_architecture_trains_separate_towers(pair_files, tmp_path):
    from sentence_transformers import SentenceTransformer

    r = train(_recipe(*pair_files, tmp_path / "dual", architecture="dual", max_steps=2, keep_best=False))
    assert r.loss == "dual"
    model = SentenceTransformer(str(tmp_path / "dual"), device="cpu")
    q = model.encode_query(["who"]) if hasattr(model, "encode_query") else model.encode(["who"])
    assert q.shape[-1] > 0
    assert (tmp_path / "dual" / "router_config.json").exists()
