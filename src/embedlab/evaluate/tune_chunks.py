"""Tune the chunk size too: rebuild an index with a few sentence-chunk sizes and tune search on each.

Chunking changes what is embedded, so it cannot be tried by search settings alone. :func:`tune_chunk_sizes`
recovers the index's documents from its chunks (their character offsets put each chunk back in place), rebuilds the
index once per size in a scratch folder, runs :func:`embedlab.evaluate.tune.tune`'s grid on each, and applies the
same cross-validated rule over all (size, setting) pairs against the index as it is with the default settings.
When another size wins, the index is rebuilt in place with it (replacing an index is atomic).

Embeddings go through :class:`embedlab.models.CachedEncoder` keyed on (model fingerprint, role, text): identical
chunk texts are embedded once across sizes and runs, and the final rebuild with the winning size costs no encoding.

Example:
    >>> result = tune_chunk_sizes("idx", load_ir("dev.json"), [3, 5, 8])
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.data import IRDataset
from embedlab.errors import ParameterError
from embedlab.evaluate.pipeline import DEFAULT_DEPTH, SearchRun, run_search
from embedlab.evaluate.tune import CONFIDENCE, MIN_GAIN, TuneResult, check_confidence, decide, search_grid
from embedlab.models.cache import CachedEncoder


class _IndexEncoder(CachedEncoder):
    """A cached :class:`~embedlab.models.Encoder` that also answers the sentence-transformers calls the index makes
    (``encode_document``/``encode_query`` with their keyword names)."""

    @property
    def tokenizer(self) -> Any:
        return getattr(self.encoder, "tokenizer", None)

    def _st(self, texts: list[str], role: str, kw: dict[str, Any]) -> np.ndarray:
        return self.encode(
            list(texts),
            role=role,
            batch_size=kw.get("batch_size", 32),
            normalize=kw.get("normalize_embeddings", False),
        )  # type: ignore[arg-type]

    def encode_document(self, texts: list[str], **kw: Any) -> np.ndarray:
        return self._st(texts, "document", kw)

    def encode_query(self, texts: list[str], **kw: Any) -> np.ndarray:
        return self._st(texts, "query", kw)


def index_documents(index: Any) -> list[Any]:
    """The documents of a local index, put back together from their chunks' text and character offsets."""
    from embedlab.data import Document

    store = index.store
    if not all(hasattr(store, a) for a in ("texts", "doc_ids", "starts", "ends", "deleted", "metadata")):
        raise ParameterError("chunk_sizes", "rebuilding with other chunk sizes needs a local index")
    parts: dict[str, list[tuple[int, int, str]]] = {}
    meta: dict[str, dict[str, Any]] = {}
    for doc_id, text, start, end, gone, md in zip(
        store.doc_ids, store.texts, store.starts, store.ends, store.deleted, store.metadata, strict=False
    ):
        if not gone:
            parts.setdefault(doc_id, []).append((int(start), int(end), text))
            meta[doc_id] = dict(md)
    docs = []
    for doc_id, pieces in parts.items():
        chars = [" "] * max(e for _, e, _ in pieces)  # gaps between chunks held whitespace only
        for start, end, text in pieces:
            chars[start:end] = list(text[: end - start])
        docs.append(Document(doc_id, "".join(chars), meta[doc_id]))
    return docs


def tune_chunk_sizes(
    index_path: str | Path,
    ir: IRDataset,
    sizes: Sequence[int],
    *,
    cache_dir: str | Path | None = None,
    min_gain: float = MIN_GAIN,
    confidence: float = CONFIDENCE,
    folds: int = 5,
    seed: int = 0,
    depth: int = DEFAULT_DEPTH,
    save: bool = True,
    progress: Callable[[str], None] | None = None,
) -> tuple[TuneResult, int | None]:
    """Tune search settings and the sentence-chunk size together; returns the result and the chosen size (None:
    the index as it is).

    Args:
        index_path: a local index folder.
        ir: labelled dev queries.
        sizes: sentence-chunk sizes to try (overlap 1 sentence, none for size 1).
        cache_dir: the embedding cache (default ``~/.cache/embedlab/embeddings``).
        min_gain, confidence, folds, seed, depth: as :func:`embedlab.evaluate.tune.tune`.
        save: rebuild the index with the winning size and save the winning settings.
        progress: called with a line per step.
    """
    from embedlab.index import Index
    from embedlab.index.settings import SearchSettings
    from embedlab.models import EmbeddingCache, load_encoder

    say = progress or (lambda _m: None)
    if not sizes or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
        raise ParameterError("chunk_sizes", f"must be whole numbers of at least 1, got {list(sizes)!r}")
    check_confidence(confidence)
    index = Index.load(index_path)
    docs = index_documents(index)
    model = index.manifest.model.get("path") or index.manifest.model["name"]
    encoder = _IndexEncoder(load_encoder(model), EmbeddingCache(cache_dir))
    base = SearchSettings()
    runs: dict[str, SearchRun] = {}
    options: dict[str, dict[str, Any]] = {}
    built: dict[str, int | None] = {}
    scratch = Path(tempfile.mkdtemp(prefix=".tune-chunks-", dir=Path(index_path).parent))
    try:
        candidates: list[tuple[int | None, Any]] = [(None, index)]
        for size in dict.fromkeys(sizes):
            say(f"building with chunks of {size} sentences")
            built_index = Index.build(
                model, docs, scratch / f"s{size}", chunk="sentences", chunk_size=size, overlap=min(1, size - 1),
                encoder=encoder,  # type: ignore[arg-type]
            )  # fmt: skip
            candidates.append((size, built_index))
        for size, idx in candidates:
            vectors = idx.embed([ir.queries[q] for q in ir.queries])
            for name, opts in search_grid(depth=depth).items():
                row = name if size is None else f"chunk_size={size} {name}"
                say(f"trying {row}")
                runs[row], options[row], built[row] = (
                    run_search(idx, ir, k=depth, query_vectors=vectors, settings=base, **opts), dict(opts), size,
                )  # fmt: skip
        result = decide(
            runs, options, min_gain=min_gain, confidence=confidence, folds=min(folds, len(ir.queries)), seed=seed
        )
        size = built[result.best] if result.adopted else None
        if save:
            if size is not None:
                say(f"rebuilding {index_path} with chunks of {size} sentences")
                index.close()
                index = Index.build(
                    model, docs, index_path, chunk="sentences", chunk_size=size, overlap=min(1, size - 1),
                    encoder=encoder,  # type: ignore[arg-type]
                )  # fmt: skip
            index.save_search_settings(base.merged(**result.chosen) if result.adopted else None)
            result.saved = True
        result.queries = len(ir.queries)
        return result, size
    finally:
        for _, idx in locals().get("candidates", [])[1:]:
            idx.close()
        shutil.rmtree(scratch, ignore_errors=True)
