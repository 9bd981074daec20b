"""`embedlab index ...` and `embedlab search`: happy paths, one-line errors and exit codes."""

from __future__ import annotations

import json
import shutil

import pytest


@pytest.fixture()
def docs_file(tmp_path, corpus_docs):
    p = tmp_path / "docs.jsonl"
    p.write_text("\n".join(json.dumps(d) for d in corpus_docs[:8]) + "\n")
    return p


@pytest.mark.slow
def test_build_search_info_delete_compact(cli, tmp_path, docs_file):
    out = tmp_path / "idx"
    code, stdout, stderr = cli("index", "build", "all-MiniLM-L6-v2", docs_file, "-o", out)
    assert code == 0, stderr
    assert "indexed 8 documents as 8 chunks" in stdout
    code, stdout, _ = cli("search", out, "solar electricity", "-k", "3", "--json")
    assert code == 0
    result = json.loads(stdout)
    assert result["hits"][0]["id"] in ("sun1", "sun2") and set(result["hits"][0]) >= {"scores", "metadata"}
    code, stdout, _ = cli("search", out, "cat", "--mode", "hybrid", "-f", "lang=de", "--json")
    assert code == 0 and [h["id"] for h in json.loads(stdout)["hits"]] == ["cat2", "sun3"]
    code, stdout, _ = cli("search", out, "wind", "--mmr", "0.5", "-k", "2")
    assert code == 0 and "wind" in stdout
    code, stdout, _ = cli("index", "info", out, "--json")
    assert code == 0 and json.loads(stdout)["chunks"] == 8
    extra = tmp_path / "more.jsonl"
    extra.write_text('{"id": "z1", "text": "Hydrogen fuel cells power buses."}\n')
    assert cli("index", "add", out, extra)[0] == 0
    code, stdout, _ = cli("index", "delete", out, "sun1", "z1")
    assert code == 0 and "deleted 2 chunks; 7 remain" in stdout
    code, stdout, _ = cli("index", "compact", out)
    assert code == 0 and "2 deleted chunks removed" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "{idx}", "x", "-f", "yaer>=2020"), "error: option --filter: no document has the field 'yaer'"),
        (("search", "{idx}", "x", "-f", "year>>2020"), "error: option --filter: cannot read 'year>>2020'"),
        (("search", "{idx}", "x", "--mmr", "1.5"), "error: option --mmr: must be between 0 and 1"),
        (("search", "{tmp}/missing", "x"), "missing: index not found"),
        (("index", "info", "{tmp}"), "not an embedlab index (no manifest.json)"),
        (("index", "delete", "{idx}", "no-such-id"), "none of the ids no-such-id is in the index"),
        (
            ("index", "build", "all-MiniLM-L6-v2", "{tmp}/nope.jsonl", "-o", "{tmp}/o"),
            "nope.jsonl: documents file not found",
        ),
        (("index", "build", "no-such-model", "{docs}", "-o", "{tmp}/o"), "model 'no-such-model'"),
        (
            ("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--hnsw-m", "0"),
            "option --hnsw-m: must be",
        ),
        (
            ("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--hnsw-m", "-5"),
            "option --hnsw-m: must be",
        ),
        (
            ("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--id-field", "nosuch"),
            "option --id-field: the documents have no field 'nosuch'",
        ),
        (
            (
                "index",
                "build",
                "all-MiniLM-L6-v2",
                "{docs}",
                "-o",
                "{tmp}/o",
                "--backend",
                "qdrant",
                "--url",
                "http://127.0.0.1:9",
            ),
            "cannot reach the Qdrant server at http://127.0.0.1:9",
        ),
        (
            ("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--url", "http://127.0.0.1:9"),
            "option --url: only the qdrant store",
        ),
        (("index", "add", "{idx}", "{docs}", "--batch-size", "0"), "option --batch-size: must be at least 1, got 0"),
        (
            ("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--quantize", "binary", "--ann", "ivf"),
            "option --ann: binary vectors are searched in an HNSW graph",
        ),
        (
            ("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--nprobe", "-1"),
            "option --nprobe: must be between 0 and 1000000, got -1",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, small_index_path, tmp_path, docs_file, args, message):
    idx = tmp_path / "idx"
    shutil.copytree(small_index_path, idx)
    (tmp_path / "junk").mkdir()
    argv = [a.format(idx=idx, tmp=tmp_path / "junk", docs=docs_file) for a in args]
    code, _, stderr = cli(*argv)
    assert code == 2
    assert message in stderr
    # one error line, last (model loading may print progress before it), no traceback
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if "error" in line.lower()] == [stderr.strip().splitlines()[-1]]


def test_corrupted_index_exit_code(cli, small_index_path, tmp_path):
    idx = tmp_path / "idx"
    shutil.copytree(small_index_path, idx)
    vec = next(idx.glob("vectors-*.npy"))
    vec.write_bytes(vec.read_bytes()[:-4])
    code, _, stderr = cli("search", idx, "x")
    assert code == 2 and f"index file {vec.name} has" in stderr and "rebuild the index" in stderr


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("search", "{idx}", "x", "--mode", "sparse"), "--mode"),
        (("search", "{idx}", "x", "--fusion", "max"), "--fusion"),
        (("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--chunk", "pages"), "--chunk"),
        (("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--store", "redis"), "--store"),
        (("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--backend", "tpu"), "--backend"),
        (("index", "build", "all-MiniLM-L6-v2", "{docs}", "-o", "{tmp}/o", "--ann", "lsh"), "--ann"),
    ],
)
def test_choices_are_checked_by_the_cli(cli, small_index_path, tmp_path, docs_file, args, flag):
    idx = tmp_path / "idx"
    shutil.copytree(small_index_path, idx)
    argv = [a.format(idx=idx, tmp=tmp_path, docs=docs_file) for a in args]
    code, _, stderr = cli(*argv)
    assert code == 2 and stderr.startswith(f"error: option {flag}: ") and "is not one of" in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert not (tmp_path / "o").exists()


def test_nan_metadata_prints_valid_json(cli, tmp_path):
    docs = tmp_path / "nan.jsonl"
    docs.write_text('{"id": "a", "text": "solar power", "x": NaN, "y": Infinity, "z": 1.5}\n')
    out = tmp_path / "idx"
    assert cli("index", "build", "all-MiniLM-L6-v2", docs, "-o", out)[0] == 0
    code, stdout, _ = cli("search", out, "solar", "--json")
    assert code == 0
    hit = json.loads(stdout)["hits"][0]  # strict JSON: NaN and Infinity would not parse in other languages
    # NaN is read as a missing value (as pandas does); an infinity is printed as null
    assert hit["metadata"] == {"y": None, "z": 1.5}
    assert "NaN" not in stdout and "Infinity" not in stdout


def test_int8_index_uses_inverted_lists_and_says_so(cli, tmp_path, docs_file):
    out = tmp_path / "int8"
    code, _, stderr = cli("index", "build", "all-MiniLM-L6-v2", docs_file, "-o", out, "--quantize", "int8")
    assert code == 0, stderr
    code, stdout, _ = cli("index", "info", out, "--json")
    info = json.loads(stdout)
    assert code == 0 and info["ann"] == "faiss-ivf" and info["quantize"] == "int8" and info["vector_bytes"] == 384
    code, stdout, _ = cli("search", out, "solar electricity", "-k", "2", "--json")
    assert code == 0 and json.loads(stdout)["hits"][0]["id"] in ("sun1", "sun2")
