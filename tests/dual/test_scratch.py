"""Encoders from scratch: a tokenizer trained on the corpus, random weights, an optional MLM warm-up; they learn."""
# ruff: noqa: F811  (pytest fixtures imported from dual_fixtures are redefined as test arguments)

from __future__ import annotations

import pytest
from dual_fixtures import make_trainer, qa_corpus, qa_pairs  # noqa: F401  (fixtures)

from embedlab.dual import DualConfig, build_dual_model
from embedlab.errors import ParameterError


@pytest.fixture(autouse=True)
def _tokenizer_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))


def _scratch_config(**kwargs) -> DualConfig:
    base = {"from_scratch": True, "layers": 2, "hidden": 64, "heads": 2, "max_length": 96, "vocab_size": 1500}
    return DualConfig(**{**base, **kwargs})


@pytest.mark.slow
def test_from_scratch_model_trains_on_a_tiny_corpus_and_its_loss_decreases(qa_pairs, qa_corpus, tmp_path):
    cfg = _scratch_config(symmetric=True)
    model = build_dual_model(cfg, corpus=qa_corpus)
    info = model.dual_build_info
    assert info.tokenizer_source == "trained on corpus" and 300 < info.vocab_size <= 1500
    trainer, _ = make_trainer(model, cfg, qa_pairs, tmp_path / "run", epochs=4, learning_rate=3e-3)
    before = trainer.evaluate()["eval_loss"]
    trainer.train()
    after = trainer.evaluate()["eval_loss"]
    steps = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(steps) == 12
    # In-batch loss of 8 candidates starts near log(8) = 2.08 and must fall well below it.
    assert before > 1.7
    assert after < 0.7 * before, (before, after)
    assert sum(steps[-3:]) / 3 < sum(steps[:3]) / 3


@pytest.mark.slow
def test_mlm_warmup_lowers_the_masked_word_loss_and_saves_with_its_tokenizer(qa_corpus, tmp_path):
    cfg = _scratch_config(mlm_warmup_steps=25, mlm_batch_size=8, mlm_learning_rate=3e-3, pooling="cls")
    model = build_dual_model(cfg, corpus=qa_corpus)
    losses = model.dual_build_info.mlm_losses
    assert len(losses) == 25
    # a random encoder starts near log(vocabulary) (about 7) and learns the commonest words within a few steps
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.25, losses
    router = model[0]
    assert router.sub_modules["query"][1].pooling_mode == "cls"

    model.save(str(tmp_path / "m"))
    for route in ("query", "document"):
        assert (tmp_path / "m" / f"{route}_0_Transformer" / "tokenizer.json").exists()
    from sentence_transformers import SentenceTransformer

    again = SentenceTransformer(str(tmp_path / "m"), device="cpu")
    text = qa_corpus[0]
    assert again[0].tokenizer.get_vocab() == router.tokenizer.get_vocab()
    assert (again.encode_query([text]) - model.encode_query([text])).max() < 1e-5


def test_reused_tokenizer_sets_the_vocabulary():
    model = build_dual_model(_scratch_config(tokenizer="all-MiniLM-L6-v2", layers=1, hidden=32))
    info = model.dual_build_info
    assert info.vocab_size == 30522 and info.tokenizer_source == "all-MiniLM-L6-v2"
    transformer = model[0].sub_modules["document"][0]
    assert transformer.model.config.num_hidden_layers == 1 and transformer.model.config.hidden_size == 32
    assert transformer.max_seq_length == 96


def test_from_scratch_without_corpus_or_tokenizer_is_a_clear_error():
    with pytest.raises(ParameterError, match=r"^dual\.tokenizer: from scratch with no tokenizer needs a corpus"):
        build_dual_model(_scratch_config())
