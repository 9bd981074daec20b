"""Writers take turns and lose nothing; manifests from elsewhere are checked; the encoder is part of the index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from embedlab.index import Index, IndexCorruptedError, IndexLockedError, ModelMismatchError, TruncationWarning
from embedlab.index.lock import writer_lock

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_stale_writer_builds_on_the_latest_commit(index_copy, minilm):
    other = Index.load(index_copy.path, encoder=minilm)  # read before index_copy writes
    index_copy.add([{"id": "n1", "text": "Tidal power from the sea.", "year": 2024}])
    other.add([{"id": "n2", "text": "Geothermal heat from the ground.", "year": 2024}])  # reloads, then adds
    other.delete(["cat1"])
    final = Index.load(index_copy.path, encoder=minilm)
    assert final.count == 24 + 2 - 1
    assert {"n1", "n2"} <= final.store.live_doc_ids() and "cat1" not in final.store.live_doc_ids()


def test_a_second_writer_waits_then_fails_in_one_line(index_copy):
    index_copy.lock_timeout = 0.3
    with writer_lock(index_copy.path), pytest.raises(IndexLockedError, match="another process is writing"):
        index_copy.delete(["cat1"])
    assert index_copy.delete(["cat1"]) == 1  # the lock is free again


@pytest.mark.slow
def test_two_index_add_processes_lose_nothing(cli, small_index_path, tmp_path):
    idx = tmp_path / "idx"
    shutil.copytree(small_index_path, idx)
    batches = []
    for b in range(2):
        f = tmp_path / f"batch{b}.jsonl"
        f.write_text("".join(json.dumps({"id": f"b{b}-{i}", "text": f"extra text {b} {i}"}) + "\n" for i in range(40)))
        batches.append(f)
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "embedlab", "index", "add", str(idx), str(f)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in batches
    ]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    index = Index.load(idx)  # checksums verified
    assert index.count == 24 + 80
    assert {f"b{b}-{i}" for b in range(2) for i in range(40)} <= index.store.live_doc_ids()


def _edit_manifest(path: Path, **changes) -> None:
    data = json.loads((path / "manifest.json").read_text())
    data.update(changes)
    (path / "manifest.json").write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dimension": "abc"}, "manifest field 'dimension' must be an integer >= 1, got 'abc'"),
        ({"generation": -1}, "manifest field 'generation' must be an integer >= 0"),
        ({"files": {"../outside.npy": {"sha256": "0", "bytes": 1}}}, "names a file outside the index folder"),
        ({"files": {"/etc/passwd": {"sha256": "0", "bytes": 1}}}, "names a file outside the index folder"),
        ({"normalize": "yes"}, "manifest field 'normalize' must be bool"),
    ],
)
def test_a_bad_manifest_is_one_line(cli, small_index_path, tmp_path, change, message):
    idx = tmp_path / "idx"
    shutil.copytree(small_index_path, idx)
    _edit_manifest(idx, **change)
    with pytest.raises(IndexCorruptedError, match="manifest"):
        Index.load(idx)
    code, _, stderr = cli("search", idx, "x")
    assert code == 2 and message in stderr and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_the_encoder_is_part_of_the_index(small_index_path):
    from embedlab.models import load_encoder

    with pytest.raises(ModelMismatchError, match="embedded with the 'torch' backend, not 'onnx'"):
        Index.load(small_index_path, encoder_backend="onnx")
    manifest = json.loads((small_index_path / "manifest.json").read_text())
    assert manifest["model"]["backend"] == "torch" and manifest["model"]["fingerprint"]
    # the same weights read only 32 tokens: another encoder (its fingerprint says so), refused like another model
    short = load_encoder("all-MiniLM-L6-v2", max_seq_length=32)
    with pytest.raises(ModelMismatchError, match="index was built with model"):
        Index.load(small_index_path, encoder=short)
    same = load_encoder("all-MiniLM-L6-v2")
    hits = Index.load(small_index_path, encoder=same).search("solar electricity", k=1)
    assert hits[0].id in ("sun1", "sun2")


def test_long_documents_warn_at_build(tmp_path, minilm):
    long_text = " ".join(["Solar power is growing fast in many countries."] * 60)  # ~600 tokens > 256
    docs = [{"id": "long", "text": long_text}, {"id": "short", "text": "Wind power."}]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Index.build("all-MiniLM-L6-v2", docs, tmp_path / "i", encoder=minilm, chunk="none")
    messages = [str(w.message) for w in caught if issubclass(w.category, TruncationWarning)]
    assert len(messages) == 1
    assert messages[0].startswith("1 of 2 documents are longer than the model's 256 tokens")
    assert "--chunk auto" in messages[0]
    with warnings.catch_warnings(record=True) as caught:  # the default chunks what the model would cut off
        warnings.simplefilter("always")
        auto = Index.build("all-MiniLM-L6-v2", docs, tmp_path / "k", encoder=minilm)
    assert not [w for w in caught if issubclass(w.category, TruncationWarning)]
    assert auto.info()["chunks"] > 2 and "short" in auto.store.live_doc_ids()
    assert [h.id for h in auto.search("wind", k=1, mode="bm25")] == ["short"]  # short documents keep their id
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Index.build("all-MiniLM-L6-v2", docs, tmp_path / "j", encoder=minilm, chunk="sentences")
    assert not [w for w in caught if issubclass(w.category, TruncationWarning)]


def test_metadata_columns_are_typed(small_index_path):
    chunks = next(small_index_path.glob("chunks-*.parquet"))
    schema = pq.read_schema(chunks)
    assert str(schema.field("meta.year").type) == "int64"
    assert str(schema.field("meta.lang").type) == "string"
    table = pq.read_table(chunks)
    assert table.column("meta.year").to_pylist()[0] == 2021  # any Parquet reader sees real values


def test_indexes_with_a_json_metadata_column_still_load(small_index_path, tmp_path, minilm):
    import pyarrow as pa

    from embedlab.index.manifest import file_entry

    idx = tmp_path / "idx"
    shutil.copytree(small_index_path, idx)
    chunks = next(idx.glob("chunks-*.parquet"))
    table = pq.read_table(chunks)
    meta = [json.dumps({"year": y, "lang": lang, "topic": t}) for y, lang, t in zip(
        *(table.column(f"meta.{f}").to_pylist() for f in ("year", "lang", "topic")), strict=True)]  # fmt: skip
    old = table.select(["id", "doc_id", "text", "start", "end"]).append_column("metadata", pa.array(meta))
    pq.write_table(old.replace_schema_metadata(None), chunks)
    manifest = json.loads((idx / "manifest.json").read_text())
    manifest["files"][chunks.name] = file_entry(chunks)
    (idx / "manifest.json").write_text(json.dumps(manifest))
    hits = Index.load(idx, encoder=minilm).search("cat", k=24, filters=["lang=de"])
    assert sorted(h.id for h in hits) == ["cat2", "sun3"] and hits[0].metadata["year"] in (2020, 2021)
