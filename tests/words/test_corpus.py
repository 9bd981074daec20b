from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest

from embedlab.errors import InputError, OptionError
from embedlab.words import Corpus, expand_sources, iter_documents
from embedlab.words.corpus import detect_source_format

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def test_text_files_folders_globs_and_compression(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("first doc\n\nsecond doc\n", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    with gzip.open(sub / "b.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("gz doc\n")
    with bz2.open(sub / "c.txt.bz2", "wt", encoding="utf-8") as fh:
        fh.write("bz2 doc\n")
    (sub / ".hidden").write_text("never read\n", encoding="utf-8")
    assert list(Corpus([tmp_path / "a.txt"])) == ["first doc", "second doc"]
    assert list(Corpus([sub])) == ["gz doc", "bz2 doc"]
    assert list(Corpus([str(tmp_path / "**" / "*.gz")])) == ["gz doc"]
    corpus = Corpus([tmp_path])
    assert list(corpus) == list(corpus)  # re-iterable: gensim reads it more than once
    assert Corpus([tmp_path], limit=2).__iter__().__next__() == "first doc"
    assert len(list(Corpus([tmp_path], limit=2))) == 2


def test_very_long_line_streams_in_pieces(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    words = [f"word{i}" for i in range(300_000)]
    path.write_text(" ".join(words), encoding="utf-8")
    pieces = list(iter_documents(path))
    assert len(pieces) > 1
    assert " ".join(p.strip() for p in pieces).split() == words


def test_jsonl_text_field_nested(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    rows = [{"meta": {"body": "hello there"}}, {"meta": {"body": "general kenobi"}}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert list(Corpus([path], text_field="meta.body")) == ["hello there", "general kenobi"]


def test_jsonl_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"text": broken}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: not valid JSON"):
        list(Corpus([path], text_field="text"))
    missing = tmp_path / "missing.jsonl"
    missing.write_text('{"text": "ok"}\n{"body": "no text"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"missing\.jsonl:2: no field 'text'"):
        list(Corpus([missing], text_field="text"))
    with pytest.raises(OptionError, match="--text-field"):
        Corpus([path])


def test_missing_sources(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="corpus file not found"):
        Corpus([tmp_path / "nope.txt"])
    with pytest.raises(InputError, match="no file matches"):
        expand_sources([str(tmp_path / "*.nothing")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="folder has no files"):
        Corpus([tmp_path / "empty"])
    with pytest.raises(OptionError, match="--format"):
        Corpus([tmp_path], format="pdf")  # type: ignore[arg-type]


def test_wikipedia_dump_articles(gensim_test_data: Path) -> None:
    path = gensim_test_data / WIKI
    assert detect_source_format(path) == "wiki"
    docs = list(Corpus([path], limit=3))
    assert len(docs) == 3
    assert "Anarchism" in docs[0] and "[[" not in docs[0]  # wiki markup filtered as in gensim's WikiCorpus


def test_malformed_wiki_xml(tmp_path: Path) -> None:
    path = tmp_path / "broken-pages-articles.xml"
    path.write_text("<mediawiki><page><title>x</title><revision><text>unclosed", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken-pages-articles\.xml"):
        list(Corpus([path]))


def test_undecodable_corpora_are_refused_not_trained_on(tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.txt"
    utf16.write_text("café au lait\nking queen\n", encoding="utf-16")
    with pytest.raises(InputError, match=r"utf16\.txt: UTF-16 text"):
        list(Corpus([utf16]))
    assert list(Corpus([utf16], encoding="utf-16")) == ["café au lait", "king queen"]
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    with pytest.raises(InputError, match=r"blob\.txt: binary file"):
        list(Corpus([binary]))
    latin = tmp_path / "latin.jsonl.gz"
    latin.write_bytes(gzip.compress(b'{"text": "ok"}\n{"text": "caf\xe9"}\n'))  # é is byte 15 + 13
    with pytest.raises(InputError, match=r"latin\.jsonl\.gz: not UTF-8 text: byte 28 "):
        list(Corpus([latin], text_field="text"))
    assert list(Corpus([latin], text_field="text", encoding="latin-1")) == ["ok", "café"]


@pytest.mark.parametrize("content", [b"\xff\xfek\x00i\x00n\x00g\x00\n\x00", b"king \x00\x01\x02 queen\n"])
def test_words_train_refuses_utf16_and_binary_in_one_line(cli, tmp_path: Path, content: bytes) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(content * 50)
    code, _, err = cli("words", "train", corpus, "-o", tmp_path / "vectors")
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"error: {corpus}: ")
    assert not (tmp_path / "vectors").exists()
