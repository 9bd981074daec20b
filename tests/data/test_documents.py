"""Reading documents (JSONL, CSV, Parquet) and chunking them with offsets."""

from __future__ import annotations

import itertools
import json

import pytest

from embedlab.data.documents import Document, chunk_documents, load_documents, sentence_spans
from embedlab.errors import InputError, ParameterError


def test_jsonl_keeps_other_fields_as_metadata(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"id": 7, "text": "hello world", "year": 2020, "tags": ["a"]}\n\n{"id": "b", "text": "x y"}\n')
    docs = load_documents(p)
    assert [d.id for d in docs] == ["7", "b"]
    assert docs[0].metadata == {"year": 2020, "tags": ["a"]}


def test_csv_and_parquet_with_custom_fields(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    csv_path = tmp_path / "d.csv"
    csv_path.write_text("pid,body,year\np1,first text,2021\np2,second text,\n")
    docs = load_documents(csv_path, id_field="pid", text_field="body")
    assert [(d.id, d.text, d.metadata) for d in docs] == [
        ("p1", "first text", {"year": 2021}),
        ("p2", "second text", {"year": None}),
    ]
    pq.write_table(pa.table({"id": [1, 2], "text": ["a b", "c d"], "score": [0.5, 1.5]}), tmp_path / "d.parquet")
    docs = load_documents(tmp_path / "d.parquet")
    assert [(d.id, d.metadata["score"]) for d in docs] == [("1", 0.5), ("2", 1.5)]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ('{"id": 1, "text": "ok"}\n{"id": 2, "body": "no text"}\n', "jsonl", "d.jsonl:2: no 'text' field"),
        ('{"id": 1, "text": "ok"}\n{"id": 1, "text": "again"}\n', "jsonl", "d.jsonl:2: duplicate id '1'"),
        ('{"id": 1, "text": "ok"}\n{broken\n', "jsonl", "d.jsonl:2: not valid JSON"),
        ('{"id": 1, "text": "  "}\n', "jsonl", "d.jsonl:1: field 'text' is empty"),
        ("id,text\n1,a,extra\n", "csv", "d.csv:2: more cells than header columns"),
        ("hello", "txt", "unknown document format .txt"),
    ],
)
def test_bad_documents_name_file_and_line(tmp_path, content, suffix, message):
    p = tmp_path / f"d.{suffix}"
    p.write_text(content)
    with pytest.raises(InputError) as exc:
        load_documents(p)
    assert message in str(exc.value)


def test_a_named_id_field_must_exist(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"pid": "a", "text": "x"}\n{"pid": "b", "text": "y"}\n')
    assert [d.id for d in load_documents(p)] == ["0", "1"]  # no "id": row numbers
    assert [d.id for d in load_documents(p, id_field="pid")] == ["a", "b"]
    with pytest.raises(
        ParameterError, match=r"^id_field: the documents have no field 'nosuch' \(.*d\.jsonl:1 has pid, text\)"
    ):
        load_documents(p, id_field="nosuch")


def test_missing_file():
    with pytest.raises(InputError, match="documents file not found"):
        load_documents("/nonexistent/docs.jsonl")


def test_sentence_chunks_keep_doc_id_and_offsets():
    text = "First one. Second one! Third? Fourth.\n\nFifth after a blank line"
    doc = Document("d", text, {"k": 1})
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "First one.",
        "Second one!",
        "Third?",
        "Fourth.",
        "Fifth after a blank line",
    ]
    chunks = chunk_documents([doc], by="sentences", size=2, overlap=1)
    assert [c.id for c in chunks] == ["d#0", "d#1", "d#2", "d#3"]
    assert chunks[1].text == "Second one! Third?"
    for c in chunks:
        assert c.doc_id == "d" and c.metadata == {"k": 1}
        assert text[c.start : c.end] == c.text


def test_token_chunks_with_the_model_tokenizer(minilm):
    text = "Tokenization splits unbelievable words into word pieces, doesn't it?"
    chunks = chunk_documents([Document("t", text)], by="tokens", size=6, overlap=2, tokenizer=minilm.tokenizer)
    assert len(chunks) > 2
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert len(minilm.tokenizer(c.text, add_special_tokens=False)["input_ids"]) <= 7  # word-piece boundaries
    # consecutive chunks overlap
    assert all(b.start < a.end for a, b in itertools.pairwise(chunks))


def test_no_chunking_and_bad_options():
    chunks = chunk_documents([Document("a", "one. two.")])
    assert [(c.id, c.start, c.end) for c in chunks] == [("a", 0, 9)]
    with pytest.raises(ParameterError, match=r"^overlap: "):
        chunk_documents([Document("a", "x")], by="tokens", size=3, overlap=3)
    with pytest.raises(ParameterError, match="unknown chunking"):
        chunk_documents([Document("a", "x")], by="pages")  # type: ignore[arg-type]


def test_json_array_file(tmp_path):
    p = tmp_path / "d.json"
    p.write_text(json.dumps([{"id": "x", "text": "t"}]))
    assert load_documents(p)[0].id == "x"


def test_token_lengths_measure_long_texts_without_the_tokenizers_own_warning(minilm_path: str) -> None:
    from transformers import AutoTokenizer

    from embedlab.data.documents import token_lengths

    tokenizer = AutoTokenizer.from_pretrained(minilm_path)
    assert token_lengths(tokenizer, ["a b", "word " * 600]) == [4, 602]  # [CLS] and [SEP] counted, nothing cut
    # the tokenizer marks this key once it has logged "Token indices sequence length is longer than..."
    assert "sequence-length-is-longer-than-the-specified-maximum" not in tokenizer.deprecation_warnings


def test_auto_chunks_of_long_sentences_are_cut_to_what_the_model_reads(minilm_path: str) -> None:
    from transformers import AutoTokenizer

    from embedlab.data.documents import Document, chunk_documents, token_lengths

    tokenizer = AutoTokenizer.from_pretrained(minilm_path)
    long_sentence = " ".join(f"word{i}" for i in range(60)) + "."  # one sentence of ~120 tokens
    short = "A short sentence."
    doc = Document("d", " ".join([long_sentence] * 3 + [short] * 4))
    chunks = chunk_documents([doc], by="auto", size=5, overlap=1, tokenizer=tokenizer, max_tokens=64)
    assert len(chunks) > 2 and all(n <= 64 for n in token_lengths(tokenizer, [c.text for c in chunks]))
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    covered = set().union(*(range(c.start, c.end) for c in chunks))
    assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())  # every word is embedded
    assert len({c.id for c in chunks}) == len(chunks)
    # windows that fit are kept as sentence windows
    fits = chunk_documents([Document("s", " ".join([short] * 12))], by="auto", tokenizer=tokenizer, max_tokens=30)
    assert fits[0].text == " ".join([short] * 5)
