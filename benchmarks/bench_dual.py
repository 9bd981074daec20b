"""Benchmark: shared encoder vs two towers (pretrained and from scratch) vs BM25 on aims_qa.

aims_qa (../shared/data/aims_qa/train_dataset.json): 594 questions about 297 ~2,000-character passages. Split by
passage with embedlab's leak-free splitter (train / dev / test = 70 / 10 / 20 %, seed 42: the same test set as the
training benchmark of issue 3); the models train on train, dev is unused, each test question searches the test
passages. Rows:

- (a) shared: one all-MiniLM-L6-v2 encoder for both sides, fine-tuned with MultipleNegativesRankingLoss;
- (b) dual-pretrained: two towers both initialised from all-MiniLM-L6-v2 (embedlab.dual), same loss and settings;
- (c) dual-scratch: two small BERT towers (2 layers, 128 wide, tied word embeddings) from random weights, a WordPiece
  tokenizer trained on the corpus (the train questions and all passages; never a test question), optionally a
  masked-language-model warm-up (``--mlm-steps``), then symmetric contrastive training with a learned temperature;
  also measured before contrastive training, to show what it learned;
- (d) BM25 (bm25s, English stopwords);
- references: all-MiniLM-L6-v2 untouched (zero-shot) and a random ranking.

Metric: NDCG@10 (also MRR@10 and Recall@10), with training time (build + train wall clock). Prints the table, each
trained row's loss curve (mean of first / last 10 % of logged steps), the ratio of each row to BM25, and the whole
run's time; ``--json FILE`` writes it all.

Run: .venv/bin/python benchmarks/bench_dual.py [--threads 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data")) / "aims_qa" / "train_dataset.json"


def metrics(ranked: dict[str, list[str]], relevant: dict[str, set[str]]) -> dict[str, float]:
    """NDCG@10, MRR@10 and Recall@10 (binary relevance) averaged over queries, by embedlab's ranking metric."""
    from embedlab.evaluate.retrieval import ranking_metrics

    qids = list(ranked)
    out = ranking_metrics(
        [ranked[q] for q in qids],
        [dict.fromkeys(relevant[q], 1) for q in qids],
        accuracy_at_k=(1,),
        precision_recall_at_k=(10,),
        map_at_k=(10,),
    )
    return {k: out[k] for k in ("ndcg@10", "mrr@10", "recall@10")}


def dense_ranking(model, test) -> dict[str, list[str]]:
    """Rank the test passages for each test question; a two-tower model encodes each side with its own tower."""
    dids, qids = list(test.corpus), list(test.queries)
    docs = model.encode_document([test.corpus[d] for d in dids], batch_size=32, normalize_embeddings=True)
    queries = model.encode_query([test.queries[q] for q in qids], batch_size=32, normalize_embeddings=True)
    order = (-(queries @ docs.T)).argsort(axis=1)
    return {q: [dids[i] for i in row] for q, row in zip(qids, order, strict=True)}


def bm25_ranking(test) -> dict[str, list[str]]:
    import bm25s

    dids, qids = list(test.corpus), list(test.queries)
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([test.corpus[d] for d in dids], stopwords="en", show_progress=False), show_progress=False
    )
    res, _ = retriever.retrieve(
        bm25s.tokenize([test.queries[q] for q in qids], stopwords="en", show_progress=False),
        k=len(dids),
        show_progress=False,
    )
    return {q: [dids[i] for i in row] for q, row in zip(qids, res, strict=True)}


def random_metrics(test, relevant, repeats: int = 200) -> dict[str, float]:
    rng = random.Random(0)
    dids = list(test.corpus)
    totals: dict[str, float] = {}
    for _ in range(repeats):
        ranked = {}
        for q in test.queries:
            rng.shuffle(dids)
            ranked[q] = list(dids)
        for k, v in metrics(ranked, relevant).items():
            totals[k] = totals.get(k, 0.0) + v / repeats
    return totals


def train(model, loss, pairs, *, epochs: float, lr: float, batch_size: int, max_length: int, **mappings):
    """Train with sentence-transformers' trainer (no duplicate texts in a batch: two questions share each passage,
    and a duplicate passage would be a false negative), on texts cut to ``max_length`` tokens (the model's own limit
    is restored for evaluation). Returns the logged losses."""
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments

    dataset = Dataset.from_dict({"anchor": [q for q, _ in pairs], "positive": [d for _, d in pairs]})
    with tempfile.TemporaryDirectory() as out:
        args = SentenceTransformerTrainingArguments(
            out,
            num_train_epochs=epochs,
            per_device_train_batch_size=batch_size,
            learning_rate=lr,
            warmup_steps=0.1,
            batch_sampler="no_duplicates",
            router_mapping=mappings.get("router_mapping") or {},
            learning_rate_mapping=mappings.get("lr_mapping") or {},
            logging_steps=2,
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            seed=42,
            disable_tqdm=True,
        )
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset, loss=loss)
        full_length = model.max_seq_length
        model.max_seq_length = min(max_length, full_length)
        try:
            trainer.train()
        finally:
            model.max_seq_length = full_length
    return [h["loss"] for h in trainer.state.log_history if "loss" in h]


def curve(losses: list[float]) -> tuple[float, float]:
    k = max(1, len(losses) // 10)
    return sum(losses[:k]) / k, sum(losses[-k:]) / k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=float, default=1.0, help="epochs for the pretrained rows (a) and (b)")
    parser.add_argument("--lr", type=float, default=5e-5, help="learning rate for (a) and (b)")
    parser.add_argument("--scratch-epochs", type=float, default=6.0, help="contrastive epochs for (c)")
    parser.add_argument("--scratch-lr", type=float, default=1e-3)
    parser.add_argument(
        "--mlm-steps", type=int, default=0, help="masked-language-model warm-up steps for (c) (trials: 150-200 hurt)"
    )
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--train-max-length", type=int, default=128, help="tokens per text while training")
    parser.add_argument("--threads", type=int, help="torch threads (1 can beat 2 on a CPU shared with other jobs)")
    parser.add_argument("--only", default="abcd", help="rows to run, e.g. 'c' (the references always run)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    opts = parser.parse_args()

    import torch

    if opts.threads:
        torch.set_num_threads(opts.threads)
    torch.manual_seed(42)
    from embedlab.data import load_ir
    from embedlab.data.split import split_ir
    from embedlab.dual import DualConfig, build_dual_model, dual_learning_rate_mapping, dual_loss, dual_router_mapping
    from embedlab.models import load_sentence_model

    start = time.perf_counter()
    ir = load_ir(DATA)
    parts = split_ir(ir, {"train": 0.7, "dev": 0.1, "test": 0.2}, by="doc", seed=42)
    train_ir, test = parts["train"], parts["test"]
    assert not set(train_ir.corpus) & set(test.corpus), "a passage is in both splits"
    relevant = {q: set(docs) for q, docs in test.relevant.items()}
    pairs = [(q, d) for _, q, _, d in train_ir.pairs()]
    print(
        f"aims_qa split by passage: train {len(pairs)} pairs / {len(train_ir.corpus)} passages; "
        f"test {len(test.queries)} questions / {len(test.corpus)} passages",
        flush=True,
    )
    rows: dict[str, dict] = {}

    def record(name: str, ranked, seconds: float, losses: list[float] | None = None, **extra) -> None:
        row = {**metrics(ranked, relevant), "train_s": round(seconds, 1), **extra}
        if losses:
            row["loss_first"], row["loss_last"] = (round(v, 4) for v in curve(losses))
            row["steps"] = len(losses) * 2
        rows[name] = row
        print(f"{name}: {json.dumps(row)}", flush=True)

    # (d) BM25 and the references first: they cost seconds.
    t = time.perf_counter()
    record("(d) BM25 (bm25s)", bm25_ranking(test), time.perf_counter() - t)
    rows["random ranking"] = {**random_metrics(test, relevant), "train_s": 0.0}
    print(f"random ranking: {json.dumps(rows['random ranking'])}", flush=True)
    record("all-MiniLM-L6-v2 zero-shot", dense_ranking(load_sentence_model("all-MiniLM-L6-v2", device="cpu"), test), 0)

    common = {"batch_size": opts.batch_size, "max_length": opts.train_max_length}
    if "a" in opts.only:  # (a) shared encoder, MNRL at scale 20 (temperature 0.05), as in (b)
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

        t = time.perf_counter()
        shared = load_sentence_model("all-MiniLM-L6-v2", device="cpu")
        loss_a = MultipleNegativesRankingLoss(shared, scale=20.0)
        losses = train(shared, loss_a, pairs, epochs=opts.epochs, lr=opts.lr, **common)
        record("(a) shared MiniLM, fine-tuned", dense_ranking(shared, test), time.perf_counter() - t, losses)
        del shared

    if "b" in opts.only:  # (b) two towers, both from MiniLM, same loss and settings
        t = time.perf_counter()
        cfg_b = DualConfig(temperature=0.05)
        dual = build_dual_model(cfg_b, base="all-MiniLM-L6-v2", device="cpu")
        mapping = dual_router_mapping(["anchor", "positive"])
        losses = train(
            dual, dual_loss(dual, cfg_b), pairs, epochs=opts.epochs, lr=opts.lr, router_mapping=mapping, **common
        )
        record("(b) two towers from MiniLM", dense_ranking(dual, test), time.perf_counter() - t, losses)
        del dual

    if "c" in opts.only:  # (c) two towers from scratch; tokenizer and warm-up see no test question
        t = time.perf_counter()
        corpus = [q for q, _ in pairs] + list(ir.corpus.values())
        cfg_c = DualConfig(
            from_scratch=True,
            layers=2,
            hidden=128,
            heads=4,
            max_length=256,
            vocab_size=8000,
            pooling="mean",
            shared_embeddings=True,
            mlm_warmup_steps=opts.mlm_steps,
            mlm_learning_rate=1e-3,
            temperature=0.05,
            learn_temperature=True,
            symmetric=True,
        )
        scratch = build_dual_model(cfg_c, corpus=corpus, device="cpu")
        info = scratch.dual_build_info
        record(
            "(c0) scratch towers before contrastive training",
            dense_ranking(scratch, test),
            time.perf_counter() - t,
            vocab=info.vocab_size,
            mlm_loss_first_last=[round(v, 3) for v in curve(info.mlm_losses)] if info.mlm_losses else None,
        )
        loss_c = dual_loss(scratch, cfg_c)
        losses = train(
            scratch,
            loss_c,
            pairs,
            epochs=opts.scratch_epochs,
            lr=opts.scratch_lr,
            router_mapping=dual_router_mapping(["anchor", "positive"]),
            lr_mapping=dual_learning_rate_mapping(cfg_c),
            **common,
        )
        record(
            "(c) two towers from scratch",
            dense_ranking(scratch, test),
            time.perf_counter() - t,
            losses,
            params=sum(p.numel() for p in scratch.parameters()),
            learned_temperature=round(loss_c.temperature, 4),
        )

    total = time.perf_counter() - start
    bm25 = rows["(d) BM25 (bm25s)"]["ndcg@10"]
    print("\n| design | NDCG@10 | MRR@10 | Recall@10 | x BM25 | train time (s) | loss first -> last |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        loss_txt = f"{r['loss_first']:.3f} -> {r['loss_last']:.3f}" if "loss_first" in r else ""
        print(
            f"| {name} | {r['ndcg@10']:.4f} | {r['mrr@10']:.4f} | {r['recall@10']:.4f} | "
            f"{r['ndcg@10'] / bm25:.2f} | {r['train_s']:.1f} | {loss_txt} |"
        )
    print(f"\nwhole run: {total:.0f} s on {os.cpu_count()} CPU threads, torch {torch.__version__}", flush=True)
    if opts.json:
        result = {"rows": rows, "total_s": total, "options": vars(opts)}
        opts.json.write_text(json.dumps(result, default=str, indent=2))


if __name__ == "__main__":
    sys.exit(main())
