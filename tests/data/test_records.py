"""The one record reader: decoding once (UTF-8, BOM, byte offsets, binary and UTF-16 refused), every table format,
compression, and the one IR JSON rule."""

from __future__ import annotations

import bz2
import gzip
import json

import pytest

from embedlab.data import load_documents, load_ir, load_labeled_texts, load_nli, load_scored_pairs, load_texts
from embedlab.data.ir import is_ir_json
from embedlab.data.records import iter_records, read_records, read_text
from embedlab.data.training import load_training_data, sniff_format
from embedlab.errors import InputError, ParameterError

LATIN = "id,text\n1,plain line\n2,caf\xe9 au lait\n"  # the é is byte 0xE9 in latin-1: not UTF-8


def test_latin1_bytes_name_the_file_and_byte_offset(tmp_path):
    f = tmp_path / "docs.csv"
    f.write_bytes(LATIN.encode("latin-1"))
    offset = LATIN.encode("latin-1").index(b"\xe9")
    with pytest.raises(InputError) as exc:
        load_documents(f)
    assert str(exc.value).startswith(f"{f}: not UTF-8 text: byte {offset} ")
    # the same file in its own encoding
    docs = load_documents(f, encoding="latin-1")
    assert docs[1].text == "café au lait"
    with pytest.raises(ParameterError, match=r"^encoding: unknown encoding 'klingon'"):
        load_documents(f, encoding="klingon")


def test_offset_counts_bytes_deep_in_a_large_and_a_compressed_file(tmp_path):
    body = b"".join(b'{"text": "line %d"}\n' % i for i in range(20_000))
    data = body + b'{"text": "caf\xe9"}\n'
    f = tmp_path / "big.jsonl"
    f.write_bytes(data)
    with pytest.raises(InputError, match=rf"big\.jsonl: not UTF-8 text: byte {len(body) + 13} "):
        load_texts(f)
    gz = tmp_path / "big.jsonl.gz"
    gz.write_bytes(gzip.compress(data))
    with pytest.raises(InputError, match=rf"big\.jsonl\.gz: not UTF-8 text: byte {len(body) + 13} "):
        load_texts(gz)


def test_utf16_and_binary_files_are_refused_in_one_line(tmp_path):
    utf16 = tmp_path / "u.txt"
    utf16.write_text("hello world\nsecond line\n", encoding="utf-16")
    with pytest.raises(InputError, match=r"u\.txt: UTF-16 text \(byte-order mark\)"):
        load_texts(utf16)
    assert load_texts(utf16, encoding="utf-16") == ["hello world", "second line"]
    bare = tmp_path / "u.jsonl"
    bare.write_bytes('{"text": "hi"}\n'.encode("utf-16-le"))
    with pytest.raises(InputError, match=r"u\.jsonl: looks like UTF-16 text"):
        load_texts(bare)
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match=r"b\.csv: binary file, not text \(NUL byte at offset 8\)"):
        load_scored_pairs(binary)


def test_utf8_bom_is_dropped(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbftext,label\nhello,a\nworld,b\n")
    assert load_labeled_texts(f) == (["hello", "world"], ["a", "b"])  # the header is "text", not "\ufefftext"


def test_every_table_format_and_compression_gives_the_same_rows(tmp_path):
    import pandas as pd

    rows = [{"anchor": "q1", "positive": "p, with comma"}, {"anchor": "q2", "positive": 'p "quoted"'}]
    pd.DataFrame(rows).to_csv(tmp_path / "r.csv", index=False)
    pd.DataFrame(rows).to_parquet(tmp_path / "r.parquet")
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "r.json").write_text(json.dumps(rows))
    (tmp_path / "cols.json").write_text(json.dumps({k: [r[k] for r in rows] for k in rows[0]}))
    (tmp_path / "r.jsonl.gz").write_bytes(gzip.compress((tmp_path / "r.jsonl").read_bytes()))
    (tmp_path / "r.csv.bz2").write_bytes(bz2.compress((tmp_path / "r.csv").read_bytes()))
    for name in ("r.csv", "r.parquet", "r.jsonl", "r.json", "cols.json", "r.jsonl.gz", "r.csv.bz2"):
        got, _ = read_records(tmp_path / name)
        assert got == rows, name
        assert load_training_data(tmp_path / name).dataset["positive"] == [r["positive"] for r in rows], name


def test_csv_lines_count_quoted_line_breaks(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text('text,label\n"two\nlines",a\n,b\n')
    assert [line for line, _ in iter_records(f)] == [2, 4]
    with pytest.raises(InputError, match=r"m\.csv:4: empty text in column 'text'"):
        load_labeled_texts(f)


def test_one_rule_for_ir_json(tmp_path, shared_data):
    aims = shared_data / "aims_qa" / "train_dataset.json"
    assert is_ir_json(aims) and sniff_format(aims) == "ir"
    table = tmp_path / "t.json"
    table.write_text(json.dumps([{"query": "q", "passage": "p"}]))
    assert not is_ir_json(table) and sniff_format(table) == "table"
    assert len(load_ir(table).queries) == 1  # a JSON array of pairs is pairs, for every reader
    half = tmp_path / "half.json"
    half.write_text(json.dumps({"queries": {"q": "a"}, "corpus": {"d": "x"}}))
    assert is_ir_json(half)
    with pytest.raises(InputError, match=r"missing key.*relevant_docs"):
        load_training_data(half)


def test_ir_from_pairs_has_one_id_scheme(tmp_path):
    from embedlab.data import IRDataset
    from embedlab.data.ir import text_id

    f = tmp_path / "p.jsonl"
    f.write_text('{"query": "who", "passage": "Arthur"}\n{"query": "who", "passage": "Ford"}\n')
    from_file = load_ir(f)
    in_memory = IRDataset.from_pairs([("who", "Arthur"), ("who", "Ford")])
    assert from_file.queries == in_memory.queries == {text_id("q", "who"): "who"}
    assert from_file.relevant == in_memory.relevant
    assert from_file.corpus == in_memory.corpus and len(in_memory.corpus) == 2


def test_nli_triplets_are_made_once(tmp_path):
    rows = [
        {"premise": "p", "hypothesis": "e1", "label": "entailment"},
        {"premise": "p", "hypothesis": "e2", "label": "entailment"},
        {"premise": "p", "hypothesis": "c1", "label": "contradiction"},
        {"premise": "q", "hypothesis": "e3", "label": "entailment"},
    ]
    f = tmp_path / "n.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    expected = [("p", "e1", "c1"), ("p", "e2", "c1")]  # every entailment x contradiction of a premise
    assert load_nli(f).triplets() == expected
    ds = load_training_data(f, nli_as_triplets=True).dataset
    assert list(zip(ds["anchor"], ds["positive"], ds["negative"], strict=True)) == expected


def test_read_text_decodes_once(tmp_path):
    f = tmp_path / "t.txt.gz"
    f.write_bytes(gzip.compress("Grüße\n".encode()))
    assert read_text(f) == "Grüße\n"


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (("data", "split", "{f}", "-o", "{o}"), "rows.jsonl"),
        (("data", "pairs-from-corpus", "{f}", "-o", "{o}.jsonl"), "docs.jsonl"),
        (("data", "mine-negatives", "{f}", "-o", "{o}.jsonl", "--kind", "easy"), "rows.jsonl"),
    ],
)
@pytest.mark.parametrize("content", ["latin-1", "utf-16", "binary"])
def test_data_commands_refuse_undecodable_input_in_one_line(cli, tmp_path, command, name, content):
    text = "".join(
        json.dumps({"id": f"d{i}", "anchor": f"q{i} caf\u00e9", "positive": f"p{i}", "text": f"T{i}. Is here. Ok."})
        + "\n"
        for i in range(6)
    )
    raw = {
        "latin-1": text.replace("\\u00e9", "\u00e9").encode("latin-1"),
        "utf-16": text.encode("utf-16"),
        "binary": b"\x00\x01\x02" + text.encode(),
    }[content]
    f = tmp_path / name
    f.write_bytes(raw)
    out = tmp_path / "out"
    code, _, err = cli(*[a.format(f=f, o=out) for a in command])
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and str(f) in lines[0]
    if content == "latin-1":
        assert "not UTF-8 text: byte " in lines[0]
    assert not list(tmp_path.glob("out*"))  # nothing half-written
