"""Benchmark: train the way the index retrieves, on aims_qa, against BM25 and the base model (issue 12).

aims_qa (../shared/data/aims_qa/train_dataset.json): 594 LLM-written questions about 297 ~2,000-character passages
of a novel. Split by passage (no passage in two splits, seed 42) into train / dev / test = 70 / 10 / 20 %; dev picks
the best checkpoint, test is only used for the table.

The passages are longer than all-MiniLM-L6-v2 reads (256 tokens), so the recipe trains on what the index embeds:

1. each training (question, passage) pair becomes (question, chunk): the passage is cut by the index's own chunker
   (``sentences``, ``--chunk-size`` sentences, overlap 1) and the chunk that answers the question is chosen by the
   base model and BM25 fused as the index fuses them (:func:`embedlab.train.retrieval_pairs.chunk_pairs`); only that
   chunk is kept, so no other chunk of the passage ever serves as a negative of its question;
2. MNRL at max_seq_length 256 (the chunks fit: 3 of the 759 training texts are longer), batch 32, lr 5e-5,
   10 % warm-up, epochs chosen by data size (``embedlab train``'s rule, :func:`embedlab.train.plan.epochs_by_size`);
3. keep-best on the dev questions, each dev passage scored by its best chunk (``chunk_eval``).

Every row of the table is measured through embedlab's index (``Index.build`` + ``Index.search``, the code path of
``embedlab search``), each test question searching the test passages, a passage ranked by its best chunk; NDCG@10
from :func:`embedlab.evaluate.retrieval.ranking_metrics`. Rows: BM25 alone; the base model dense, whole passages
(the old index defaults); the base and the trained model with the index defaults recommended by
``bench_retrieval_defaults.py`` (chunking and hybrid fusion given by ``--chunk-size``, ``--fusion``, ``--alpha``),
dense and hybrid. Prints the table, the training time (target: under 20 minutes on the 2-core CPU) and the machine.

Run: nice -n 10 .venv/bin/python benchmarks/bench_train_aims.py [--model-dir DIR to reuse a trained model]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data")) / "aims_qa" / "train_dataset.json"
MODEL = "all-MiniLM-L6-v2"


def pipeline_rows(model_arg: str, model: Any, test: Any, work: Path, tag: str, args: Any) -> dict[str, float]:
    """NDCG@10 on test through the index: whole passages (dense, BM25) and chunked with the recommended defaults."""
    from embedlab.evaluate import evaluate_search
    from embedlab.index import Index

    docs = [{"id": d, "text": t} for d, t in test.corpus.items()]
    whole = Index.build(model_arg, docs, work / f"whole-{tag}", encoder=model)
    chunked = Index.build(
        model_arg,
        docs,
        work / f"chunks-{tag}",
        chunk="sentences",
        chunk_size=args.chunk_size,
        overlap=1,
        encoder=model,
    )
    hybrid = {"mode": "hybrid", "fusion": args.fusion, "alpha": args.alpha}
    # whole passages are searched 10 deep (ten documents), chunks 100 deep: the depths the table was measured at
    rows = {
        "BM25, whole passages": (whole, {"mode": "bm25", "k": 10}),
        "dense, whole passages (old index defaults)": (whole, {"mode": "dense", "k": 10}),
        f"dense, {args.chunk_size}-sentence chunks": (chunked, {"mode": "dense"}),
        f"hybrid {args.fusion} (alpha {args.alpha}), {args.chunk_size}-sentence chunks": (chunked, hybrid),
        "hybrid RRF, whole passages": (whole, {"mode": "hybrid", "fusion": "rrf", "k": 10}),
    }
    return {name: evaluate_search(index, test, **opts)["ndcg@10"] for name, (index, opts) in rows.items()}


def make_pairs(train_ir: Any, base: Any, work: Path, args: Any) -> Path:
    """The training file: (question, chosen chunk) pairs, or whole passages with ``--pairs whole``."""
    from embedlab.train.retrieval_pairs import chunk_pairs, write_pairs

    path = work / "pairs.jsonl"
    if args.pairs == "whole":
        from embedlab.data.split import write_ir_json

        return write_ir_json(train_ir, work / "train.json")
    t = time.perf_counter()
    pairs = chunk_pairs(train_ir, base, size=args.chunk_size, overlap=1, choose="fused", alpha=0.5)
    write_pairs(pairs, str(path))
    print(
        f"{len(pairs)} (question, chunk) pairs from {len(train_ir.corpus)} passages in {time.perf_counter() - t:.0f} s"
    )
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunk-size", type=int, default=5, help="sentences per chunk (index default)")
    ap.add_argument("--fusion", default="weighted", help="hybrid fusion of the recommended defaults")
    ap.add_argument("--alpha", type=float, default=0.7, help="dense weight of weighted fusion")
    ap.add_argument("--pairs", choices=("chunks", "whole"), default="chunks", help="train on chunks or passages")
    ap.add_argument("--epochs", type=float, default=None, help="override the epochs chosen by data size")
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-seq-length", type=int, default=256)
    ap.add_argument("--model-dir", default=None, help="evaluate this trained model instead of training one")
    ap.add_argument("--base-only", action="store_true", help="only the base model's rows (no training)")
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"aims_qa not found at {DATA}")

    from embedlab.data import load_ir
    from embedlab.data.split import split_ir, write_ir_json
    from embedlab.models import as_encoder
    from embedlab.models.resolve import load_sentence_model
    from embedlab.train import Recipe, train
    from embedlab.train.plan import epochs_by_size

    print(f"machine: {machine()}")
    ir = load_ir(DATA)
    parts = split_ir(ir, {"train": 0.7, "dev": 0.1, "test": 0.2}, by="doc", seed=42)
    for name, p in parts.items():
        print(f"{name}: {len(p.queries)} queries, {len(p.corpus)} passages")
    work = Path(tempfile.mkdtemp(prefix="bench-aims-"))
    write_ir_json(parts["dev"], work / "dev.json")
    test = parts["test"]
    base = load_sentence_model(MODEL)
    base_rows = pipeline_rows(MODEL, base, test, work, "base", args)
    if args.base_only:
        for name, value in base_rows.items():
            print(f"| {name} | {value:.4f} | {value - base_rows['BM25, whole passages']:+.4f} |")
        return

    minutes = float("nan")
    model_dir = args.model_dir
    if model_dir is None:
        train_file = make_pairs(parts["train"], as_encoder(base, name=MODEL), work, args)
        n = len(parts["train"].queries)
        epochs = args.epochs or epochs_by_size(n, args.batch_size)
        model_dir = str(work / "model")
        t = time.perf_counter()
        res = train(
            Recipe(
                model=MODEL,
                train=str(train_file),
                eval=str(work / "dev.json"),
                chunk_eval=True,
                epochs=epochs,
                learning_rate=args.lr,
                batch_size=args.batch_size,
                max_seq_length=args.max_seq_length,
                seed=42,
                save_total_limit=1,
                output=model_dir,
            )
        )
        minutes = (time.perf_counter() - t) / 60
        print(f"trained {epochs:g} epochs on {n} pairs in {minutes:.1f} min; shipped {res.shipped}")
    trained = load_sentence_model(model_dir)
    tuned_rows = pipeline_rows(model_dir, trained, test, work, "trained", args)

    bm25 = base_rows["BM25, whole passages"]
    print(f"\naims_qa test split (by passage): {len(test.queries)} queries over {len(test.corpus)} passages")
    print("| pipeline | base model | trained | trained vs BM25 |\n|---|---|---|---|")
    for name in base_rows:
        print(f"| {name} | {base_rows[name]:.4f} | {tuned_rows[name]:.4f} | {tuned_rows[name] - bm25:+.4f} |")
    print(f"\ntraining: {minutes:.1f} min ({args.pairs} pairs, target < 20 min); machine after: {machine()}")


if __name__ == "__main__":
    main()
