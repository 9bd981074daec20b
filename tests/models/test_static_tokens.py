"""The word cache in front of a BERT tokenizer gives exactly the tokenizer's ids."""

from __future__ import annotations

from pathlib import Path

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


ASCII_PIECES = st.sampled_from(
    ["the", "Guitar", "playing", "unbelievably", "x" * 120, "42", "3.5", "[MASK]", "[cls]", "[SEP", "_", "'s", "--",
     "\t", "\n", "\r", "\x00", "\x07", "\x0b", "\x0c", "\x1f", "\x7f", " ", "  ", "e-mail", "U.S.", "#1!", "naïve",
     "北京", "\u00a0", "ﬁ"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=30), st.lists(ASCII_PIECES, max_size=12).map("".join)), max_size=8))
def test_any_text_gets_the_tokenizers_ids(tokenizer, cache: WordPieceCache, texts: list[str]) -> None:
    assert cache.token_ids(texts) == _reference(tokenizer, texts)


def test_real_sentences_and_long_passages_match(tokenizer, shared_data: Path) -> None:
    import json

    from embedlab.data import load_scored_pairs

    sts = load_scored_pairs(shared_data / "stsb" / "sts-dev.csv")
    aims = json.loads((shared_data / "aims_qa" / "train_dataset.json").read_text(encoding="utf-8"))
    texts = [*sts.sentence1, *sts.sentence2, *aims["corpus"].values(), *aims["queries"].values()]
    cache = WordPieceCache(tokenizer)
    assert cache.enabled
    assert cache.token_ids(texts) == _reference(tokenizer, texts)
    assert cache.token_ids(texts[::-1]) == _reference(tokenizer, texts[::-1])  # a warm cache answers the same
    assert max(map(len, cache.token_ids(texts))) == tokenizer.truncation["max_length"]  # long passages are cut


def test_other_tokenizers_are_left_to_themselves() -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "a": 1, "cat": 2}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    cache = WordPieceCache(tok)
    assert not cache.enabled
    assert cache.token_ids(["a cat", "A dog"]) == [[1, 2], [0, 0]]
