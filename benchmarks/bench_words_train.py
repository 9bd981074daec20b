"""Benchmark: raw text -> word vectors with embedlab vs bare gensim on already tokenised sentences.

Text: gensim's bundled Wikipedia excerpt, written once as a raw text file (``--repeat`` copies), untimed.

- anchor, bare gensim: the sentences already tokenised in memory (by the same preprocessing, untimed), then
  ``Word2Vec(sentences, ...)`` (vocabulary + training), the way gensim's tutorials run it;
- embedlab: ``train_vectors`` from the *raw* file: read, preprocess, cache the tokens, build the vocabulary, train
  in gensim's ``corpus_file`` mode, save ``vectors.kv`` (no word2vec exports, as the anchor writes nothing).

Same options on both sides: skip-gram, 100 dimensions, window 5, min count 5, 5 epochs, 5 negatives, workers = the
CPU cores. Each side runs ``--runs`` times, alternating, and the best time counts (the machine may be shared). The
ratio printed is gensim's time / embedlab's time: >= 1 means embedlab, doing more, is faster (target >= 0.9).
It also checks that both learned comparable vectors (vocabulary equal, and the analogy accuracy of each).

Run: .venv/bin/python benchmarks/bench_words_train.py [--repeat 2 --runs 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from _machine import machine  # benchmarks/ is on sys.path when a script runs

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="Copies of the excerpt in the raw text file.")
    parser.add_argument("--runs", type=int, default=2, help="Runs of each side; the best counts.")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()

    from gensim.models import Word2Vec
    from gensim.test.utils import datapath

    from embedlab.words import Corpus, Preprocessor, TrainOptions, evaluate_analogies, train_vectors
    from embedlab.words.train import default_workers

    workers = default_workers()
    print(f"machine: {machine()}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-words-train-"))
    raw = tmp / "wiki.txt"
    with open(raw, "w", encoding="utf-8") as fh:
        for _ in range(args.repeat):
            for doc in Corpus([datapath(WIKI)]):
                fh.write(doc.replace("\n", " \n"))  # one paragraph per line, as a plain-text dump would have
                fh.write("\n")
    prep = Preprocessor(stopwords="gensim")
    sentences = [s for doc in Corpus([raw]) for s in prep.sentences(doc)]
    tokens = sum(map(len, sentences))
    print(f"text: {raw.stat().st_size / 1e6:.1f} MB raw, {len(sentences):,} sentences, {tokens:,} tokens")
    params = {"vector_size": 100, "window": 5, "min_count": 5, "negative": 5, "sg": 1, "epochs": args.epochs}
    print(f"options: skip-gram {params}, workers={workers}")

    t_gensim, t_ours = [], []
    model = result = None
    for run in range(args.runs):
        t0 = time.perf_counter()
        model = Word2Vec(sentences, workers=workers, seed=1, **params)
        t_gensim.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = train_vectors(
            Corpus([raw]),
            tmp / f"out{run}",
            TrainOptions(
                algorithm="skipgram",
                dim=100,
                window=5,
                min_count=5,
                negative=5,
                epochs=args.epochs,
                workers=workers,
                seed=1,
                export=(),
            ),
            preprocessor=prep,
            progress=False,
        )
        t_ours.append(time.perf_counter() - t0)
        print(f"run {run + 1}: bare gensim {t_gensim[-1]:.2f} s, embedlab end to end {t_ours[-1]:.2f} s")
    assert model is not None and result is not None
    print(
        f"embedlab split: preprocess {result.stats.seconds:.2f} s, train {result.train_seconds:.2f} s "
        f"(corpus_file mode)"
    )
    same_vocab = model.wv.index_to_key == result.kv.index_to_key
    print(f"vocabulary: gensim {len(model.wv):,}, embedlab {result.vocab_size:,}, identical order: {same_vocab}")
    acc_g = evaluate_analogies(model.wv).accuracy
    acc_o = evaluate_analogies(result.kv).accuracy
    print(f"analogy accuracy (questions-words, in-vocabulary): gensim {acc_g:.1%}, embedlab {acc_o:.1%}")
    best_g, best_o = min(t_gensim), min(t_ours)
    print(f"best: bare gensim {best_g:.2f} s, embedlab {best_o:.2f} s")
    print(f"ratio: embedlab end to end runs at {best_g / best_o:.2f}x bare gensim's speed (target >= 0.9x)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
