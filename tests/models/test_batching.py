"""Batches by token length: counts equal the tokenizer's, less padding than sorting by characters, same vectors."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from embedlab.data.chunking import token_spans
from embedlab.data.tokens import token_lengths
from embedlab.models.batching import encode_batches, length_batches
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
    before = tokenizer.backend_tokenizer.truncation
    counts = token_lengths(tokenizer, [*TEXTS, "word " * 400])
    spans = token_spans("Hello, wonderful world!", tokenizer)
    assert tokenizer.backend_tokenizer.truncation == before  # a private copy did the counting
    expected = [len(ids) for ids in tokenizer([*TEXTS, "word " * 400], truncation=False, verbose=False)["input_ids"]]
    assert counts == expected and counts[-1] == 402  # nothing cut, special tokens counted
    offsets = tokenizer("Hello, wonderful world!", add_special_tokens=False, return_offsets_mapping=True)
    assert spans == [tuple(o) for o in offsets["offset_mapping"]] == [(0, 5), (5, 6), (7, 16), (17, 22), (22, 23)]


def test_remembered_counts_equal_fresh_ones(minilm) -> None:
    from embedlab.data import tokens

    tokenizer = minilm.tokenizer
    long_text = "word " * 500  # longer than RECENT_MAX_CHARS: counted every time, never kept
    first = token_lengths(tokenizer, TEXTS)  # counted and kept
    mixed = ["a text not seen before", *reversed(TEXTS), long_text, TEXTS[0]]
    expected = [len(ids) for ids in tokenizer(mixed, truncation=False, verbose=False)["input_ids"]]
    assert token_lengths(tokenizer, mixed) == expected and token_lengths(tokenizer, TEXTS) == first
    assert long_text not in tokens._recent[tokenizer] and TEXTS[0] in tokens._recent[tokenizer]
    many = [f"text {i}" for i in range(tokens.RECENT + 10)]  # more than are kept: counted, not kept
    assert token_lengths(tokenizer, many) == [len(ids) for ids in tokenizer(many)["input_ids"]]
    assert "text 0" not in tokens._recent[tokenizer] and TEXTS[0] in tokens._recent[tokenizer]
    for start in range(0, len(many), 1000):  # in service-sized calls: kept, up to RECENT, then started again
        token_lengths(tokenizer, many[start : start + 1000])
    assert 0 < len(tokens._recent[tokenizer]) <= tokens.RECENT


def test_length_batches_cut_sorted_positions() -> None:
    assert length_batches([3, 9, 5, 9, 1], batch_size=5, overhead=0) == [[1, 3], [2], [0], [4]]  # no padding at all
    assert length_batches([60, 58, 12, 11, 10, 10], batch_size=8, overhead=16) == [[0, 1], [2, 3, 4, 5]]
    assert length_batches([], batch_size=4) == []
    rows = encode_batches(
        lambda part: np.array([[len(t)] for t in part], dtype=np.float32), ["ab", "c", "def"], [[2], [0, 1]]
    )
    np.testing.assert_array_equal(rows[:, 0], [2, 1, 3])


def _cost(lengths: list[int], batches: list[list[int]], overhead: int) -> int:
    return _padded_positions(lengths, batches) + overhead * len(batches)


def test_length_batches_are_the_cheapest_cuts() -> None:
    """Against every way of cutting the sorted order into batches of at most the size (brute force on small cases)."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        n, size, overhead = int(rng.integers(1, 9)), int(rng.integers(1, 5)), int(rng.integers(0, 40))
        lengths = [int(x) for x in rng.integers(1, 50, n)]
        got = length_batches(lengths, size, overhead=overhead)
        assert sorted(i for b in got for i in b) == list(range(n)) and max(len(b) for b in got) <= size
        order = sorted(range(n), key=lambda i: -lengths[i])
        best = min(
            _cost(lengths, [order[a:b] for a, b in zip((0, *ends), (*ends, n), strict=True)], overhead)
            for k in range(n)
            for ends in itertools.combinations(range(1, n), k)
            if all(b - a <= size for a, b in zip((0, *ends), (*ends, n), strict=True))
        )
        assert _cost(lengths, got, overhead) == best


def test_token_batches_pad_less_than_character_batches(minilm) -> None:
    counts = token_lengths(minilm.tokenizer, TEXTS)
    by_tokens = length_batches(counts, 8)
    by_chars = sorted(range(len(TEXTS)), key=lambda i: -len(TEXTS[i]))  # sentence-transformers' order and cuts
    by_chars = [by_chars[s : s + 8] for s in range(0, len(TEXTS), 8)]
    assert _padded_positions(counts, by_tokens) < _padded_positions(counts, by_chars)


@pytest.mark.parametrize("role", ["text", "query", "document"])
def test_batched_encoding_equals_sentence_transformers(minilm, minilm_path, role) -> None:
    enc = SentenceEncoder(minilm, "minilm", minilm_path)
    fn = {"query": minilm.encode_query, "document": minilm.encode_document}.get(role, minilm.encode)
    assert len(enc.batches(TEXTS, 8)) > 1 and max(len(b) for b in enc.batches(TEXTS, 8)) <= 8
    np.testing.assert_allclose(enc.encode(TEXTS, role=role, batch_size=8), fn(TEXTS, batch_size=8), atol=1e-5)


def test_counting_while_another_thread_encodes(minilm, minilm_path) -> None:
    """The service counts OpenAI usage while its batcher encodes: counting must not unpad the batch being made."""
    enc = SentenceEncoder(minilm, "minilm", minilm_path)
    expected = enc.encode(TEXTS, batch_size=8)
    stop, errors, rounds = threading.Event(), [], [0]

    def count() -> None:
        while not stop.is_set():
            token_lengths(minilm.tokenizer, TEXTS)
            token_spans(TEXTS[0], minilm.tokenizer)

    counters = [threading.Thread(target=count) for _ in range(2)]
    for t in counters:
        t.start()
    try:
        for _ in range(15):
            np.testing.assert_allclose(enc.encode(TEXTS, batch_size=8), expected, atol=1e-5)
            rounds[0] += 1
    except Exception as exc:  # reported below, after the counters stop
        errors.append(exc)
    finally:
        stop.set()
        for t in counters:
            t.join(30)
    assert not errors and rounds[0] == 15, errors


def test_texts_past_the_models_limit_cost_what_it_reads(minilm, minilm_path) -> None:
    """all-MiniLM-L6-v2 reads 256 tokens: texts of 300 and 3,000 tokens pad alike, so they share a batch."""
    enc = SentenceEncoder(minilm, "minilm", minilm_path)
    texts = ["word " * 3000, "short one", "word " * 300, "tiny"]
    batches = enc.batches(texts, 4)
    assert [0, 2] in [sorted(b) for b in batches]
    np.testing.assert_allclose(enc.encode(texts, batch_size=4), minilm.encode(texts, batch_size=4), atol=1e-5)
