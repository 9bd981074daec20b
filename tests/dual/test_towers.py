"""Two towers in one sentence-transformers model: routing, saving, loading with plain sentence-transformers."""
# ruff: noqa: F811  (pytest fixtures imported from dual_fixtures are redefined as test arguments)

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from dual_fixtures import make_trainer, qa_pairs  # noqa: F401  (fixture)

from embedlab.dual import DualConfig, build_dual_model, dual_router_mapping
from embedlab.errors import ParameterError
from embedlab.utils.atomic import atomic_dir

TEXT = "What does the guide say about towels?"

# Run in a fresh interpreter that never imports embedlab: the folder must load with sentence-transformers alone.
PLAIN_LOAD = """
import json, sys
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu")
text = sys.argv[2]
print(json.dumps({
    "modules": [type(m).__name__ for m in model],
    "query": model.encode_query([text])[0].tolist(),
    "document": model.encode_document([text])[0].tolist(),
    "plain": model.encode([text])[0].tolist(),
}))
"""


def test_router_mapping_sends_the_first_column_to_the_query_tower():
    assert dual_router_mapping(["anchor", "positive", "negative"]) == {
        "anchor": "query",
        "positive": "document",
        "negative": "document",
    }
    assert dual_router_mapping(["question", "answer", "label"]) == {"question": "query", "answer": "document"}
    with pytest.raises(ParameterError, match="needs \\(query, document"):
        dual_router_mapping(["sentence", "label"])


def test_no_model_to_start_from_is_a_clear_error():
    with pytest.raises(ParameterError, match="no model to start the towers from"):
        build_dual_model(DualConfig())


@pytest.mark.slow
def test_trained_dual_model_routes_and_loads_in_plain_sentence_transformers(qa_pairs, tmp_path):
    model = build_dual_model(DualConfig(), base="all-MiniLM-L6-v2")
    model.max_seq_length = 64  # both towers; keeps the three training steps short
    assert [type(m).__name__ for m in model] == ["Router", "Normalize"]
    # Both towers start as copies of MiniLM: the same text gets the same vector on either side...
    np.testing.assert_allclose(model.encode_query([TEXT]), model.encode_document([TEXT]), atol=1e-6)

    trainer, _ = make_trainer(model, DualConfig(), qa_pairs, tmp_path / "run", learning_rate=1e-4)
    trainer.train()
    query, document = model.encode_query([TEXT])[0], model.encode_document([TEXT])[0]
    # ...training moves each tower on its own side of the pairs, so they now differ.
    assert float(np.abs(query - document).max()) > 1e-3
    assert float(query @ document) < 0.9999

    with atomic_dir(tmp_path / "dual-model", kind="sentence-model") as tmp:
        model.save(str(tmp))
    assert (tmp_path / "dual-model" / "router_config.json").exists()
    run = subprocess.run(
        [sys.executable, "-c", PLAIN_LOAD, str(tmp_path / "dual-model"), TEXT],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    loaded = json.loads(run.stdout.strip().splitlines()[-1])
    assert loaded["modules"] == ["Router", "Normalize"]
    np.testing.assert_allclose(loaded["query"], query, atol=1e-5)
    np.testing.assert_allclose(loaded["document"], document, atol=1e-5)
    # plain encode() uses the document tower (indexing a corpus is the un-tasked call)
    np.testing.assert_allclose(loaded["plain"], document, atol=1e-5)


@pytest.mark.slow
def test_shared_embeddings_and_projection_head(tmp_path):
    model = build_dual_model(DualConfig(shared_embeddings=True, projection_dim=48), base="all-MiniLM-L6-v2")
    router = model[0]
    q_tr, d_tr = router.sub_modules["query"][0], router.sub_modules["document"][0]
    assert q_tr.model.get_input_embeddings().weight is d_tr.model.get_input_embeddings().weight
    assert q_tr.model.encoder is not d_tr.model.encoder
    # one shared table: the model counts its 30522 x 384 parameters once
    shared = q_tr.model.get_input_embeddings().weight.numel()
    towers = sum(p.numel() for p in q_tr.parameters()) + sum(p.numel() for p in d_tr.parameters())
    assert sum(p.numel() for p in model.parameters()) < towers - shared + 2 * (384 * 48 + 48) + 1
    assert model.encode_query([TEXT]).shape == (1, 48)
    assert model.get_embedding_dimension() == 48

    model.save(str(tmp_path / "m"))
    from sentence_transformers import SentenceTransformer

    again = SentenceTransformer(str(tmp_path / "m"), device="cpu")
    np.testing.assert_allclose(again.encode_query([TEXT]), model.encode_query([TEXT]), atol=1e-5)
    np.testing.assert_allclose(again.encode_document([TEXT]), model.encode_document([TEXT]), atol=1e-5)


@pytest.mark.slow
def test_towers_of_different_widths_need_a_projection(tmp_path):
    small = build_dual_model(
        DualConfig(from_scratch=True, layers=1, hidden=32, heads=2, max_length=64, tokenizer="all-MiniLM-L6-v2")
    )
    small.save(str(tmp_path / "small"))
    # A saved dual model as a tower's start gives the tower of the same route.
    cfg = DualConfig(query_model="all-MiniLM-L6-v2", document_model=str(tmp_path / "small"))
    with pytest.raises(ParameterError, match="towers output 384 and 32 dimensions; set a projection_dim"):
        build_dual_model(cfg)
    cfg.projection_dim = 16
    mixed = build_dual_model(cfg)
    assert mixed.encode_query([TEXT]).shape == mixed.encode_document([TEXT]).shape == (1, 16)
    # Same tokenizer (MiniLM's) but tables of different widths cannot be shared.
    cfg.shared_embeddings = True
    with pytest.raises(ParameterError, match="embedding tables differ in shape"):
        build_dual_model(cfg)
