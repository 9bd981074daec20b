"""Retrieval quality on aims_qa, split by passage: BM25, dense, hybrid, and dense + a trained reranker.

The passages are split 80/20 (:func:`embedlab.rerank.split_by_passage`): the reranker is trained on the queries of
the training passages (negatives mined by the bi-encoder), and every method is scored on the queries of the held-out
passages, searching the whole corpus. Passages (~2000 characters, longer than MiniLM reads) are indexed in chunks of
5 sentences; a passage's rank is that of its best chunk. Metric: NDCG@10 (and MRR@10, recall@10) with binary
relevance, from ``evaluate_search`` (:func:`embedlab.evaluate.retrieval.ranking_metrics` over the index's own
search, a passage ranked by its best chunk).

    python benchmarks/bench_retrieval_quality.py                       # full run
    python benchmarks/bench_retrieval_quality.py --max-pairs 64        # quick look

The reranker recipe (defaults): a fresh mean-pooled head on all-MiniLM-L6-v2, the 476 labelled pairs plus 8
inverse-cloze pseudo-queries per training passage (the sentence kept in its passage), 4 mined negatives each, BCE,
2 epochs at lr 5e-5, 256 tokens.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "aims_qa" / "train_dataset.json"))
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--max-pairs", type=int, default=None, help="cap on reranker training pairs")
    ap.add_argument("--negatives", type=int, default=4)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--head", default="mean", help="scoring head of the fresh cross-encoder: mean or cls")
    ap.add_argument("--corpus-queries", type=int, default=8, help="inverse-cloze pseudo-queries per training passage")
    ap.add_argument("--keep-sentence", type=float, default=1.0)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--rerank-top", type=int, default=20)
    ap.add_argument("--loss", default="bce")
    ap.add_argument("--out", default=None, help="keep the index and the reranker here")
    ap.add_argument("--reuse", action="store_true", help="reuse the index (and reranker) already in --out")
    ap.add_argument("--no-rerank", action="store_true", help="skip training and the reranked row")
    args = ap.parse_args()

    from embedlab.data import load_ir
    from embedlab.index import Index
    from embedlab.models.resolve import load_sentence_model
    from embedlab.rerank import load_cross_encoder, split_by_passage, train_reranker

    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"machine: {platform.machine()} {os.cpu_count()} cores; {now}")
    ir = load_ir(args.data)
    train, test = split_by_passage(ir, 0.2, seed=42)
    print(
        f"aims_qa: {len(ir.corpus)} passages; train {len(train.queries)} queries on {len(train.corpus)} passages, "
        f"test {len(test.queries)} queries on the held-out passages (search over all {len(test.corpus)})"
    )
    out = Path(args.out or tempfile.mkdtemp(prefix="embedlab-bench-"))
    encoder = load_sentence_model(args.model)
    t = time.perf_counter()
    docs = [{"id": d, "text": text} for d, text in ir.corpus.items()]
    if args.reuse and (out / "index" / "manifest.json").exists():
        index = Index.load(out / "index", encoder=encoder)
    else:
        index = Index.build(
            args.model, docs, out / "index", chunk="sentences", chunk_size=5, overlap=1, encoder=encoder
        )
    print(f"index: {index.count} chunks of {len(docs)} passages in {time.perf_counter() - t:.1f} s")

    ce = None
    if not args.no_rerank:
        t = time.perf_counter()
        if args.reuse and (out / "reranker" / "metrics.json").exists():
            import json

            m = json.loads((out / "reranker" / "metrics.json").read_text())
        else:
            m = train_reranker(
                train,
                out / "reranker",
                bi_encoder=encoder,
                eval_data=test,
                eval_top_k=args.rerank_top,
                loss=args.loss,
                num_negatives=args.negatives,
                epochs=args.epochs,
                max_length=args.max_length,
                max_pairs=args.max_pairs,
                head=args.head,
                corpus_queries=args.corpus_queries,
                keep_sentence=args.keep_sentence,
                batch_size=16,
                learning_rate=5e-5,
            )
        print(
            f"reranker: {m['train_examples']} training examples from {m['train_pairs']} labelled pairs + "
            f"{m.get('corpus_pairs', 0)} inverse-cloze pairs, {args.epochs:g} epochs, {args.head} head, in "
            f"{time.perf_counter() - t:.1f} s; evaluator (top {args.rerank_top} passages of the bi-encoder): "
            f"NDCG@10 {m['before']['ndcg@10']:.4f} -> {m['after']['ndcg@10']:.4f}"
        )
        ce = load_cross_encoder(out / "reranker")

    from embedlab.evaluate import evaluate_search

    configs = {
        "BM25": {"mode": "bm25"},
        "dense": {"mode": "dense"},
        "hybrid (RRF)": {"mode": "hybrid"},
        "hybrid (weighted, alpha=0.5)": {"mode": "hybrid", "fusion": "weighted", "alpha": 0.5},
    }
    if ce is not None:
        configs[f"dense + reranker (top {args.rerank_top} chunks)"] = {
            "mode": "dense",
            "rerank": ce,
            "rerank_top": args.rerank_top,
        }
    rows = []
    for name, opts in configs.items():
        mt = evaluate_search(index, test, k=50, candidates=50, **opts)
        rows.append((name, mt, mt["ms_per_query"]))
    dense = next(r for r in rows if r[0] == "dense")[1]["ndcg@10"]
    print()
    print("| method | NDCG@10 | vs dense | MRR@10 | recall@10 | ms/query |")
    print("|---|---|---|---|---|---|")
    for name, mt, ms in rows:
        print(
            f"| {name} | {mt['ndcg@10']:.4f} | {mt['ndcg@10'] - dense:+.4f} | {mt['mrr@10']:.4f} | "
            f"{mt['recall@10']:.4f} | {ms:.1f} |"
        )


if __name__ == "__main__":
    main()
