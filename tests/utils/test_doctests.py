"""The runnable examples in module and function docstrings give the outputs they show (doctest).

The modules listed are those whose examples run offline on their own, from any folder; the others show calls that
need a user's files, the shared data sets or a trained model, and are read, not run.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "embedlab.cli.flags",
    "embedlab.cli.options",
    "embedlab.data.chunking",
    "embedlab.data.tokens",
    "embedlab.demo.wiki_questions",
    "embedlab.dual.config",
    "embedlab.errors",
    "embedlab.evaluate.device",
    "embedlab.explore.__init__",
    "embedlab.explore.heatmap",
    "embedlab.index.local",
    "embedlab.index.settings",
    "embedlab.models.backends.lanes",
    "embedlab.models.backends.onnx_runtime",
    "embedlab.models.backends.openvino_export",
    "embedlab.models.backends.openvino_runtime",
    "embedlab.models.batching",
    "embedlab.models.encoder",
    "embedlab.models.resolve",
    "embedlab.serve.errors",
    "embedlab.serve.metrics",
    "embedlab.serve.openai_api",
    "embedlab.serve.schemas",
    "embedlab.serve.settings",
    "embedlab.train.__init__",
    "embedlab.train.defaults",
    "embedlab.train.disjoint_batches",
    "embedlab.train.recipe",
    "embedlab.utils.optional",
    "embedlab.words.preprocess",
    "embedlab.words.recipe",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_give_what_they_show(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=False)
    assert result.attempted > 0, f"{name} has no examples left to run"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} give other outputs"
