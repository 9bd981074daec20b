"""Classification on frozen embeddings, following MTEB's protocol for classification tasks.

The embeddings are not trained; a logistic regression learns the labels from few examples, so the score says how
well the embedding space separates the classes. MTEB 2.x (``mteb.abstasks.classification.AbsTaskClassification``):

* ``n_experiments = 10`` runs; in each, the training indices are shuffled by ``np.random.RandomState(seed)``
  (``seed = 42``; the same shuffle applied again to the previous run's order) and the first
  ``samples_per_label = 8`` examples of every label are kept;
* ``LogisticRegression(max_iter=100, random_state=seed)`` is fitted on their embeddings and predicts the whole test
  split;
* accuracy and macro F1 (also weighted F1) of each run are averaged over the runs.

The protocol is reproduced here on embedlab's cached embeddings; :mod:`embedlab.evaluate.mteb_tasks` runs mteb's
own scorer for comparison. Data with no test split is split first, stratified (``split_train_test``).

Example:
    >>> texts, labels = load_labeled_texts("banking77/train.csv")
    >>> tr, te = split_train_test(texts, labels)
    >>> classification_metrics(enc.encode(tr[0]), tr[1], enc.encode(te[0]), te[1])["accuracy"]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

MAIN_METRIC = "accuracy"
SAMPLES_PER_LABEL = 8
N_EXPERIMENTS = 10
SEED = 42
MAX_ITER = 100


def undersample_indices(
    labels: Sequence[str],
    *,
    samples_per_label: int = SAMPLES_PER_LABEL,
    n_experiments: int = N_EXPERIMENTS,
    seed: int = SEED,
) -> list[list[int]]:
    """The training indices of each experiment, exactly as MTEB's ``_undersample_data`` picks them."""
    idxs = list(range(len(labels)))
    runs: list[list[int]] = []
    for _ in range(n_experiments):
        # MTEB re-seeds a fresh RandomState each run and shuffles the previous run's order again.
        np.random.RandomState(seed).shuffle(idxs)
        counter: dict[str, int] = defaultdict(int)
        picked = []
        for i in idxs:
            if counter[labels[i]] < samples_per_label:
                picked.append(i)
                counter[labels[i]] += 1
        runs.append(picked)
    return runs


def split_train_test(
    texts: Sequence[str], labels: Sequence[str], *, test_size: float = 0.3, seed: int = SEED
) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]]]:
    """A stratified train/test split for data that comes as one file.

    Example:
        >>> (train_x, train_y), (test_x, test_y) = split_train_test(texts, labels)
    """
    from sklearn.model_selection import train_test_split

    x_tr, x_te, y_tr, y_te = train_test_split(
        list(texts), list(labels), test_size=test_size, random_state=seed, stratify=list(labels)
    )
    return (x_tr, y_tr), (x_te, y_te)


def classification_metrics(
    train_embeddings: np.ndarray,
    train_labels: Sequence[str],
    test_embeddings: np.ndarray,
    test_labels: Sequence[str],
    *,
    samples_per_label: int = SAMPLES_PER_LABEL,
    n_experiments: int = N_EXPERIMENTS,
    seed: int = SEED,
    max_iter: int = MAX_ITER,
) -> dict[str, float]:
    """Accuracy, macro F1 and weighted F1 of logistic regression on embeddings, averaged over MTEB's experiments.

    Args:
        train_embeddings, train_labels: the pool the few-shot training sets are drawn from.
        test_embeddings, test_labels: the evaluation split (all of it is predicted in every run).
        samples_per_label, n_experiments, seed, max_iter: MTEB's defaults (8, 10, 42, 100).

    Example:
        >>> classification_metrics(xtr, ytr, xte, yte)["f1"]
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    runs = undersample_indices(
        train_labels, samples_per_label=samples_per_label, n_experiments=n_experiments, seed=seed
    )
    y_test = list(test_labels)
    acc, f1, f1w = [], [], []
    for picked in runs:
        clf = LogisticRegression(max_iter=max_iter, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(train_embeddings[picked], [train_labels[i] for i in picked])
        pred = clf.predict(test_embeddings)
        acc.append(accuracy_score(y_test, pred))
        f1.append(f1_score(y_test, pred, average="macro"))
        f1w.append(f1_score(y_test, pred, average="weighted"))
    return {"accuracy": float(np.mean(acc)), "f1": float(np.mean(f1)), "f1_weighted": float(np.mean(f1w))}
