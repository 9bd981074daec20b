"""Negatives for (query, positive) training data, with guards against false negatives.

A *hard negative* is a passage the current model ranks high for a query but that does not answer it; training on
them teaches distinctions in-batch negatives never show. The danger is the *false negative*: an unlabeled passage
that does answer the query (a duplicate, an overlapping chunk). The guards, as in sentence-transformers'
``mine_hard_negatives`` (which this wraps for ``kind="hard"``):

* ``range_min`` / ``range_max``: only take candidates ranked in this window (skip the top few, which are most
  often unlabeled positives);
* ``absolute_margin`` / ``relative_margin``: a negative must score at least this much (or this share) below the
  positive;
* ``max_score``: never take a candidate scoring above this;
* ``cross_encoder``: rescore candidates with a cross-encoder before the margins apply.

The classic three-way split of negatives is available too: ``easy`` (random passages), ``semi-hard`` (scoring below
the positive but within ``semi_hard_window`` of it) and ``hard`` (the highest-ranked candidates that pass the guards).
Output: triplets (one negative per row) or n-tuples (``negative_1..n`` columns), ready for ``embedlab train``.

Example:
    >>> out = mine_negatives(pairs, corpus=passages, model="all-MiniLM-L6-v2", range_min=3, range_max=30,
    ...                      relative_margin=0.05, num_negatives=1)  # doctest: +SKIP
    >>> out.column_names
    ['anchor', 'positive', 'negative']
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any, Literal

from embedlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer

    from embedlab.models import Encoder

NegativeKind = Literal["hard", "semi-hard", "easy"]
OutputFormat = Literal["triplet", "n-tuple"]
Sampling = Literal["top", "random"]


def _check_options(
    kind: str,
    num_negatives: int,
    range_min: int,
    range_max: int | None,
    margins: dict[str, float | None],
    sampling: str,
    output_format: str,
) -> None:
    """Every option is checked before a model is loaded (Python parameter names; the CLI shows them as flags)."""
    for name, value, choices in (
        ("kind", kind, ("hard", "semi-hard", "easy")),
        ("sampling", sampling, ("top", "random")),
        ("output_format", output_format, ("triplet", "n-tuple")),
    ):
        if value not in choices:
            raise ParameterError(name, f"{value!r} is not one of {', '.join(choices)}")
    if num_negatives < 1:
        raise ParameterError("num_negatives", f"must be at least 1, got {num_negatives}")
    if range_min < 0:
        raise ParameterError("range_min", f"must not be negative, got {range_min}")
    if range_max is not None and range_max - range_min < num_negatives:
        raise ParameterError(
            "range_max", f"the window {range_min}..{range_max} is smaller than num_negatives ({num_negatives})"
        )
    for name, value in margins.items():
        if value is not None and not math.isfinite(value):
            raise ParameterError(name, f"must be a finite number, got {value}")
    relative = margins.get("relative_margin")
    if relative is not None and not 0 <= relative < 1:
        raise ParameterError("relative_margin", f"must be in 0..1 (a share of the positive's score), got {relative}")
    window = margins.get("semi_hard_window")
    if window is not None and window <= 0:
        raise ParameterError("semi_hard_window", f"must be above 0, got {window}")


def _candidates(dataset: Dataset, corpus: list[str] | None, num_negatives: int) -> list[str]:
    """The distinct candidate passages (``corpus``, or else the pairs' positives), after checking that the pairs
    have their columns and that there are enough candidates for ``num_negatives`` beside the positive."""
    for col in ("anchor", "positive"):
        if col not in dataset.column_names:
            raise InputError(f"pairs need an {col!r} column (have {', '.join(dataset.column_names)})")
    candidates = list(dict.fromkeys(dataset["positive"] if corpus is None else corpus))
    if len(candidates) < num_negatives + 1:
        raise InputError(f"corpus of {len(candidates)} passages is too small for {num_negatives} negatives per query")
    return candidates


def _easy(dataset: Dataset, corpus: list[str], num_negatives: int, seed: int) -> list[list[str]]:
    """Random passages that are not the row's positive (nor the query itself)."""
    rng = random.Random(seed)
    out = []
    for anchor, positive in zip(dataset["anchor"], dataset["positive"], strict=True):
        chosen: list[str] = []
        while len(chosen) < num_negatives:
            cand = corpus[rng.randrange(len(corpus))]
            if cand not in (positive, anchor) and cand not in chosen:
                chosen.append(cand)
        out.append(chosen)
    return out


def _semi_hard(
    dataset: Dataset,
    corpus: list[str],
    encoder: Encoder,
    num_negatives: int,
    window: float,
    seed: int,
    batch_size: int,
) -> list[list[str] | None]:
    """Negatives scoring below the positive but within ``window`` (cosine) of it: d(a,p) < d(a,n) < d(a,p) + window.

    Written here because ``mine_hard_negatives`` only takes candidates at least a margin *below* the positive, not a
    band just under it. Rows without such a candidate get None (dropped by the caller, and counted). Anchors are
    embedded as queries and passages as documents, through the Encoder (any backend).
    """
    import numpy as np

    rng = random.Random(seed)
    anchors = list(dataset["anchor"])
    positives = list(dataset["positive"])
    a = encoder.encode_queries(anchors, batch_size=batch_size, normalize=True)
    p = encoder.encode_documents(positives, batch_size=batch_size, normalize=True)
    c = encoder.encode_documents(corpus, batch_size=batch_size, normalize=True)
    pos_score = (a * p).sum(axis=1)
    sims = a @ c.T
    out: list[list[str] | None] = []
    for i in range(len(anchors)):
        band = np.where((sims[i] < pos_score[i]) & (sims[i] > pos_score[i] - window))[0].tolist()
        band = [j for j in band if corpus[j] != positives[i]]
        if len(band) < num_negatives:
            out.append(None)
            continue
        out.append([corpus[j] for j in rng.sample(band, num_negatives)])
    return out


def mine_negatives(
    dataset: Dataset,
    *,
    corpus: list[str] | None = None,
    model: str | Encoder | SentenceTransformer = "all-MiniLM-L6-v2",
    backend: str = "torch",
    kind: NegativeKind = "hard",
    num_negatives: int = 1,
    range_min: int = 0,
    range_max: int | None = None,
    absolute_margin: float | None = None,
    relative_margin: float | None = None,
    max_score: float | None = None,
    cross_encoder: str | None = None,
    semi_hard_window: float = 0.1,
    sampling: Sampling = "top",
    output_format: OutputFormat = "triplet",
    seed: int = 42,
    batch_size: int = 32,
    verbose: bool = False,
) -> Dataset:
    """Add negatives to (anchor, positive) rows.

    Args:
        dataset: a ``datasets.Dataset`` with ``anchor`` and ``positive`` columns; other columns (ids such as
            ``doc_id``, ``passage_id``) are carried to the output rows, negatives columns are replaced.
        corpus: candidate passages; default: the distinct positives of ``dataset``.
        model: the embedding model that ranks candidates: a model argument (loaded with
            :func:`embedlab.models.load_encoder` and ``backend``), an :class:`~embedlab.models.Encoder`, or a loaded
            ``SentenceTransformer``. Anchors are embedded as queries, passages as documents.
        backend: the backend :func:`~embedlab.models.load_encoder` uses for a model name (``torch``). ``hard``
            mining runs sentence-transformers' ``mine_hard_negatives``, which needs the encoder's
            ``SentenceTransformer`` (``encoder.model``); ``semi-hard`` works with any encoder.
        kind: ``hard`` (top candidates passing the guards), ``semi-hard`` (just below the positive) or ``easy``
            (random).
        num_negatives: negatives per row.
        range_min, range_max: rank window for hard candidates (0-based, before the guards apply).
        absolute_margin: a hard negative scores at least this much below the positive.
        relative_margin: a hard negative scores at most ``(1 - relative_margin)`` times the positive's score.
        max_score: never take a candidate above this score.
        cross_encoder: a cross-encoder model folder/name to rescore candidates (none ships offline).
        semi_hard_window: the cosine band below the positive for ``semi-hard``.
        sampling: ``top`` takes the highest-ranked candidates that pass, ``random`` samples among them.
        output_format: ``triplet`` (one row per negative) or ``n-tuple`` (``negative_1..n`` columns).
        seed: random seed (easy/semi-hard sampling, random strategy).
        batch_size: encoding batch size.

    Returns:
        A ``datasets.Dataset`` of (anchor, positive, negative) or (anchor, positive, negative_1, ...) rows. Rows for
        which no negative passes the guards are dropped (:func:`rows_without_negatives` counts them).

    Raises:
        ParameterError: an unknown kind, sampling or output format, ``num_negatives`` below 1, a window smaller
            than ``num_negatives``, a NaN or infinite margin, score or window (checked before any model is loaded).
    """
    from datasets import Dataset

    margins = {
        "absolute_margin": absolute_margin,
        "relative_margin": relative_margin,
        "max_score": max_score,
        "semi_hard_window": semi_hard_window,
    }
    _check_options(kind, num_negatives, range_min, range_max, margins, sampling, output_format)
    corpus = _candidates(dataset, corpus, num_negatives)
    if kind == "easy":
        negs: list[list[str] | None] = list(_easy(dataset, corpus, num_negatives, seed))
    else:
        from embedlab.models import as_encoder, load_encoder

        encoder = load_encoder(model, backend=backend) if isinstance(model, str) else as_encoder(model)
        if kind == "semi-hard":
            negs = _semi_hard(dataset, corpus, encoder, num_negatives, semi_hard_window, seed, batch_size)
        else:
            options = {
                "range_min": range_min,
                "range_max": range_max,
                "max_score": max_score,
                "absolute_margin": absolute_margin,
                "relative_margin": relative_margin,
                "num_negatives": num_negatives,
                "sampling_strategy": sampling,
                "output_format": output_format,
                "batch_size": batch_size,
                "verbose": verbose,
            }
            mined = _hard(dataset, corpus, encoder, cross_encoder, seed, options)
            return _carry_columns(dataset, mined)
    return _carry_columns(dataset, Dataset.from_dict(_negative_rows(dataset, negs, num_negatives, output_format)))


def _hard(
    dataset: Dataset, corpus: list[str], encoder: Encoder, cross_encoder: str | None, seed: int, options: dict
) -> Dataset:
    """Hard negatives by sentence-transformers' ``mine_hard_negatives`` on the encoder's SentenceTransformer (it
    embeds anchors with ``encode_query`` and the corpus with ``encode_document``, as the Encoder's roles do)."""
    st_model = getattr(encoder, "model", None)
    if st_model is None or not hasattr(st_model, "encode_query"):
        raise ParameterError(
            "kind",
            f"hard mining runs sentence-transformers' miner, which needs a sentence-transformers model; "
            f"{encoder.name} ({encoder.kind}, backend {encoder.backend}) is not one: use semi-hard or easy",
        )
    import numpy as np
    import torch
    from sentence_transformers.util import mine_hard_negatives

    ce = None
    if cross_encoder:
        from sentence_transformers import CrossEncoder

        from embedlab.models.resolve import resolve_model

        ce = CrossEncoder(resolve_model(cross_encoder).path)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return mine_hard_negatives(
        dataset.select_columns(["anchor", "positive"]),
        st_model,
        anchor_column_name="anchor",
        positive_column_name="positive",
        corpus=corpus,
        cross_encoder=ce,
        **options,
    )


def _negative_rows(
    dataset: Dataset, negs: list[list[str] | None], num_negatives: int, output_format: str
) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {"anchor": [], "positive": []}
    if output_format == "triplet":
        rows["negative"] = []
    else:
        for k in range(1, num_negatives + 1):
            rows[f"negative_{k}"] = []
    for anchor, positive, ns in zip(dataset["anchor"], dataset["positive"], negs, strict=True):
        if ns is None:
            continue
        if output_format == "triplet":
            for n in ns:
                rows["anchor"].append(anchor)
                rows["positive"].append(positive)
                rows["negative"].append(n)
        else:
            rows["anchor"].append(anchor)
            rows["positive"].append(positive)
            for k, n in enumerate(ns, 1):
                rows[f"negative_{k}"].append(n)
    return rows


def _carry_columns(dataset: Dataset, mined: Dataset) -> Dataset:
    """Copy the input's other columns (``doc_id``, ``passage_id``, ``query_id``...) onto the mined rows, so ids
    survive mining; each output row takes them from the first input row with its (anchor, positive)."""
    extra = [c for c in dataset.column_names if c not in ("anchor", "positive") and not c.startswith("negative")]
    if not extra:
        return mined
    first: dict[tuple[str, str], int] = {}
    for i, pair in enumerate(zip(dataset["anchor"], dataset["positive"], strict=True)):
        first.setdefault(pair, i)
    where = [first[pair] for pair in zip(mined["anchor"], mined["positive"], strict=True)]
    for col in extra:
        values = dataset[col]
        mined = mined.add_column(col, [values[i] for i in where])
    return mined


def write_rows(dataset: Dataset, path: str, fmt: Literal["jsonl", "csv", "parquet"] | None = None) -> None:
    """Write a data set as JSONL (default), CSV or Parquet, atomically, choosing by suffix when ``fmt`` is None
    (:func:`embedlab.data.records.write_records`, the one row writer)."""
    from embedlab.data.records import write_records

    write_records(dataset.to_list(), path, fmt)


def summary(rows: Any) -> str:
    """One line on a mined data set: rows and columns."""
    return f"{len(rows)} rows, columns {', '.join(rows.column_names)}"


def rows_without_negatives(pairs: Dataset, mined: Dataset) -> int:
    """How many input (anchor, positive) rows got no negative: those whose pair is absent from the output.

    Counted by (anchor, positive) pair, not by anchor, so a query asked twice, or a query with several positives,
    is not miscounted (every output row keeps its input row's anchor and positive).

    Example:
        >>> rows_without_negatives(pairs, mine_negatives(pairs, kind="easy"))  # doctest: +SKIP
        0
    """
    if len(mined) == 0:
        return len(pairs)
    got = set(zip(mined["anchor"], mined["positive"], strict=True))
    return sum(1 for pair in zip(pairs["anchor"], pairs["positive"], strict=True) if pair not in got)
