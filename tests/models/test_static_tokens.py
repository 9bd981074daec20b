"""The word cache in front of a BERT tokenizer gives exactly the tokenizer's ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedlab.models.backends.static_tokens import WordPieceCache


@pytest.fixture(scope="module")
def tokenizer(minilm_path: str):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(minilm_path) / "tokenizer.json"))
    tok.no_padding()
    return tok


@pytest.fixture(scope="module")
def cache(tokenizer) -> WordPieceCache:
    """One cache for every example: later examples meet words the earlier ones cached."""
    return WordPieceCache(tokenizer)


def _reference(tokenizer, texts: list[str]) -> list[list[int]]:
    return [e.ids for e in tokenizer.encode_batch_fast(texts, add_special_tokens=False)]


def _rows(cache: WordPieceCache, texts: list[str]) -> list[list[int]]:
    """``flat_ids`` cut back into one list per text."""
    ids, lengths = cache.flat_ids(texts)
    assert ids.size == lengths.sum() and len(lengths) == len(texts)
    return [part.tolist() for part in np.split(ids, np.cumsum(lengths)[:-1])] if texts else []


ASCII_PIECES = st.sampled_from(
    ["the", "Guitar", "playing", "unbelievably", "x" * 120, "42", "3.5", "[MASK]", "[cls]", "[SEP", "_", "'s", "--",
     "\t", "\n", "\r", "\x00", "\x07", "\x0b", "\x0c", "\x1f", "\x7f", " ", "  ", "e-mail", "U.S.", "#1!", "naïve",
     "北京", "\u00a0", "ﬁ"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=30), st.lists(ASCII_PIECES, max_size=12).map("".join)), max_size=8))
def test_any_text_gets_the_tokenizers_ids(tokenizer, cache: WordPieceCache, texts: list[str]) -> None:
    assert _rows(cache, texts) == _reference(tokenizer, texts)


def test_real_sentences_and_long_passages_match(tokenizer, shared_data: Path) -> None:
    import json

    from embedlab.data import load_scored_pairs

    sts = load_scored_pairs(shared_data / "stsb" / "sts-dev.csv")
    aims = json.loads((shared_data / "aims_qa" / "train_dataset.json").read_text(encoding="utf-8"))
    texts = [*sts.sentence1, *sts.sentence2, *aims["corpus"].values(), *aims["queries"].values()]
    cache = WordPieceCache(tokenizer)
    assert cache.enabled
    assert _rows(cache, texts) == _reference(tokenizer, texts)
    assert _rows(cache, texts[::-1]) == _reference(tokenizer, texts[::-1])  # a warm cache answers the same
    assert max(map(len, _rows(cache, texts))) == tokenizer.truncation["max_length"]  # long passages are cut


def test_other_tokenizers_are_left_to_themselves() -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "a": 1, "cat": 2}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    cache = WordPieceCache(tok)
    assert not cache.enabled
    assert _rows(cache, ["a cat", "A dog"]) == [[1, 2], [0, 0]]


@pytest.mark.parametrize("direction", ["right", "left"])
def test_truncation_either_side_is_the_tokenizers(minilm_path: str, direction: str) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(minilm_path) / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=7, direction=direction)
    texts = [
        "short one",
        "a much longer sentence, with more than seven pieces of text in it",
        "",
        "naïve café au lait",
    ]
    texts += ["unbelievably " * 5, "[MASK] is a token of its own, said the tokenizer"]
    assert _rows(WordPieceCache(tok), texts) == _reference(tok, texts)


def test_concurrent_calls_get_their_own_ids(tokenizer, monkeypatch) -> None:
    """A service encodes from several threads at once; a full cache is replaced while others read it."""
    from concurrent.futures import ThreadPoolExecutor

    import embedlab.models.backends.static_tokens as static_tokens

    monkeypatch.setattr(static_tokens, "MAX_WORDS", 50)  # replaced every few calls
    cache = WordPieceCache(tokenizer)
    batches = [
        [f"text {k} number", f"café {k}", f"[SEP] {k} and", "naïve", f"w{k}x yz"]
        + [f"extra {k * 7 + j}" for j in range(30)]
        for k in range(8)
    ]
    want = [_reference(tokenizer, b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            assert list(pool.map(lambda b: _rows(cache, b), batches)) == want
