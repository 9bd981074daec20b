"""Classification follows MTEB's protocol: same few-shot draws as mteb, and Banking77 within 0.02 of mteb's own
Banking77Classification scorer run on the same local data and model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlab.data import load_labeled_texts
from embedlab.evaluate.classification import classification_metrics, split_train_test, undersample_indices
from testsupport import shared_path


def test_undersampling_equals_mteb():
    mteb = pytest.importorskip("mteb")
    from datasets import Dataset

    rng = np.random.default_rng(0)
    labels = [str(x) for x in rng.integers(0, 5, size=200)]
    task = mteb.get_task("Banking77Classification")
    ds = Dataset.from_dict({"text": [f"t{i}" for i in range(200)], "label": labels})
    idxs = None
    expected = []
    for i in range(task.n_experiments):
        _, idxs, picked = task._undersample_data(ds, i, idxs)
        expected.append(picked)
    assert undersample_indices(labels) == expected
    assert (task.samples_per_label, task.n_experiments, task.seed) == (8, 10, 42)


def test_separable_classes_score_high():
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(3, 8)) * 5
    y = [str(i % 3) for i in range(150)]
    x = np.stack([centers[int(c)] + rng.normal(size=8) for c in y]).astype(np.float32)
    m = classification_metrics(x[:90], y[:90], x[90:], y[90:])
    assert m["accuracy"] > 0.95 and m["f1"] > 0.95


@pytest.mark.slow
def test_banking77_within_002_of_mteb(minilm, minilm_path):
    pytest.importorskip("mteb")
    from datasets import Dataset, DatasetDict

    from embedlab.evaluate.mteb_tasks import run_mteb_task
    from embedlab.models.cache import CachedEncoder
    from embedlab.models.encoder import SentenceEncoder

    texts, labels = load_labeled_texts(shared_path("banking77", "train.csv"))
    assert len(set(labels)) == len(json.loads(shared_path("banking77", "categories.json").read_text()))
    # Subsample for time (encoding is the cost): a stratified pool of 10 texts per intent to draw the 8-shot
    # training sets from, and 3 test texts per intent (231), all 77 intents.
    (pool_x, pool_y), (rest_x, rest_y) = split_train_test(texts, labels, test_size=1 - 10 * 77 / len(texts))
    (_, _), (test_x, test_y) = split_train_test(rest_x, rest_y, test_size=3 * 77 / len(rest_x))

    enc = CachedEncoder(SentenceEncoder(minilm, "minilm", minilm_path), None)
    # 3 of MTEB's 10 experiments (the first three draws, identical on both sides): the fits dominate the time.
    ours = classification_metrics(enc.encode(pool_x), pool_y, enc.encode(test_x), test_y, n_experiments=3)

    data = {"default": DatasetDict(
        train=Dataset.from_dict({"text": pool_x, "label": pool_y}),
        test=Dataset.from_dict({"text": test_x, "label": test_y}),
    )}  # fmt: skip
    ref = run_mteb_task(minilm, "Banking77Classification", data=data, n_experiments=3)
    assert abs(ours["accuracy"] - ref["accuracy"]) <= 0.02
    assert abs(ours["f1"] - ref["f1"]) <= 0.02
    assert ours["accuracy"] > 0.5  # far above chance (1/77): the embeddings separate the intents
