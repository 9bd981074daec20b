"""evaluate_search: every query through Index.search, chunks mapped to documents, scored like model evaluation;
equal to pytrec_eval on the same document rankings computed independently (graded and binary)."""

from __future__ import annotations

import json

import pytest
from pipelinefixtures import BINARY, GRADED, QUERIES, ir, small_index  # noqa: F401 - fixture

from embedlab.errors import InputError
from embedlab.evaluate.pipeline import evaluate_search, evaluate_settings, parse_setting


def _reference(index, relevant, **options):
    """pytrec_eval on rankings made here: each query searched alone, its hits collapsed to documents by hand."""
    pytrec_eval = pytest.importorskip("pytrec_eval")
    run = {}
    for qid, text in QUERIES.items():
        docs = []
        for hit in index.search(text, k=100, **options):
            if hit.doc_id not in docs:
                docs.append(hit.doc_id)
        run[qid] = {d: float(len(docs) - r) for r, d in enumerate(docs)}  # distinct scores: no tie order
    ev = pytrec_eval.RelevanceEvaluator(relevant, {"ndcg_cut_10", "recip_rank", "recall_5", "map_cut_100"})
    per_query = ev.evaluate(run)
    n = len(per_query)
    return {
        "ndcg@10": sum(m["ndcg_cut_10"] for m in per_query.values()) / n,
        "mrr@10": sum(m["recip_rank"] for m in per_query.values()) / n,  # 8 documents: the first hit is in the top 10
        "recall@5": sum(m["recall_5"] for m in per_query.values()) / n,
        "map@100": sum(m["map_cut_100"] for m in per_query.values()) / n,
    }


@pytest.mark.parametrize("relevant", [BINARY, GRADED], ids=["binary", "graded"])
@pytest.mark.parametrize(
    "options",
    [{"mode": "dense"}, {"mode": "bm25"}, {"mode": "hybrid", "fusion": "weighted", "alpha": 0.5}, {"mmr": 0.5}],
    ids=["dense", "bm25", "weighted", "mmr"],
)
def test_evaluate_search_equals_pytrec_eval(small_index, relevant, options):  # noqa: F811
    ours = evaluate_search(small_index, ir(relevant), **options)
    ref = _reference(small_index, relevant, **options)
    for key, value in ref.items():
        assert ours[key] == pytest.approx(value, abs=1e-9), key
    assert ours["ms_per_query"] > 0


def test_chunks_rank_documents_and_filters_apply(small_index):  # noqa: F811
    assert small_index.count > 8  # several chunks per document
    m = evaluate_search(small_index, ir(BINARY), mode="bm25")
    assert m["recall@10"] == 1.0  # every judged document is found once it has any matching chunk
    with pytest.raises(InputError, match="none of the 1 judged documents is in the index"):
        from embedlab.data import IRDataset

        evaluate_search(small_index, IRDataset({"q": "x"}, {"nope": "x"}, {"q": {"nope": 1}}, name="bad"))


def test_several_settings_one_table(small_index, tmp_path, cli):  # noqa: F811
    res = evaluate_settings(small_index, ir(GRADED), {"bm25": parse_setting("mode=bm25"), "weighted": parse_setting(
        "mode=hybrid,fusion=weighted,alpha=0.5")})  # fmt: skip
    assert set(res.scores) == {"bm25", "weighted"} and res.tasks["hand"]["kind"] == "pipeline"
    assert res.scores["bm25"]["hand"]["ndcg@10"] == pytest.approx(
        evaluate_search(small_index, ir(GRADED), mode="bm25")["ndcg@10"]
    )
    assert res.models["weighted"]["settings"]["alpha"] == 0.5
    # The CLI: --index with two settings writes the same schema, and `report` reads it.
    data = tmp_path / "graded.json"
    data.write_text(json.dumps({"queries": QUERIES, "corpus": {d: "x" for r in GRADED.values() for d in r},
                                "relevant_docs": GRADED}))  # fmt: skip
    code, out, err = cli("eval", "--index", small_index.path, "--retrieval", data, "--setting", "mode=bm25",
                         "--setting", "mode=hybrid,fusion=weighted,alpha=0.5", "-o", tmp_path / "r")  # fmt: skip
    assert code == 0, err
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert saved["scores"]["mode=bm25"]["graded"]["ndcg@10"] == pytest.approx(res.scores["bm25"]["hand"]["ndcg@10"])
    assert "ms_per_query" in saved["scores"]["mode=bm25"]["graded"] and "ndcg@10" in out
    code, _, err = cli("report", tmp_path / "r", "-o", tmp_path / "report.html", "--no-png")
    assert code == 0, err and (tmp_path / "report.html").exists()


def test_parse_setting_errors():
    assert parse_setting("mode=hybrid, alpha=0.3 ,mmr=off") == {"mode": "hybrid", "alpha": 0.3, "mmr": False}
    from embedlab.errors import ParameterError

    with pytest.raises(ParameterError, match="is not KEY=VALUE"):
        parse_setting("hybrid")
