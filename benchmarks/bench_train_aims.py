"""Benchmark: fine-tuning all-MiniLM-L6-v2 on aims_qa, against the base model and BM25.

aims_qa (../shared/data/aims_qa/train_dataset.json): 594 questions about 297 ~2,000-character passages of a novel.
Split by passage (no passage in two splits) into train / dev / test = 70 / 10 / 20 %; dev picks the best checkpoint,
test is only used for the table. Rows: BM25 (bm25s), the base model, embedlab with plain MNRL, embedlab with MNRL on
mined hard negatives (rank window 3..30, relative margin 5 %: the false-negative guards); then, through embedlab's
index, each model alone scoring a passage by its best chunk of 5 sentences (the chunking remedy for passages longer
than the model reads) and each model in hybrid search with BM25 (reciprocal rank fusion, weighted min-max fusion).
Metric: NDCG@10 on test, each query searching the test passages. Prints the table and the whole run's time
(target: under 20 minutes).

The passages run to ~450 tokens, so the default reads 512 (MiniLM's position limit) in training and at test time:
at 256 a quarter of the passages are cut, and the fine-tuned model loses ~0.08 NDCG@10.

Run: .venv/bin/python benchmarks/bench_train_aims.py [--epochs 3] [--max-seq-length 256 --train-max-seq-length 256]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data")) / "aims_qa" / "train_dataset.json"


def ndcg_at_10(ranked: dict[str, list[str]], relevant: dict[str, set[str]]) -> float:
    total = 0.0
    for qid, docs in ranked.items():
        rel = relevant[qid]
        dcg = sum(1 / math.log2(r + 2) for r, d in enumerate(docs[:10]) if d in rel)
        idcg = sum(1 / math.log2(r + 2) for r in range(min(10, len(rel))))
        total += dcg / idcg
    return total / len(ranked)


def bm25_ndcg(test) -> float:
    import bm25s

    dids = list(test.corpus)
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([test.corpus[d] for d in dids], stopwords="en", show_progress=False), show_progress=False
    )
    qids = list(test.queries)
    res, _ = retriever.retrieve(
        bm25s.tokenize([test.queries[q] for q in qids], stopwords="en", show_progress=False), k=10, show_progress=False
    )
    ranked = {q: [dids[i] for i in row] for q, row in zip(qids, res, strict=True)}
    return ndcg_at_10(ranked, test.relevant_sets())


def index_ndcgs(model_arg: str, model, test, work: Path, name: str) -> dict[str, float]:
    """NDCG@10 through embedlab's index over the test passages: dense with each passage scored by its best chunk of
    5 sentences (the index's default chunking, the remedy for passages longer than the model reads), and hybrid search
    (dense + BM25 over whole passages) by both fusions."""
    from embedlab.index import Index

    docs = [{"id": d, "text": t} for d, t in test.corpus.items()]
    chunked = Index.build(
        model_arg, docs, work / f"chunks-{name}", chunk="sentences", chunk_size=5, overlap=1, encoder=model
    )
    ranked = {}
    for q, text in test.queries.items():
        seen: list[str] = []
        for h in chunked.search(text, k=50, candidates=50, exact=True):
            if h.doc_id not in seen:
                seen.append(h.doc_id)
        ranked[q] = seen[:10]
    out = {"dense, passage = its best 5-sentence chunk": ndcg_at_10(ranked, test.relevant_sets())}
    index = Index.build(model_arg, docs, work / f"index-{name}", encoder=model)
    for label, opts in (("RRF", {"fusion": "rrf"}), ("weighted", {"fusion": "weighted", "alpha": 0.5})):
        ranked = {
            q: [h.doc_id for h in index.search(text, k=10, mode="hybrid", **opts)] for q, text in test.queries.items()
        }
        out[f"hybrid {label} with BM25"] = ndcg_at_10(ranked, test.relevant_sets())
    return out


def dense_ndcg(model, test) -> float:
    dids = list(test.corpus)
    qids = list(test.queries)
    d = model.encode([test.corpus[x] for x in dids], batch_size=32, normalize_embeddings=True)
    q = model.encode([test.queries[x] for x in qids], batch_size=32, normalize_embeddings=True)
    order = (-(q @ d.T)).argsort(axis=1)[:, :10]
    ranked = {qid: [dids[j] for j in row] for qid, row in zip(qids, order, strict=True)}
    return ndcg_at_10(ranked, test.relevant_sets())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=float, default=3)
    ap.add_argument("--max-seq-length", type=int, default=512, help="tokens at evaluation (all systems)")
    ap.add_argument("--train-max-seq-length", type=int, default=512, help="tokens during training")
    ap.add_argument("--lr", type=float, default=None, help="learning rate (default: embedlab's)")
    ap.add_argument(
        "--hn-loss",
        default="cached-mnrl",
        help="loss of the hard-negative run: cached-mnrl (GradCache, mini-batch 8: MNRL's gradients, bounded memory; "
        "plain mnrl with triplets at 512 tokens needs ~20 GiB) or mnrl",
    )
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"aims_qa not found at {DATA}")

    from embedlab.data import load_ir
    from embedlab.data.mine_negatives import mine_negatives, write_rows
    from embedlab.data.split import split_ir, write_ir_json
    from embedlab.data.training import ir_to_pairs
    from embedlab.models.resolve import load_sentence_model
    from embedlab.train import Recipe, train

    start = time.perf_counter()
    ir = load_ir(DATA)
    parts = split_ir(ir, {"train": 0.7, "dev": 0.1, "test": 0.2}, by="doc", seed=42)
    for name, p in parts.items():
        print(f"{name}: {len(p.queries)} queries, {len(p.corpus)} passages")
    work = Path(tempfile.mkdtemp(prefix="bench-aims-"))
    for name, p in parts.items():
        write_ir_json(p, work / f"{name}.json")
    test = parts["test"]
    rows = []
    t = time.perf_counter()
    rows.append(("BM25 (bm25s)", bm25_ndcg(test), time.perf_counter() - t))
    base = load_sentence_model("all-MiniLM-L6-v2", max_seq_length=args.max_seq_length)
    t = time.perf_counter()
    rows.append(("all-MiniLM-L6-v2 (base)", dense_ndcg(base, test), time.perf_counter() - t))
    index_rows = [(f"base, {f}", v) for f, v in index_ndcgs("all-MiniLM-L6-v2", base, test, work, "base").items()]

    common = dict(
        model="all-MiniLM-L6-v2",
        eval=str(work / "dev.json"),
        epochs=args.epochs,
        max_seq_length=args.train_max_seq_length,
        learning_rate=args.lr,
        seed=42,
        save_total_limit=1,
    )
    t = time.perf_counter()
    res = train(Recipe(train=str(work / "train.json"), output=str(work / "mnrl"), **common))
    model = load_sentence_model(str(work / "mnrl"), max_seq_length=args.max_seq_length)
    rows.append((f"embedlab MNRL ({res.shipped})", dense_ndcg(model, test), time.perf_counter() - t))

    t = time.perf_counter()
    pairs = ir_to_pairs(parts["train"], "train").dataset
    mined = mine_negatives(
        pairs,
        corpus=list(parts["train"].corpus.values()),
        model=base,
        kind="hard",
        num_negatives=1,
        range_min=3,
        range_max=30,
        relative_margin=0.05,
        output_format="triplet",
    )
    write_rows(mined, str(work / "triplets.jsonl"))
    print(f"mined {len(mined)} triplets from {len(pairs)} pairs in {time.perf_counter() - t:.0f} s")
    res2 = train(
        Recipe(
            train=str(work / "triplets.jsonl"),
            output=str(work / "hardneg"),
            loss=args.hn_loss,
            mini_batch_size=8,
            **common,
        )
    )
    model2 = load_sentence_model(str(work / "hardneg"), max_seq_length=args.max_seq_length)
    rows.append(
        (
            f"embedlab {args.hn_loss} + hard negatives ({res2.shipped})",
            dense_ndcg(model2, test),
            time.perf_counter() - t,
        )
    )

    best_name, best_arg, best = (
        ("MNRL", str(work / "mnrl"), model)
        if rows[2][1] >= rows[3][1]
        else ("MNRL + hard negatives", str(work / "hardneg"), model2)
    )
    tuned_rows = [
        (f"fine-tuned ({best_name}), {f}", v) for f, v in index_ndcgs(best_arg, best, test, work, "tuned").items()
    ]
    for name, score in index_rows + tuned_rows:
        rows.append((name, score, float("nan")))

    total = time.perf_counter() - start
    print(f"\naims_qa test split (by passage): {len(test.queries)} queries over {len(test.corpus)} passages")
    print("| system | NDCG@10 | time (s) |\n|---|---|---|")
    for name, score, secs in rows:
        print(f"| {name} | {score:.4f} | {'-' if secs != secs else f'{secs:.0f}'} |")
    print(
        f"\nwhole run: {total / 60:.1f} min (target < 20 min); epochs {args.epochs:g}, max_seq_length "
        f"{args.train_max_seq_length} (training) / {args.max_seq_length} (evaluation); load {os.getloadavg()}"
    )
    print(
        f"fine-tuned MNRL vs BM25: {rows[2][1] / rows[0][1]:.3f}x; "
        f"hard negatives vs plain MNRL: {rows[3][1] / rows[2][1]:.3f}x; "
        f"fine-tuned model alone, chunked, vs BM25: {tuned_rows[0][1] / rows[0][1]:.3f}x; "
        f"best hybrid with the fine-tuned model vs BM25: {max(v for _, v in tuned_rows[1:]) / rows[0][1]:.3f}x"
    )


if __name__ == "__main__":
    main()
