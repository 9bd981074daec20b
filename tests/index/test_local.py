"""The local store on disk: add/delete/compact without rebuild, atomic writes, manifest checks."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from embedlab.index import Index, IndexCorruptedError, IndexError_, ModelMismatchError


def test_add_delete_compact(index_copy, minilm):
    path = index_copy.path
    n = index_copy.count
    assert index_copy.delete(["sun1", "sun2"]) == 2
    assert index_copy.count == n - 2
    assert {"sun1", "sun2"}.isdisjoint(h.id for h in index_copy.search("solar panels", k=24))
    reopened = Index.load(path, encoder=minilm)
    assert reopened.count == n - 2 and reopened.info()["deleted_pending_compaction"] == 2
    added = reopened.add(
        [{"id": "new1", "text": "Heat pumps warm houses efficiently.", "year": 2024, "lang": "en", "topic": "energy"}]
    )
    assert added == 1
    assert reopened.search("heat pump for the house", k=1)[0].id == "new1"
    with pytest.raises(Exception, match="already in the index"):
        reopened.add([{"id": "new1", "text": "again"}])
    reopened.add([{"id": "new1", "text": "Heat pumps, updated text.", "year": 2025}], upsert=True)
    hit = Index.load(path, encoder=minilm).search("heat pump", k=1, filters=["year=2025"])[0]
    assert (hit.id, hit.text) == ("new1", "Heat pumps, updated text.")
    before = [h.id for h in reopened.search("energy", k=10)]
    assert reopened.compact() == 3  # two deleted + the replaced version of new1
    after = Index.load(path, encoder=minilm)
    assert after.info()["deleted_pending_compaction"] == 0 and after.count == n - 1
    assert [h.id for h in after.search("energy", k=10, exact=True)] == before
    # only the current generation's files remain
    names = {p.name for p in path.iterdir()}
    assert names == {"manifest.json", ".embedlab-output.json", *{n.split("/")[0] for n in after.manifest.files}}


def test_crash_mid_write_leaves_the_old_index(index_copy, minilm, monkeypatch):
    import faiss

    path = index_copy.path
    before = [h.id for h in index_copy.search("solar", k=5)]
    manifest_before = (path / "manifest.json").read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError, match="simulated"):
        index_copy.add([{"id": "x1", "text": "Solar roofs everywhere.", "year": 2024}])
    monkeypatch.undo()
    assert (path / "manifest.json").read_text() == manifest_before
    reopened = Index.load(path, encoder=minilm)  # checksums verified: the old files are intact
    assert reopened.count == 24 and [h.id for h in reopened.search("solar", k=5)] == before
    # the next successful write cleans the new generation's orphaned files
    reopened.delete(["cat1"])
    assert not any(p.name.startswith("vectors-") and p.name not in reopened.manifest.files for p in path.iterdir())


def test_crash_during_build_keeps_previous_index(small_index_path, tmp_path, minilm, monkeypatch):
    dst = tmp_path / "idx"
    shutil.copytree(small_index_path, dst)
    import pyarrow.parquet as pq

    monkeypatch.setattr(pq, "write_table", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError, match="killed"):
        Index.build("all-MiniLM-L6-v2", [{"id": "only", "text": "replacement"}], dst, encoder=minilm)
    monkeypatch.undo()
    assert Index.load(dst, encoder=minilm).count == 24
    # no temporary folder left behind (the writer lock file beside the index stays: see embedlab.index.lock)
    assert [p.name for p in tmp_path.iterdir() if p.name != ".idx.lock"] == ["idx"]


def test_manifest_refuses_another_model(small_index_path, tmp_path, minilm_path):
    other = tmp_path / "other-model"
    shutil.copytree(minilm_path, other)
    cfg = json.loads((other / "config.json").read_text())
    cfg["layer_norm_eps"] = 1e-6  # a different model configuration, same architecture
    (other / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelMismatchError, match="index was built with model 'all-MiniLM-L6-v2'"):
        Index.load(small_index_path, model=str(other))
    Index.load(small_index_path, model="all-MiniLM-L6-v2")  # the same model is accepted


@pytest.mark.parametrize("prefix", ["vectors-", "chunks-", "hnsw-"])
def test_manifest_refuses_a_corrupted_file(small_index_path, tmp_path, prefix):
    dst = tmp_path / "idx"
    shutil.copytree(small_index_path, dst)
    victim = next(p for p in dst.iterdir() if p.name.startswith(prefix))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptedError, match=f"index file {victim.name} does not match its checksum"):
        Index.load(dst)
    victim.write_bytes(bytes(data[:-10]))
    with pytest.raises(IndexCorruptedError, match="truncated or changed"):
        Index.load(dst)
    victim.unlink()
    with pytest.raises(IndexCorruptedError, match="is missing"):
        Index.load(dst)


def test_not_an_index(tmp_path):
    with pytest.raises(IndexError_, match="index not found"):
        Index.load(tmp_path / "nope")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "precious.txt").write_text("keep me")
    with pytest.raises(IndexError_, match="not an embedlab index"):
        Index.load(tmp_path / "folder")
    with pytest.raises(Exception, match="exists and is not an embedlab index"):
        Index.build("all-MiniLM-L6-v2", ["text"], tmp_path / "folder")
    assert (tmp_path / "folder" / "precious.txt").exists()


def test_no_pickle_in_the_index(small_index_path):
    for f in small_index_path.rglob("*.npy"):
        np.load(f, allow_pickle=False)  # raises if an object array was saved
    assert not list(small_index_path.rglob("*.pkl")) and not list(small_index_path.rglob("*.pickle"))


def test_chunked_index_keeps_offsets(tmp_path, minilm):
    text = "Alpha is first. Beta comes second. Gamma is third. Delta is last."
    idx = Index.build(
        "all-MiniLM-L6-v2",
        [{"id": "doc", "text": text, "src": "x"}],
        tmp_path / "c",
        chunk="sentences",
        chunk_size=2,
        overlap=1,
        encoder=minilm,
    )
    hits = idx.search("gamma", k=3)
    assert {h.doc_id for h in hits} == {"doc"} and len({h.id for h in hits}) == 3
    for h in hits:
        assert text[h.start : h.end] == h.text and h.metadata == {"src": "x"}
    idx.add([{"id": "doc2", "text": "Epsilon follows. Zeta ends it."}])
    assert {h.id for h in idx.search("zeta", k=10)} >= {"doc2#0"}
    assert idx.delete(["doc"]) == 3


def test_texts_of_stop_words_only_are_indexed_without_bm25_terms(tmp_path, minilm):
    docs = [{"id": "a", "text": "the"}, {"id": "b", "text": "and it is"}]
    idx = Index.build("all-MiniLM-L6-v2", docs, tmp_path / "stop", encoder=minilm)
    assert idx.search("anything", k=2, mode="bm25") == []  # no term to match: nothing, not an error
    assert {h.id for h in idx.search("it", k=2, mode="hybrid")} == {"a", "b"}
    again = Index.load(idx.path, encoder=minilm)
    assert again.search("the", k=2, mode="bm25") == []
    again.add([{"id": "c", "text": "Solar panels make electricity."}])
    assert [h.id for h in again.search("solar electricity", k=1, mode="bm25")] == ["c"]
