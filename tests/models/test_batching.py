"""Batches by token length: counts equal the tokenizer's, less padding than sorting by characters, same vectors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from embedlab.models.batching import TokenCounter, encode_batches, length_batches
from embedlab.models.encoder import SentenceEncoder
from testsupport import SAMPLE_SENTENCES

# Characters are a poor measure of tokens here: long plain words against short rare ones.
TEXTS = [
    "The quick brown fox jumps over the lazy dog near the riverbank.",
    "Xylophonists' zygomorphic quokkas",
    "a b c d e f g h i j k l m n o p",
    "Antidisestablishmentarianism",
    *SAMPLE_SENTENCES,
    *[f"sentence number {i} " + "word " * (i % 9) for i in range(30)],
]


def _padded_positions(lengths: list[int], batches: list[list[int]]) -> int:
    return sum(max(lengths[i] for i in b) * len(b) for b in batches)


def test_counts_are_the_tokenizers_and_leave_its_settings_alone(minilm) -> None:
    tokenizer = minilm.tokenizer
    counter = TokenCounter(tokenizer)
    before = tokenizer.backend_tokenizer.truncation
    counts = counter([*TEXTS, "word " * 400])
    assert tokenizer.backend_tokenizer.truncation == before  # a private copy did the counting
    expected = [len(ids) for ids in tokenizer([*TEXTS, "word " * 400], truncation=False, verbose=False)["input_ids"]]
    assert counts == expected and counts[-1] == 402  # nothing cut, special tokens counted
    assert TokenCounter(None)(["abc", ""]) == [3, 0]  # no fast tokenizer: characters, as sentence-transformers


def test_length_batches_cut_sorted_positions() -> None:
    assert length_batches([3, 9, 5, 9, 1], batch_size=2) == [[1, 3], [2, 0], [4]]
    assert length_batches([], batch_size=4) == []
    rows = encode_batches(
        lambda part: np.array([[len(t)] for t in part], dtype=np.float32), ["ab", "c", "def"], [[2], [0, 1]]
    )
    np.testing.assert_array_equal(rows[:, 0], [2, 1, 3])


def test_token_batches_pad_less_than_character_batches(minilm) -> None:
    counts = TokenCounter(minilm.tokenizer)(TEXTS)
    by_tokens = length_batches(counts, 8)
    by_chars = length_batches([len(t) for t in TEXTS], 8)
    assert _padded_positions(counts, by_tokens) < _padded_positions(counts, by_chars)


@pytest.mark.parametrize("role", ["text", "query", "document"])
def test_batched_encoding_equals_sentence_transformers(minilm, minilm_path, role) -> None:
    enc = SentenceEncoder(minilm, "minilm", minilm_path)
    fn = {"query": minilm.encode_query, "document": minilm.encode_document}.get(role, minilm.encode)
    assert [len(b) for b in enc.batches(TEXTS, 8)] == [8, 8, 8, 8, 7]
    np.testing.assert_allclose(enc.encode(TEXTS, role=role, batch_size=8), fn(TEXTS, batch_size=8), atol=1e-5)


def test_counting_while_another_thread_encodes(minilm, minilm_path) -> None:
    enc = SentenceEncoder(minilm, "minilm", minilm_path)
    expected = enc.encode(TEXTS, batch_size=8)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(enc.encode(TEXTS, batch_size=8))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 3
    for out in results:
        np.testing.assert_allclose(out, expected, atol=1e-5)
