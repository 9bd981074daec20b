"""The one Encoder: texts in, a float32 matrix out, knowing queries from documents.

Every capability that embeds text (evaluation, the index, the service, mining, exploration) takes an
:class:`Encoder`. It has three roles:

* ``query``: a search query. A prompted model adds its query prompt; a two-tower (``Router``) model runs its query
  tower. This is sentence-transformers' ``encode_query``.
* ``document``: a passage to be found (``encode_document``: the document prompt or tower).
* ``text``: a text with no role, as symmetric tasks (STS, classification, clustering) embed it
  (sentence-transformers' plain ``encode``, which is what its similarity evaluators call).

Two kinds of model are encoders: sentence-transformers models (plain, prompted, or two-tower) and static word
vectors averaged over the words of a text (``embedlab words`` output, GloVe): the classic baseline that
sentence-level training has to beat. Faster backends (ONNX, int8) plug in through :func:`load_encoder`'s
``backend`` and give the same interface.

Example:
    >>> enc = load_encoder("glove-6B-50d")
    >>> enc.encode_queries(["the cat sat", "a dog barked"]).shape
    (2, 50)
    >>> enc.dim
    50
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from embedlab.data.tokens import token_lengths
from embedlab.errors import ParameterError
from embedlab.models.batching import encode_batches, length_batches
from embedlab.models.fingerprint import model_fingerprint, variant_fingerprint
from embedlab.models.resolve import resolve_model

if TYPE_CHECKING:
    from gensim.models import KeyedVectors
    from sentence_transformers import SentenceTransformer

Role = Literal["query", "document", "text"]
ROLES: tuple[Role, ...] = ("query", "document", "text")

_TOKEN = re.compile(r"\w+(?:'\w+)?", re.UNICODE)


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into a float32 matrix, one row per text, for a role.

    Attributes:
        name: the name the user gave (shown in tables).
        kind: ``sentence-transformers`` or ``word-vectors``.
        backend: what computes the vectors (``torch``, ``onnx``, ``onnx-int8``, ``openvino``, ``numpy``...).
    """

    name: str
    kind: str
    backend: str

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def encode(
        self, texts: list[str], *, role: Role = "text", batch_size: int = 32, normalize: bool = False
    ) -> np.ndarray: ...

    def encode_queries(self, texts: list[str], *, batch_size: int = 32, normalize: bool = False) -> np.ndarray: ...

    def encode_documents(self, texts: list[str], *, batch_size: int = 32, normalize: bool = False) -> np.ndarray: ...

    def info(self) -> dict[str, Any]: ...


def check_role(role: str) -> Role:
    """``role`` if it is one of query, document, text; :class:`ParameterError` otherwise."""
    if role not in ROLES:
        raise ParameterError("role", f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms == 0, 1.0, norms)).astype(np.float32, copy=False)


class RoleMixin:
    """``encode_queries`` and ``encode_documents`` as :meth:`encode` with a role (one dispatch for every encoder)."""

    def encode(  # pragma: no cover - implemented by each encoder
        self, texts: list[str], *, role: Role = "text", batch_size: int = 32, normalize: bool = False
    ) -> np.ndarray:
        raise NotImplementedError

    def encode_queries(self, texts: list[str], *, batch_size: int = 32, normalize: bool = False) -> np.ndarray:
        """Embeddings of search queries (the query prompt or tower)."""
        return self.encode(texts, role="query", batch_size=batch_size, normalize=normalize)

    def encode_documents(self, texts: list[str], *, batch_size: int = 32, normalize: bool = False) -> np.ndarray:
        """Embeddings of passages to be found (the document prompt or tower)."""
        return self.encode(texts, role="document", batch_size=batch_size, normalize=normalize)


@dataclass
class SentenceEncoder(RoleMixin):
    """A sentence-transformers model as an :class:`Encoder` (plain, prompted, or two-tower ``Router``).

    Args:
        model: the loaded model.
        name: the name the user gave (shown in tables).
        path: where it was loaded from (fingerprinted).
        max_seq_length: the sequence length set at load time when it differs from the model's own (fingerprinted,
            since it changes the vectors of long texts).
    """

    model: SentenceTransformer
    name: str
    path: str
    max_seq_length: int | None = None
    kind: str = "sentence-transformers"
    backend: str = "torch"
    _fp: str | None = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        from embedlab.models.resolve import embedding_dimension

        return embedding_dimension(self.model) or int(self.model.encode(["x"]).shape[1])

    @property
    def fingerprint(self) -> str:
        if self._fp is None:
            self._fp = variant_fingerprint(model_fingerprint(self.path), max_seq_length=self.max_seq_length)
        return self._fp

    @property
    def tokenizer(self) -> Any:
        """The model's tokenizer (for chunking by tokens)."""
        return getattr(self.model, "tokenizer", None)

    def encode(
        self, texts: list[str], *, role: Role = "text", batch_size: int = 32, normalize: bool = False
    ) -> np.ndarray:
        """Embeddings of ``texts`` in ``role`` (``encode_query``, ``encode_document`` or plain ``encode``).

        The input is cut into batches of near-equal token length (:mod:`embedlab.models.batching`), each encoded by
        sentence-transformers as it would encode it.
        """
        check_role(role)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        from embedlab.models.backends.static import encode_static

        texts = list(texts)
        fast = encode_static(self.model, texts, role=role, normalize=normalize)
        if fast is not None:  # a static model: the same vectors without the per-batch pipeline
            return fast

        def encode_batch(batch: list[str]) -> np.ndarray:
            return self._encode_batch(batch, role=role, normalize=normalize)

        return self._encode_batches(encode_batch, texts, self.batches(texts, batch_size))

    def batches(self, texts: list[str], batch_size: int) -> list[list[int]]:
        """The positions of ``texts`` cut into batches of at most ``batch_size`` with the least padding
        (:func:`~embedlab.models.batching.length_batches`): texts of very different lengths that would fit in one
        batch may still be cut in two."""
        if len(texts) < 2:
            return [list(range(len(texts)))]
        tokenizer = self.tokenizer
        lengths = token_lengths(tokenizer, texts) if tokenizer is not None else [len(t) for t in texts]
        cap = getattr(self.model, "max_seq_length", None)
        if tokenizer is not None and cap:  # the model reads no more than this: a longer text costs no more
            lengths = [min(n, cap) for n in lengths]
        return length_batches(lengths, batch_size)

    def _encode_batches(
        self, encode_batch: Callable[[list[str]], np.ndarray], texts: list[str], batches: list[list[int]]
    ) -> np.ndarray:
        """Run the batches one after another (the graph backends run them in lanes)."""
        return encode_batches(encode_batch, texts, batches)

    def _encode_batch(self, texts: list[str], *, role: Role, normalize: bool) -> np.ndarray:
        """One batch through sentence-transformers' ``encode_query``, ``encode_document`` or ``encode``."""
        fn = {"query": self.model.encode_query, "document": self.model.encode_document}.get(role, self.model.encode)
        out = fn(
            texts,
            batch_size=len(texts),
            convert_to_numpy=True,
            normalize_embeddings=normalize,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(out, dtype=np.float32)

    def info(self) -> dict[str, Any]:
        params = sum(p.numel() for p in self.model.parameters())
        nbytes = sum(p.numel() * p.element_size() for p in self.model.parameters())
        nbytes += sum(b.numel() * b.element_size() for b in self.model.buffers())
        return {
            "kind": self.kind,
            "backend": self.backend,
            "params": int(params),
            "dim": self.dim,
            "model_mb": round(nbytes / 2**20, 2),
            "max_seq_length": self.model.max_seq_length,
            "similarity": getattr(self.model, "similarity_fn_name", None) or "cosine",
        }


@dataclass
class WordAverageEncoder(RoleMixin):
    """Static word vectors averaged over the words of a text (lower-cased ``\\w+`` tokens found in the vocabulary).

    A text with no known word gets the zero vector. Queries and documents are embedded alike.

    Args:
        vectors: gensim ``KeyedVectors``.
        name: the name the user gave.
        path: where they were loaded from (fingerprinted).
    """

    vectors: KeyedVectors
    name: str
    path: str
    lowercase: bool = True
    kind: str = "word-vectors"
    backend: str = "numpy"
    _fp: str | None = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        return int(self.vectors.vector_size)

    @property
    def fingerprint(self) -> str:
        if self._fp is None:
            self._fp = model_fingerprint(self.path)
        return self._fp

    tokenizer = None

    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` that have a vector."""
        words = _TOKEN.findall(text.lower() if self.lowercase else text)
        return [w for w in words if w in self.vectors.key_to_index]

    def encode(
        self, texts: list[str], *, role: Role = "text", batch_size: int = 32, normalize: bool = False
    ) -> np.ndarray:
        check_role(role)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        index = self.vectors.key_to_index
        matrix = self.vectors.vectors
        for i, text in enumerate(texts):
            ids = [index[w] for w in self.tokens(text)]
            if ids:
                out[i] = matrix[ids].mean(axis=0)
        return l2_normalize(out) if normalize else out

    def info(self) -> dict[str, Any]:
        n, d = self.vectors.vectors.shape
        return {
            "kind": self.kind,
            "backend": self.backend,
            "params": int(n * d),
            "dim": int(d),
            "model_mb": round(self.vectors.vectors.nbytes / 2**20, 2),
            "vocabulary": int(n),
            "similarity": "cosine",
        }


# "auto": the backend an exported model folder was made for (``embedlab export``), torch for every other model.
BACKENDS: tuple[str, ...] = ("auto", "torch", "onnx", "onnx-int8", "openvino", "openvino-int8")


def load_encoder(
    name: str,
    *,
    backend: str = "auto",
    device: str | None = None,
    max_seq_length: int | None = None,
    trust_pickle: bool = False,
) -> Encoder:
    """Load any model argument as an :class:`Encoder`.

    Args:
        name: a sentence-transformers folder, alias or hub id, or a word-vector model (``.kv``, word2vec, GloVe,
            ``glove-6B-50d``) to average.
        backend: what computes the vectors: ``torch``; ``onnx`` (fp32 ONNX Runtime) or ``onnx-int8`` (dynamically
            quantized for this CPU), from the model folder's ``onnx/`` graphs or exported once into the cache;
            ``openvino`` (fp32 graph at OpenVINO's default precision) or ``openvino-int8`` (NNCF static int8),
            from the folder's ``openvino/`` graphs or made once into the cache;
            ``auto`` (default): the backend an ``embedlab export`` folder was made for, else ``torch``. Word
            vectors always run on numpy.
        device: ``cpu``, ``cuda``... for transformer models on torch.
        max_seq_length: truncate inputs of transformer models to this many tokens.
        trust_pickle: also load files that can carry code (gensim pickles, ``.bin`` weights); only for sources
            you trust.

    Raises:
        ModelNotFoundError: the model cannot be found offline nor downloaded.
        ParameterError: an unknown backend, or one the model cannot run on.

    Example:
        >>> load_encoder("all-MiniLM-L6-v2").dim
        384
        >>> load_encoder("all-MiniLM-L6-v2", backend="onnx-int8").backend
        'onnx-int8'
    """
    if backend not in BACKENDS:
        raise ParameterError("backend", f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    resolved = resolve_model(name)
    if resolved.kind in ("word-vectors", "glove-npy"):
        if backend not in ("auto", "torch"):
            raise ParameterError("backend", f"{name!r} is word vectors, which run on numpy; use the torch backend")
        from embedlab.words import load_vectors

        return WordAverageEncoder(load_vectors(name, trust_pickle=trust_pickle), name=name, path=resolved.path)
    if backend == "auto":
        from embedlab.models.backends.export import exported_backend

        backend = exported_backend(resolved.path) or "torch"
    if backend.startswith("openvino"):
        from embedlab.models.backends.openvino_runtime import load_openvino_encoder

        return load_openvino_encoder(name, backend=backend, max_seq_length=max_seq_length)
    if backend != "torch":
        from embedlab.models.backends.onnx_runtime import load_onnx_encoder

        return load_onnx_encoder(name, backend=backend, max_seq_length=max_seq_length)
    from embedlab.models.resolve import load_sentence_model

    model = load_sentence_model(name, device=device or "cpu", max_seq_length=max_seq_length, trust_pickle=trust_pickle)
    return SentenceEncoder(model, name=name, path=resolved.path, max_seq_length=max_seq_length)


def as_encoder(model: Any, *, name: str | None = None) -> Encoder:
    """An :class:`Encoder` from an encoder, a loaded ``SentenceTransformer``, or a model name.

    Lets callers that already hold a loaded model (a training run, a test) pass it where an encoder is expected.
    """
    if isinstance(model, Encoder):
        return model
    if isinstance(model, str) or hasattr(model, "__fspath__"):
        return load_encoder(str(model))
    if hasattr(model, "encode_query") and hasattr(model, "encode"):
        # A model loaded through load_sentence_model knows its folder; one built in memory is named instead.
        path = getattr(model, "_embedlab_path", None) or name or "in-memory-model"
        return SentenceEncoder(model, name=name or str(path), path=str(path))
    raise TypeError(f"not an encoder: {type(model).__name__}")
