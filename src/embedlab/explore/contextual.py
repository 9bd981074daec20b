"""Contextual word vectors: one word, different meanings, different vectors.

A static model (GloVe, word2vec) gives "bat" one vector, so its similarity with itself across any two sentences is
1.0. A transformer gives every occurrence its own vector, computed from the whole sentence: "bat" the animal and
"bat" the club end up far apart. Here the word's token vectors (the mean of its word pieces, from the last hidden
layer) are taken from each sentence and compared by cosine.

Example:
    >>> res = contextual_similarity("all-MiniLM-L6-v2", "bat",
    ...     ["The bat flew out of the cave at night.", "He swung the bat and hit a home run."])
    >>> res.matrix[0, 1] < 0.9, res.static_similarity
    (True, 1.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.errors import InputError, UnknownWordError
from embedlab.explore.heatmap import cosine_matrix


@dataclass
class ContextualResult:
    """Token vectors of one word in several sentences.

    Attributes:
        word: the word.
        sentences: the sentences.
        vectors: one contextual vector per sentence.
        matrix: their pairwise cosine similarities.
        static_similarity: the static model's self-similarity (1.0 by construction) or None without one.
        static_model: which static model was checked.
    """

    word: str
    sentences: list[str]
    vectors: np.ndarray
    matrix: np.ndarray
    static_similarity: float | None = None
    static_model: str | None = None


def _word_span(sentence: str, word: str) -> tuple[int, int]:
    m = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", sentence, flags=re.IGNORECASE)
    if m is None:
        raise InputError(f"the word {word!r} does not occur in the sentence {sentence!r}")
    return m.span()


def token_vectors(model: Any, word: str, sentences: list[str]) -> np.ndarray:
    """The word's contextual vector in each sentence (mean over its word pieces, last hidden layer)."""
    import torch

    transformer = model[0]
    tokenizer = model.tokenizer
    out = []
    for sentence in sentences:
        start, end = _word_span(sentence, word)
        enc = tokenizer(sentence, return_offsets_mapping=True, return_tensors="pt", truncation=True)
        offsets = enc.pop("offset_mapping")[0].tolist()
        pieces = [i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start]
        with torch.no_grad():
            hidden = transformer.auto_model(**enc).last_hidden_state[0]
        out.append(hidden[pieces].mean(dim=0).numpy())
    return np.stack(out)


def contextual_similarity(
    model: str | Any, word: str, sentences: list[str], *, static: str | Any | None = None
) -> ContextualResult:
    """Compare a word's contextual vectors across sentences, and a static model's single vector.

    Args:
        model: a transformer / sentence-transformers model argument, a loaded
            :class:`~embedlab.models.encoder.SentenceEncoder`, or a loaded SentenceTransformer.
        word: the word to follow (matched case-insensitively as a whole word).
        sentences: two or more sentences that contain it.
        static: a word-vector model (name or KeyedVectors) whose self-similarity to report; None skips it.

    Raises:
        InputError: fewer than two sentences, or a sentence without the word.
        UnknownWordError: the word is not in the static model's vocabulary.
    """
    if len(sentences) < 2:
        raise InputError("give at least two sentences containing the word")
    for s in sentences:
        _word_span(s, word)
    if isinstance(model, str):
        from embedlab.models.encoder import load_encoder

        model = load_encoder(model, device="cpu")
    # Token vectors need the network itself, not sentence embeddings: take it from the encoder.
    model = getattr(model, "model", model)
    if not hasattr(model, "tokenizer"):
        raise InputError("contextual vectors need a transformer model, not static word vectors")
    vectors = token_vectors(model, word, sentences)
    result = ContextualResult(word, list(sentences), vectors, cosine_matrix(vectors, vectors))
    if static is not None:
        kv = static
        if isinstance(static, str):
            from embedlab.words import load_vectors

            kv = load_vectors(static)
        key = word if word in kv.key_to_index else word.lower()
        if key not in kv.key_to_index:
            raise UnknownWordError(word)
        # The same vector in every sentence: compare it with itself as the contextual vectors are compared.
        v = np.stack([kv[key]] * len(sentences))
        result.static_similarity = float(cosine_matrix(v, v)[0, 1])
        result.static_model = static if isinstance(static, str) else "static vectors"
    return result
