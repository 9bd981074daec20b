"""The one sentence splitter and chunker: abbreviations, exact offsets, token windows."""

from __future__ import annotations

import itertools

import pytest

from embedlab.data.chunking import chunk_text_tokens, sentence_spans, split_sentences, text_windows
from embedlab.errors import ParameterError


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Mr. Prosser said the bypass had to be built. Arthur lay in the mud.",
            ["Mr. Prosser said the bypass had to be built.", "Arthur lay in the mud."],
        ),
        (
            "Mrs. Smith met Dr. Jones at St. Paul's. They left at 5 p.m. on Friday.",
            ["Mrs. Smith met Dr. Jones at St. Paul's.", "They left at 5 p.m. on Friday."],
        ),
        ("Fruit, e.g. apples, is good. Pi is 3.14 today.", ["Fruit, e.g. apples, is good.", "Pi is 3.14 today."]),
        (
            "He moved to the U.S. and stayed. J. R. R. Tolkien wrote it. It cost $2.50!",
            ["He moved to the U.S. and stayed.", "J. R. R. Tolkien wrote it.", "It cost $2.50!"],
        ),
        ('"Stop." He said no. (Yes.) Really?', ['"Stop."', "He said no.", "(Yes.)", "Really?"]),
        ("A title\n\nThen a paragraph. And more", ["A title", "Then a paragraph.", "And more"]),
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_offsets_are_exact_on_real_text(shared_data):
    from embedlab.data import load_ir

    corpus = load_ir(shared_data / "aims_qa" / "train_dataset.json").corpus
    for text in list(corpus.values())[:40]:
        spans = sentence_spans(text)
        assert spans and all(0 <= s < e <= len(text) for s, e in spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # in order, no overlap
        # only white space is left out between sentences
        covered = set()
        for s, e in spans:
            covered.update(range(s, e))
        assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
        for s, e in text_windows(text, by="sentences", size=3, overlap=1):
            assert text[s:e].strip() == text[s:e]


def test_token_windows_fit_the_model(minilm):
    tok = minilm.tokenizer
    text = "Chunked evaluation scores a long passage by its best window. " * 30
    chunks = chunk_text_tokens([text, "short"], tok, max_tokens=40, overlap=8)
    assert chunks[1] == ["short"] and len(chunks[0]) > 5
    for c in chunks[0]:
        assert c in text and len(tok(c, add_special_tokens=False)["input_ids"]) <= 40


def test_bad_windows():
    with pytest.raises(ParameterError, match=r"^chunk_size: must be at least 1, got 0"):
        text_windows("x", size=0, overlap=0)
    with pytest.raises(ParameterError, match=r"^overlap: "):
        text_windows("x", size=2, overlap=-1)
    with pytest.raises(ParameterError, match=r"^chunk: unknown chunking 'pages'"):
        text_windows("x", by="pages")  # type: ignore[arg-type]
