"""`embedlab eval` of a two-tower model embeds queries with the query tower: equal to InformationRetrievalEvaluator."""

from __future__ import annotations

import json

import pytest

from embedlab.evaluate.runner import run_evaluation


@pytest.fixture(scope="module")
def dual_folder(tmp_path_factory, minilm_path):
    """A saved two-tower model whose towers differ: MiniLM in both, the query tower's weights perturbed."""
    import torch

    from embedlab.dual import DualConfig, build_dual_model

    model = build_dual_model(DualConfig(), base=minilm_path, device="cpu")
    router = next(m for m in model if type(m).__name__ == "Router")
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in router.sub_modules["query"].parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.02)
    folder = tmp_path_factory.mktemp("dual") / "model"
    model.save(str(folder))
    return folder


@pytest.fixture(scope="module")
def ir_file(tmp_path_factory, shared_data):
    """60 AIMS QA questions over their passages (real data, two questions per passage)."""
    data = json.loads((shared_data / "aims_qa" / "train_dataset.json").read_text(encoding="utf-8"))
    qids = list(data["queries"])[:60]
    rel = {q: data["relevant_docs"][q] for q in qids}
    docs = sorted({d for ds in rel.values() for d in ds})
    subset = {
        "queries": {q: data["queries"][q] for q in qids},
        "corpus": {d: data["corpus"][d] for d in docs},
        "relevant_docs": rel,
    }
    path = tmp_path_factory.mktemp("ir") / "aims60.json"
    path.write_text(json.dumps(subset), encoding="utf-8")
    return path, subset


def test_dual_model_eval_equals_information_retrieval_evaluator(dual_folder, ir_file, tmp_path, cli):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.evaluation import InformationRetrievalEvaluator

    path, subset = ir_file
    model = SentenceTransformer(str(dual_folder), device="cpu")
    q = model.encode_query(["what is it?"])
    d = model.encode_document(["what is it?"])
    assert abs(q - d).max() > 1e-3  # the towers really differ, so using the wrong one would show
    evaluator = InformationRetrievalEvaluator(
        subset["queries"], subset["corpus"], {k: set(v) for k, v in subset["relevant_docs"].items()}, name="x"
    )
    reference = evaluator(model)
    res = run_evaluation([str(dual_folder)], [f"retrieval:{path}"], speed=False, use_cache=False)
    ours = res.scores[str(dual_folder)]["aims60"]
    for key in ("cosine_ndcg@10", "cosine_mrr@10", "cosine_map@100", "cosine_accuracy@1", "cosine_recall@10"):
        assert ours[key] == pytest.approx(reference[f"x_{key}"], abs=1e-6), key
    # The CLI, through the on-disk cache, gives the same numbers.
    code, _, stderr = cli("eval", dual_folder, "--retrieval", path, "-o", tmp_path / "r", "--no-speed",
                          "--cache-dir", tmp_path / "cache")  # fmt: skip
    assert code == 0, stderr
    cli_scores = json.loads((tmp_path / "r" / "results.json").read_text())["scores"][str(dual_folder)]["aims60"]
    assert cli_scores["cosine_ndcg@10"] == pytest.approx(reference["x_cosine_ndcg@10"], abs=1e-6)
