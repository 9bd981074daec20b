"""WordPiece tokenizers trained on a corpus round-trip its text, save and reload, and are deterministic."""
# ruff: noqa: F811  (pytest fixtures imported from dual_fixtures are redefined as test arguments)

from __future__ import annotations

import pytest
from dual_fixtures import qa_corpus, qa_pairs  # noqa: F401  (fixtures)

from embedlab.dual.tokenizer import corpus_tokenizer, load_tokenizer, train_wordpiece
from embedlab.errors import InputError


def _squash(text: str) -> str:
    return "".join(text.split())


def test_trained_tokenizer_round_trips_the_corpus(qa_corpus):
    tok = train_wordpiece(qa_corpus, vocab_size=2000, max_length=512)
    assert 300 < len(tok) <= 2000
    for text in qa_corpus:
        ids = tok(text)["input_ids"]
        assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
        assert tok.unk_token_id not in ids, text
        # Decoding gives the text back up to case and spacing (the normaliser lowercases, keeps accents).
        assert _squash(tok.decode(ids, skip_special_tokens=True)) == _squash(text.lower())


def test_unseen_words_are_spelled_with_pieces_not_unknown(qa_corpus):
    tok = train_wordpiece(qa_corpus, vocab_size=2000)
    pieces = tok.tokenize("hitchhikerishness galaxies")
    assert any(p.startswith("##") for p in pieces)
    assert tok.unk_token not in pieces


def test_save_and_reload_gives_the_same_ids(qa_corpus, tmp_path):
    tok = train_wordpiece(qa_corpus, vocab_size=1500, lowercase=False, max_length=64)
    tok.save_pretrained(str(tmp_path / "tok"))
    again = load_tokenizer(tmp_path / "tok")
    text = qa_corpus[0]
    assert again(text)["input_ids"] == tok(text)["input_ids"]
    assert again.model_max_length == 64
    # lowercase=False keeps case through the round trip
    assert _squash(again.decode(again(text[:60])["input_ids"], skip_special_tokens=True)) == _squash(text[:60])


def test_corpus_tokenizer_gives_the_same_vocabulary_for_the_same_corpus(qa_corpus, tmp_path, monkeypatch):
    # A resumed from-scratch run rebuilds its tokenizer and must get the same ids, although the tokenizers trainer
    # breaks ties in hash order: the tokenizer is cached under a hash of the corpus and settings.
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path))
    first = corpus_tokenizer(qa_corpus, vocab_size=1000)
    assert len(list((tmp_path / "tokenizers").iterdir())) == 1
    assert corpus_tokenizer(qa_corpus, vocab_size=1000).get_vocab() == first.get_vocab()
    # other settings or another corpus give another entry
    corpus_tokenizer(qa_corpus, vocab_size=900)
    corpus_tokenizer(qa_corpus[1:], vocab_size=1000)
    assert len(list((tmp_path / "tokenizers").iterdir())) == 3


def test_empty_corpus_is_a_clear_error():
    with pytest.raises(InputError, match="corpus has no non-blank text"):
        train_wordpiece(["", "   "])


def test_load_tokenizer_from_a_model_alias_and_a_missing_folder(tmp_path):
    tok = load_tokenizer("all-MiniLM-L6-v2", max_length=32)
    assert len(tok) == 30522 and tok.model_max_length == 32
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no tokenizer found"):
        load_tokenizer(tmp_path / "empty")
