"""Static embedding models: a transformer distilled into one vector per token (model2vec), optionally refined on
the user's own text (the tokenlearn recipe), saved as a sentence-transformers ``StaticEmbedding`` model.

A static model embeds a text as the mean of its tokens' vectors: no attention, no matrix products, hundreds of times
faster than the transformer it came from, at a cost in quality. model2vec's distillation embeds each token of the
vocabulary alone with the teacher, reduces the dimensions with PCA and weights tokens by frequency (SIF).
Refinement on a corpus (``corpus``) follows tokenlearn: the teacher embeds each corpus text (the mean of its token
embeddings, special tokens left out), PCA reduces those targets to the static model's width, and the token vectors,
a per-token weight and a linear head are trained with MSE so that the weighted mean of a text's token vectors maps
to its target; the folded weighted vectors become the new static model. tokenlearn itself is not used because it
pins an older transformers; its two steps are short and run here with the local teacher, offline.

The output is a sentence-transformers folder, so ``load_encoder``, ``eval``, ``index build``, ``serve`` and
``train`` (MNRL on pairs) take it like any model. The Encoder embeds with such a model through
:func:`encode_static`: the same vectors as sentence-transformers' ``encode`` (to float rounding), without its
per-batch pipeline (see :func:`encode_static` for where the time went).

Example:
    >>> report = distill_static("all-MiniLM-L6-v2", "minilm-static", pca_dims=256)
    >>> load_encoder("minilm-static").dim
    256
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import ParameterError

KIND = "static-model"

# Texts per tokenizer call on the fast path: large enough that the call's fixed cost vanishes and the tokenizer's
# threads have work to share, small enough that a million long documents do not hold all their tokens at once.
STATIC_CHUNK = 8192


@dataclass
class StaticReport:
    """What a distillation wrote: source, width, vocabulary size, and the refinement's losses (if any)."""

    source: str
    dim: int
    vocabulary: int
    corpus_texts: int = 0
    seconds: float = 0.0
    validation_loss: list[float] = field(default_factory=list)


def teacher_targets(model: Any, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
    """tokenlearn's featurize step: per text, the mean of the teacher's token embeddings without CLS and SEP."""
    rows = model.encode(texts, output_value="token_embeddings", batch_size=batch_size, show_progress_bar=False)
    out = np.zeros((len(texts), rows[0].shape[-1]), dtype=np.float32)
    for i, tokens in enumerate(rows):
        inner = tokens[1:-1] if tokens.shape[0] > 2 else tokens
        out[i] = inner.float().mean(dim=0).cpu().numpy()
    return out


def _fine_tuner(vectors: np.ndarray, out_dim: int, pad_id: int) -> Any:
    """tokenlearn's fine-tuner: unit token vectors, a per-token weight (their old norm) and a linear head."""
    import torch

    class FineTuner(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            v = torch.from_numpy(vectors).float()
            norms = v.norm(dim=1).clamp_min(1e-12)
            self.embeddings = torch.nn.Embedding.from_pretrained(v / norms[:, None], freeze=False)
            weights = norms.clone()
            weights[pad_id] = 0
            self.w = torch.nn.Parameter(weights)
            self.head = torch.nn.Linear(v.shape[1], out_dim)
            self.pad_id = pad_id

        def pooled(self, ids: torch.Tensor) -> torch.Tensor:
            keep = (ids != self.pad_id).float()
            w = self.w[ids] * keep
            summed = torch.bmm(w[:, None, :], self.embeddings(ids)).squeeze(1)
            return summed / (keep.sum(1) + 1e-16)[:, None]

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.head(self.pooled(ids))

    return FineTuner()


def _batches(ids: list[list[int]], targets: np.ndarray, order: np.ndarray, size: int, pad_id: int) -> Any:
    import torch

    for start in range(0, len(order), size):
        idx = order[start : start + size]
        width = max(1, max(len(ids[i]) for i in idx))
        x = torch.full((len(idx), width), pad_id, dtype=torch.long)
        for row, i in enumerate(idx):
            x[row, : len(ids[i])] = torch.tensor(ids[i][:width], dtype=torch.long)
        yield x, torch.from_numpy(targets[idx])


def refine(static: Any, texts: list[str], targets: np.ndarray, *, epochs: int = 30, patience: int = 3) -> list[float]:
    """tokenlearn's train step on a model2vec ``StaticModel``, in place: MSE to the PCA-reduced targets, AdamW at
    1e-3, batches of 256, a tenth of the texts (at most 10,000) held out for early stopping on their loss.

    Returns:
        The validation loss after each epoch.
    """
    import torch
    from sklearn.decomposition import PCA

    dim = static.embedding.shape[1]
    n_components = min(dim, len(texts), targets.shape[1])
    targets = PCA(n_components=n_components, random_state=0).fit_transform(targets).astype(np.float32)
    pad_id = static.tokenizer.token_to_id("[PAD]")
    pad_id = 0 if pad_id is None else pad_id
    ids = [e.ids[:512] for e in static.tokenizer.encode_batch([t[:20_000] for t in texts], add_special_tokens=False)]
    n_val = max(1, min(10_000, len(texts) // 10))
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    train_idx, val_idx = order[n_val:], order[:n_val]
    tuner = _fine_tuner(np.asarray(static.embedding, dtype=np.float32), n_components, pad_id)
    optimizer = torch.optim.AdamW(tuner.parameters(), lr=1e-3)
    best, best_state, losses, waited = float("inf"), None, [], 0
    for _ in range(epochs):
        tuner.train()
        for x, y in _batches(ids, targets, rng.permutation(train_idx), 256, pad_id):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(tuner(x), y).backward()
            optimizer.step()
        tuner.eval()
        with torch.no_grad():
            held_out = _batches(ids, targets, val_idx, 256, pad_id)
            val = [float(torch.nn.functional.mse_loss(tuner(x), y)) for x, y in held_out]
        losses.append(float(np.mean(val)))
        if best - losses[-1] > 1e-4:
            best, best_state, waited = losses[-1], {k: v.clone() for k, v in tuner.state_dict().items()}, 0
        else:
            waited += 1
            if waited >= patience:
                break
    if best_state is not None:
        tuner.load_state_dict(best_state)
    with torch.no_grad():
        # A token alone, weighted: the static vector the trained mean is made of.
        static.embedding = (tuner.embeddings.weight * tuner.w[:, None]).numpy().astype(np.float32)
    return losses


def _as_sentence_transformer(static: Any) -> Any:
    """A model2vec model as a sentence-transformers model with one ``StaticEmbedding`` module."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    with tempfile.TemporaryDirectory() as tmp:
        static.save_pretrained(tmp)
        module = StaticEmbedding.from_model2vec(tmp)
    return SentenceTransformer(modules=[module], device="cpu")


def distill_static(
    model: str,
    out: str | Path,
    *,
    pca_dims: int | None = 256,
    corpus: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> StaticReport:
    """Distil ``model`` into a static embedding model and save it as a sentence-transformers folder.

    Args:
        model: the teacher: any sentence-transformers model argument (folder, alias, hub id).
        out: the folder to write (an earlier static model may be replaced; anything else is refused).
        pca_dims: the static vectors' width (None keeps the teacher's).
        corpus: a text file (one text per line, or a table with a ``text`` column) to refine the model on.
        progress: called with a line of text at each step.

    Raises:
        ParameterError: a bad ``pca_dims`` or a teacher that is not a transformer model.
    """
    import time

    from embedlab.models.resolve import load_sentence_model, resolve_model
    from embedlab.utils.atomic import atomic_dir, check_output_dir
    from embedlab.utils.optional import require
    from embedlab.utils.progress import quiet_tqdm

    say = progress or (lambda _msg: None)
    if pca_dims is not None and pca_dims < 2:
        raise ParameterError("pca_dims", f"must be at least 2, got {pca_dims}")
    resolved = resolve_model(model)
    if resolved.kind in ("word-vectors", "glove-npy"):
        raise ParameterError("model", f"{model!r} is word vectors, already static; distil a transformer model")
    check_output_dir(out, KIND, inputs=[resolved.path, corpus])
    texts: list[str] = []
    if corpus is not None:
        from embedlab.data.texts import load_texts

        texts = [t for t in load_texts(corpus) if t.strip()]
        if len(texts) < 20:
            raise ParameterError("corpus", f"{corpus} has {len(texts)} texts; refining needs at least 20")
    distill = require("model2vec.distill", "distill").distill
    t0 = time.perf_counter()
    with atomic_dir(out, kind=KIND, inputs=[resolved.path, corpus]) as tmp, quiet_tqdm():
        say(f"distilling {model} (every token of its vocabulary through the teacher)")
        static = distill(model_name=resolved.path, pca_dims=pca_dims, quantize_to="float32", device="cpu")
        report = StaticReport(model, int(static.embedding.shape[1]), int(static.embedding.shape[0]))
        if texts:
            say(f"refining on {len(texts)} texts of {corpus}")
            teacher = load_sentence_model(model, device="cpu")
            report.validation_loss = refine(static, texts, teacher_targets(teacher, texts))
            report.corpus_texts = len(texts)
        _as_sentence_transformer(static).save(str(tmp))
    report.seconds = round(time.perf_counter() - t0, 1)
    return report


def static_parts(model: Any) -> tuple[Any, bool] | None:
    """The ``StaticEmbedding`` module of a static model on the CPU, and whether a ``Normalize`` module follows it.

    None for every other model (a transformer, a ``Router`` of towers, a static module followed by anything but
    ``Normalize``, weights on a GPU): those run through sentence-transformers as before.
    """
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    modules = list(model) if hasattr(model, "__iter__") else []
    if not modules or not isinstance(modules[0], StaticEmbedding):
        return None
    rest = [type(m).__name__ for m in modules[1:]]
    weight = modules[0].embedding.weight
    if rest not in ([], ["Normalize"]) or weight.device.type != "cpu" or str(weight.dtype) != "torch.float32":
        return None
    return modules[0], bool(rest)


def _role_prompt(model: Any, role: str) -> str | None:
    """The prompt sentence-transformers prepends for ``role`` (``encode_query``/``encode_document``'s choice)."""
    prompts = getattr(model, "prompts", None) or {}
    names = {"query": ("query",), "document": ("document", "passage", "corpus")}.get(role, ())
    name = next((n for n in names if n in prompts), None) or getattr(model, "default_prompt_name", None)
    return prompts.get(name) if name else None


def _token_means(module: Any, texts: list[str]) -> np.ndarray:
    """The mean of each text's token vectors: the ids of all ``texts`` at once, then one sparse product."""
    import scipy.sparse

    from embedlab.models.backends.static_tokens import WordPieceCache

    ids, lengths = WordPieceCache.of(module).flat_ids(texts)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    weight = module.embedding.weight.detach().numpy()
    # A (texts x vocabulary) count matrix times the table sums each text's rows in token order (as EmbeddingBag
    # does), without the (tokens x dim) gather that np.add.reduceat needs and with no per-row loop.
    counts = scipy.sparse.csr_matrix(
        (np.ones(ids.size, dtype=weight.dtype), ids, indptr), shape=(len(texts), weight.shape[0])
    )
    sums = np.asarray(counts @ weight, dtype=np.float32)
    return sums / np.maximum(lengths, 1)[:, None].astype(np.float32)  # an empty text stays the zero vector


def encode_static(model: Any, texts: list[str], *, role: str = "text", normalize: bool = False) -> np.ndarray | None:
    """Embed ``texts`` with a static sentence-transformers model as its ``encode`` would, many times faster.

    sentence-transformers runs a static model like a transformer: texts sorted by length, then per batch of 32 a
    tokenizer call, tensors built from Python lists and an ``EmbeddingBag`` call whose threads synchronise for a
    few microseconds of work (on a busy CPU, 15 ms a call). Here the whole input (in chunks of
    :data:`STATIC_CHUNK`) gets its token ids at once, from the model's own tokenizer behind a word cache
    (:class:`~embedlab.models.backends.static_tokens.WordPieceCache`: the tokenizer's ids, its truncation included),
    and the means are one sparse product; the prompt of ``role``, a ``Normalize`` module and the model's
    ``truncate_dim`` are applied as sentence-transformers applies them. ``batch_size`` does not matter here.

    Args:
        model: a loaded ``SentenceTransformer``.
        texts: the texts.
        role: ``query``, ``document`` or ``text`` (chooses the prompt, as ``encode_query``/``encode_document``).
        normalize: scale each row to unit length.

    Returns:
        A float32 matrix, one row per text; None when ``model`` is not a static model on the CPU (the caller then
        encodes through sentence-transformers).

    Example:
        >>> encode_static(SentenceTransformer("minilm-static"), ["a cat sat"], role="query").shape
        (1, 256)
    """
    parts = static_parts(model)
    if parts is None:
        return None
    module, normalized = parts
    prompt = _role_prompt(model, role)
    if prompt:
        texts = [prompt + t for t in texts]
    out = np.zeros((len(texts), module.embedding_dim), dtype=np.float32)
    for start in range(0, len(texts), STATIC_CHUNK):
        out[start : start + STATIC_CHUNK] = _token_means(module, texts[start : start + STATIC_CHUNK])
    from embedlab.models.encoder import l2_normalize

    if normalized:
        out = l2_normalize(out)
    if getattr(model, "truncate_dim", None):
        out = np.ascontiguousarray(out[:, : model.truncate_dim])
    return l2_normalize(out) if normalize else out
