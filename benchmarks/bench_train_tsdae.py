"""Benchmark: TSDAE on unlabeled Wikipedia sentences, measured honestly in domain.

Train: sentences of the first N articles of gensim's Wikipedia excerpt (no labels), TSDAE (DenoisingAutoEncoderLoss,
tied decoder, CLS pooling) from all-MiniLM-L6-v2 with embedlab's TSDAE defaults. In-domain metric: inverse-cloze
retrieval on *other* articles of the same excerpt (a sentence must find the rest of its passage among all held-out
passages), NDCG@10, for the base model and the TSDAE model. TSDAE is meant for adapting a model with no labels at
all; starting from a model already trained on a billion pairs, it may well lose: the number says which.

Run: .venv/bin/python benchmarks/bench_train_tsdae.py [--train-docs 6] [--sentences 600]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def ict_ndcg(model, pairs) -> float:
    """NDCG@10 of each pair's positive among all positives, by embedlab's one ranking-metric function."""
    from embedlab.evaluate.retrieval import rank, ranking_metrics

    q = model.encode([p["anchor"] for p in pairs], normalize_embeddings=True, batch_size=64)
    d = model.encode([p["positive"] for p in pairs], normalize_embeddings=True, batch_size=64)
    ids = [f"{i:06d}" for i in range(len(pairs))]
    rankings = [[ids[j] for j in row] for row in rank(q @ d.T, ids, 10)]
    return ranking_metrics(rankings, [{i: 1} for i in ids])["ndcg@10"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-docs", type=int, default=6)
    ap.add_argument("--test-docs", type=int, default=4)
    ap.add_argument("--sentences", type=int, default=600)
    args = ap.parse_args()

    from embedlab.data.pairs_from_corpus import inverse_cloze_pairs, passages, read_documents
    from embedlab.demo.sentence import wiki_excerpt
    from embedlab.models.resolve import load_sentence_model
    from embedlab.train import Recipe, train

    start = time.perf_counter()
    docs = read_documents(wiki_excerpt(), limit=args.train_docs + args.test_docs)
    train_docs, test_docs = docs[: args.train_docs], docs[args.train_docs :]
    sents = [s for p in passages(train_docs, size=1, overlap=0, min_sentences=1) for s in p.sentences]
    sents = [s for s in sents if len(s.split()) >= 5][: args.sentences]
    test_pairs = inverse_cloze_pairs(passages(test_docs, size=5, overlap=0), seed=0)
    work = Path(tempfile.mkdtemp(prefix="bench-tsdae-"))
    (work / "sentences.txt").write_text("\n".join(sents), encoding="utf-8")
    base = load_sentence_model("all-MiniLM-L6-v2", max_seq_length=128)
    before = ict_ndcg(base, test_pairs)
    t = time.perf_counter()
    res = train(Recipe(train=str(work / "sentences.txt"), output=str(work / "tsdae"), max_seq_length=64, epochs=1))
    secs = time.perf_counter() - t
    tsdae = load_sentence_model(str(work / "tsdae"), max_seq_length=128)
    after = ict_ndcg(tsdae, test_pairs)
    print(
        f"\nTSDAE on {len(sents)} unlabeled sentences from {len(train_docs)} articles; in-domain test: inverse-cloze "
        f"retrieval, {len(test_pairs)} queries over the passages of {len(test_docs)} other articles"
    )
    print("| model | in-domain ICT NDCG@10 |\n|---|---|")
    print(f"| all-MiniLM-L6-v2 (base, mean pooling) | {before:.4f} |")
    print(f"| + TSDAE (CLS pooling), {res.hparams['steps']} steps, lr {res.hparams['learning_rate']} | {after:.4f} |")
    print(
        f"change {after - before:+.4f}; training {secs:.0f} s; "
        f"whole run {(time.perf_counter() - start) / 60:.1f} min; load {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
