"""The similarity matrix of a training batch: what in-batch-negatives training (MultipleNegativesRankingLoss) sees.

For a batch of (question, answer) pairs the loss scores every question against every answer, scales the cosine
(by 20 in sentence-transformers) and takes a softmax per row: each question should put its probability on its own
answer, the diagonal. Before training the rows are blurry; after training the diagonal lights up. With several
models (e.g. before and after fine-tuning) the panels are drawn side by side.

Example:
    >>> res = batch_similarity(["all-MiniLM-L6-v2", "runs/minilm-aims"], "pairs.jsonl", batch_size=8)
    >>> res[0].diagonal_prob, res[1].diagonal_prob
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.explore.heatmap import cosine_matrix
from embedlab.explore.output import short
from embedlab.models.encoder import Encoder, load_encoder


@dataclass
class BatchSimilarity:
    """One model's view of the batch.

    Attributes:
        model: the model name.
        cosine: question x answer cosine similarities.
        probs: row-wise softmax of ``scale * cosine``.
        accuracy: share of questions whose own answer scores highest.
        diagonal_prob: mean probability on the own answer.
    """

    model: str
    cosine: np.ndarray
    probs: np.ndarray
    accuracy: float
    diagonal_prob: float


def load_pairs(path: str | Path, *, limit: int | None = None) -> tuple[list[str], list[str]]:
    """(questions, answers) from any retrieval data :func:`embedlab.data.load_ir` reads (IR JSON, BEIR folder, a
    CSV/TSV/JSONL of question/answer pairs): each question with its first relevant answer."""
    from embedlab.data import load_ir
    from embedlab.errors import InputError

    ds = load_ir(path)
    qs = list(ds.queries.values())
    ans = [ds.corpus[next(iter(ds.relevant[qid]))] for qid in ds.queries]
    if limit:
        qs, ans = qs[:limit], ans[:limit]
    if len(qs) < 2:
        raise InputError("a batch needs at least two pairs", path=path)
    return qs, ans


def softmax_rows(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def batch_similarity(
    models: list[str | Encoder], pairs: str | Path, *, batch_size: int = 16, scale: float = 20.0
) -> tuple[list[BatchSimilarity], list[str], list[str]]:
    """Each model's question-by-answer similarity matrix over the first ``batch_size`` pairs.

    Args:
        models: model arguments or loaded encoders (e.g. the base model and the fine-tuned one).
        pairs: a file of (question, answer) pairs.
        batch_size: how many pairs make the batch.
        scale: the similarity scale of the softmax (sentence-transformers' MultipleNegativesRankingLoss uses 20).
    """
    questions, answers = load_pairs(pairs, limit=batch_size)  # validated before any model is loaded
    out = []
    for model in models:
        enc = load_encoder(model) if isinstance(model, str) else model
        # MNRL scores queries against documents: each side in its role (a two-tower model uses both towers).
        cos = cosine_matrix(enc.encode_queries(questions), enc.encode_documents(answers))
        probs = softmax_rows(scale * cos)
        diag = np.arange(len(questions))
        out.append(
            BatchSimilarity(
                enc.name, cos, probs, float((probs.argmax(axis=1) == diag).mean()), float(probs[diag, diag].mean())
            )
        )
    return out, questions, answers


def batch_figure(results: list[BatchSimilarity], questions: list[str], answers: list[str]) -> Any:
    """Side-by-side heatmaps of the per-row softmax, one panel per model."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    titles = [f"{r.model}<br>acc {r.accuracy:.2f}, diag p {r.diagonal_prob:.2f}" for r in results]
    fig = make_subplots(rows=1, cols=len(results), subplot_titles=titles, horizontal_spacing=0.08)
    qa = [f"Q{i + 1} {short(q, 30)}" for i, q in enumerate(questions)]
    aa = [f"A{i + 1}" for i in range(len(answers))]
    for i, r in enumerate(results, 1):
        fig.add_trace(
            go.Heatmap(
                z=r.probs, x=aa, y=qa, zmin=0, zmax=1, colorscale="Viridis", showscale=i == len(results),
                customdata=r.cosine,
                hovertemplate="%{y} / %{x}<br>p %{z:.3f}, cosine %{customdata:.3f}<extra></extra>",
            ),
            row=1, col=i,
        )  # fmt: skip
        fig.update_yaxes(autorange="reversed", row=1, col=i, showticklabels=i == 1)
    fig.update_layout(
        title="In-batch similarity (softmax per question row; the diagonal is the right answer)",
        height=300 + 25 * len(questions), width=max(700, 450 * len(results)), template="plotly_white",
    )  # fmt: skip
    return fig
