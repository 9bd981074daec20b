"""Defaults must be the gentle ones for pretrained encoders (the issue's 0.820 -> 0.662 lesson)."""

from __future__ import annotations

from embedlab.train.defaults import default_hparams


def test_small_pretrained_model_gets_2e5_with_warmup():
    d = default_hparams("cosent", n_params=22_700_000)
    assert (d.learning_rate, d.warmup_ratio) == (2e-5, 0.1)
    assert d.learning_rate < 5e-5  # never the sentence-transformers default that wrecked MiniLM


def test_large_model_scratch_and_tsdae():
    assert default_hparams("mnrl", n_params=335_000_000).learning_rate == 1e-5
    assert default_hparams("mnrl", n_params=5_000_000, pretrained=False).learning_rate == 1e-4
    tsdae = default_hparams("tsdae", n_params=22_700_000)
    assert (tsdae.learning_rate, tsdae.warmup_ratio, tsdae.batch_size) == (3e-5, 0.0, 8)


def test_in_batch_negative_losses_get_bigger_batches():
    assert default_hparams("mnrl", n_params=1).batch_size > default_hparams("cosent", n_params=1).batch_size
