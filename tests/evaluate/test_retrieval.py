"""Retrieval metrics: equal to sentence-transformers' InformationRetrievalEvaluator on aims_qa, and to pytrec_eval on
a hand-checked graded example."""

from __future__ import annotations

import math

import numpy as np
import pytest

from embedlab.data import IRDataset, load_ir
from embedlab.evaluate.retrieval import rank, ranking_metrics, retrieval_metrics
from testsupport import shared_path


def test_ranking_metrics_by_hand():
    # q1: relevant d1 at rank 2; q2: relevant d3 (rank 1) and d9 (not retrieved).
    m = ranking_metrics([["d2", "d1", "d4"], ["d3", "d5", "d6"]], [{"d1": 1}, {"d3": 1, "d9": 1}])
    assert m["accuracy@1"] == 0.5 and m["accuracy@3"] == 1.0
    assert m["precision@1"] == 0.5 and m["recall@3"] == pytest.approx((1 + 0.5) / 2)
    assert m["mrr@10"] == pytest.approx((0.5 + 1.0) / 2)
    ndcg_q1 = (1 / math.log2(3)) / 1.0
    ndcg_q2 = 1.0 / (1.0 + 1 / math.log2(3))
    assert m["ndcg@10"] == pytest.approx((ndcg_q1 + ndcg_q2) / 2)
    assert m["map@100"] == pytest.approx((0.5 + 0.5) / 2)


def test_ties_break_by_document_id():
    scores = np.array([[0.5, 0.9, 0.5, 0.5]])
    assert rank(scores, ["d9", "d1", "d3", "d2"], 3) == [[1, 3, 2]]  # d1, then the tied d2 < d3 < d9


def _graded_example() -> tuple[IRDataset, np.ndarray, np.ndarray]:
    # Distinct scores everywhere, so pytrec_eval's tie order (by doc id, descending) cannot matter.
    corpus = {f"d{i}": f"doc {i}" for i in range(8)}
    queries = {"q1": "a", "q2": "b", "q3": "c"}
    relevant = {"q1": {"d0": 3, "d3": 1, "d5": 2}, "q2": {"d7": 1}, "q3": {"d1": 2, "d2": 2, "d6": 1}}
    rng = np.random.default_rng(7)
    docs = rng.normal(size=(8, 6)).astype(np.float32)
    q = rng.normal(size=(3, 6)).astype(np.float32)
    return IRDataset(queries, corpus, relevant), q, docs


def test_graded_relevance_equals_pytrec_eval():
    pytrec_eval = pytest.importorskip("pytrec_eval")
    ds, q, docs = _graded_example()
    ours = retrieval_metrics(ds, q, docs, score_functions=["cosine"])
    sims = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (docs / np.linalg.norm(docs, axis=1, keepdims=True)).T
    run = {qid: {did: float(sims[i, j]) for j, did in enumerate(ds.corpus)} for i, qid in enumerate(ds.queries)}
    measures = {"ndcg_cut_10", "P_1", "P_3", "P_5", "P_10", "recall_1", "recall_3", "recall_5", "recall_10",
                "map_cut_100", "recip_rank"}  # fmt: skip
    per_query = pytrec_eval.RelevanceEvaluator(ds.relevant, measures).evaluate(run)

    def mean(measure: str) -> float:
        return float(np.mean([v[measure] for v in per_query.values()]))

    assert ours["cosine_ndcg@10"] == pytest.approx(mean("ndcg_cut_10"), abs=1e-6)
    for k in (1, 3, 5, 10):
        assert ours[f"cosine_precision@{k}"] == pytest.approx(mean(f"P_{k}"), abs=1e-6)
        assert ours[f"cosine_recall@{k}"] == pytest.approx(mean(f"recall_{k}"), abs=1e-6)
    assert ours["cosine_map@100"] == pytest.approx(mean("map_cut_100"), abs=1e-6)
    # every query has a relevant document in its top 8 (= the whole corpus), so MRR@10 is the full reciprocal rank
    assert ours["cosine_mrr@10"] == pytest.approx(mean("recip_rank"), abs=1e-6)
    # and one query by hand: q2's single relevant document d7 at rank r gives NDCG 1/log2(r + 1)
    r = int(np.argsort(-sims[1]).tolist().index(7)) + 1
    assert per_query["q2"]["ndcg_cut_10"] == pytest.approx(1 / math.log2(r + 1))


@pytest.mark.slow
def test_aims_qa_equals_information_retrieval_evaluator(minilm, minilm_path):
    import torch
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator
    from sentence_transformers.util import cos_sim, dot_score

    from embedlab.models.cache import CachedEncoder
    from embedlab.models.encoder import SentenceEncoder

    full = load_ir(shared_path("aims_qa", "train_dataset.json"))
    # Subsample for time: the first 60 passages (2,000 characters each) and every query whose answers are among
    # them; the comparison with the reference is as strict on 60 documents as on 297.
    corpus = dict(list(full.corpus.items())[:60])
    keep = [q for q in full.queries if set(full.relevant[q]) <= set(corpus)]
    assert len(keep) > 100
    ds = IRDataset({q: full.queries[q] for q in keep}, corpus, {q: full.relevant[q] for q in keep})

    enc = CachedEncoder(SentenceEncoder(minilm, "minilm", minilm_path), None)
    doc_emb = enc.encode(list(ds.corpus.values()))
    ours = retrieval_metrics(ds, enc.encode(list(ds.queries.values())), doc_emb)

    ref_eval = InformationRetrievalEvaluator(
        ds.queries, ds.corpus, ds.relevant_sets(), score_functions={"cosine": cos_sim, "dot": dot_score}
    )
    # The evaluator encodes the queries itself; the passages, the slow part, are given the embeddings the same model
    # produced for us.
    ref = ref_eval.compute_all_metrics(minilm, corpus_embeddings=torch.from_numpy(doc_emb))
    flat = {
        f"{fn}_{name.replace('@k', f'@{k}')}": v
        for fn, d in ref.items()
        for name, vals in d.items()
        for k, v in vals.items()
    }
    assert set(flat) == set(ours)
    for key, value in flat.items():
        assert ours[key] == pytest.approx(float(value), abs=1e-6), key
    assert 0.3 < ours["cosine_ndcg@10"] < 1.0
