"""DualConfig: defaults per the contract, one-line errors naming the bad option."""

from __future__ import annotations

import pytest

from embedlab.dual import DualConfig
from embedlab.errors import ParameterError


def test_defaults_match_the_contract():
    cfg = DualConfig()
    assert (cfg.query_model, cfg.document_model, cfg.from_scratch) == (None, None, False)
    assert (cfg.layers, cfg.hidden, cfg.heads, cfg.intermediate, cfg.max_length) == (2, 128, 4, None, 256)
    assert (cfg.tokenizer, cfg.vocab_size, cfg.pooling) == (None, 8000, "mean")
    assert (cfg.shared_embeddings, cfg.projection_dim, cfg.mlm_warmup_steps) == (False, None, 0)
    assert (cfg.temperature, cfg.learn_temperature, cfg.symmetric) == (0.05, False, False)


@pytest.mark.parametrize(
    ("kwargs", "option", "fragment"),
    [
        ({"hidden": 130, "heads": 4}, "dual.heads", "must divide dual.hidden (130)"),
        ({"layers": 0}, "dual.layers", "positive integer"),
        ({"temperature": 0.0}, "dual.temperature", "(0, 10]"),
        ({"pooling": "max"}, "dual.pooling", "'mean' or 'cls'"),
        ({"projection_dim": -3}, "dual.projection_dim", "positive integer"),
        ({"vocab_size": 50}, "dual.vocab_size", "at least 100"),
        ({"mlm_warmup_steps": 10}, "dual.mlm_warmup_steps", "needs from_scratch"),
        ({"from_scratch": True, "query_model": "all-MiniLM-L6-v2"}, "dual.from_scratch", "cannot be combined"),
        ({"tokenizer": "all-MiniLM-L6-v2"}, "dual.tokenizer", "only applies with from_scratch"),
    ],
)
def test_bad_values_raise_parameter_error(kwargs, option, fragment):
    with pytest.raises(ParameterError) as info:
        DualConfig(**kwargs)
    assert info.value.param == option
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_from_dict_names_an_unknown_recipe_key():
    assert DualConfig.from_dict({"from_scratch": True, "hidden": 64, "heads": 2}).hidden == 64
    with pytest.raises(ParameterError, match=r"^dual\.hiden: unknown key; known keys: .*hidden"):
        DualConfig.from_dict({"hiden": 64})


def test_to_dict_round_trips():
    cfg = DualConfig(from_scratch=True, layers=3, symmetric=True)
    assert DualConfig.from_dict(cfg.to_dict()) == cfg
