"""Benchmark: analogy evaluation, embedlab (batched) vs gensim's ``evaluate_word_analogies`` (one query at a time).

Vectors: GloVe 6B 50d, the whole 400,000-word vocabulary loaded (the ``glove-6B-50d`` alias). Questions: gensim's
``questions-words.txt`` (19,544 questions, 14 sections). Settings: gensim's defaults on both sides
(``restrict_vocab=300000``, ``case_insensitive=True``, ``dummy4unknown=False``).

gensim runs once (it takes minutes); embedlab runs ``--runs`` times and its best time counts. The script then checks
that the results are identical: the overall score, and per section the count *and the list* of correct and
incorrect questions; it prints the per-section table and the speed ratio (target >= 20x).

Run: .venv/bin/python benchmarks/bench_words_analogy.py [--restrict-vocab 300000] [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _machine import machine  # benchmarks/ is on sys.path when a script runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--restrict-vocab", type=int, default=300000)
    parser.add_argument("--runs", type=int, default=2, help="embedlab runs; the best counts.")
    args = parser.parse_args()

    from gensim.test.utils import datapath

    from embedlab.words import evaluate_analogies, load_vectors

    questions = datapath("questions-words.txt")
    print(f"machine: {machine()}")
    kv = load_vectors("glove-6B-50d")
    print(f"vectors: GloVe 6B 50d, {len(kv):,} words; restrict_vocab={args.restrict_vocab:,}")

    times = []
    ours = None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        ours = evaluate_analogies(kv, questions, restrict_vocab=args.restrict_vocab)
        times.append(time.perf_counter() - t0)
    assert ours is not None
    t_ours = min(times)
    print(f"embedlab: {', '.join(f'{t:.2f}' for t in times)} s (near-ties handed to gensim: {ours.tie_fallbacks})")

    print("gensim evaluate_word_analogies: running (minutes)...", flush=True)
    t0 = time.perf_counter()
    score, sections = kv.evaluate_word_analogies(questions, restrict_vocab=args.restrict_vocab)
    t_gensim = time.perf_counter() - t0
    print(f"gensim: {t_gensim:.1f} s, load average now {os.getloadavg()[0]:.1f}")

    mine_score, mine_sections = ours.to_gensim()
    identical = mine_score == score and len(mine_sections) == len(sections)
    print(f"\n{'section':32s} {'gensim':>13s} {'embedlab':>13s}  same")
    for a, b in zip(mine_sections, sections, strict=False):
        same = a["section"] == b["section"] and a["correct"] == b["correct"] and a["incorrect"] == b["incorrect"]
        identical = identical and same
        g = f"{len(b['correct'])}/{len(b['correct']) + len(b['incorrect'])}"
        m = f"{len(a['correct'])}/{len(a['correct']) + len(a['incorrect'])}"
        print(f"{b['section'][:32]:32s} {g:>13s} {m:>13s}  {'yes' if same else 'NO'}")
    print(f"\noverall accuracy: gensim {score:.6f}, embedlab {mine_score:.6f}; identical results: {identical}")
    ratio = t_gensim / t_ours
    print(f"ratio: embedlab is {ratio:.1f}x faster than gensim ({t_gensim:.1f} s / {t_ours:.2f} s, target >= 20x)")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
