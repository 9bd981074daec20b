"""Benchmark: embedlab's preprocessing vs the classic NLTK pipeline, same text, same tokens.

Text: the articles of gensim's bundled Wikipedia excerpt (``enwiki-...-shortened.bz2``, markup removed by gensim's
wikicorpus filter), read into memory first so that only preprocessing is timed, repeated ``--repeat`` times.

Both sides split sentences with the same function (:func:`embedlab.words.split_sentences`: NLTK's punkt model is not
available offline), then per sentence:

- classic: ``text.lower()``, ``re.sub(r"[^a-zA-Z ]", " ", ...)``, ``nltk.word_tokenize(..., preserve_line=True)``,
  filter NLTK's English stop words (from ``../shared/data/nltk_data``, via ``NLTK_DATA``);
- embedlab: ``Preprocessor(ascii_only=True, stopwords="nltk", strip_links=False, max_len=10**9)``.

The tokens are compared sentence by sentence; the script prints how many sentences differ and why (NLTK's Treebank
tokenizer splits a few words such as "cannot" -> "can not"), then the throughput of each side and the ratio.

Run: NLTK_DATA=../shared/data/nltk_data .venv/bin/python benchmarks/bench_words_preprocess.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from _machine import machine  # benchmarks/ is on sys.path when a script runs

REPO = Path(__file__).resolve().parents[1]
NLTK_DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data")) / "nltk_data"
os.environ.setdefault("NLTK_DATA", str(NLTK_DATA))
WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="Copies of the text to process.")
    args = parser.parse_args()

    import nltk
    from gensim.test.utils import datapath

    from embedlab.words import Corpus, Preprocessor, split_sentences

    try:
        stop = frozenset(nltk.corpus.stopwords.words("english"))
    except LookupError:
        sys.exit(f"NLTK stop words not found (NLTK_DATA={os.environ['NLTK_DATA']})")
    docs = list(Corpus([datapath(WIKI)])) * args.repeat
    chars = sum(map(len, docs))
    print(f"machine: {machine()}")
    print(f"text: {len(docs)} articles ({args.repeat} x gensim's Wikipedia excerpt), {chars:,} characters")

    not_letter = re.compile(r"[^a-zA-Z ]")
    word_tokenize = nltk.word_tokenize

    def classic(doc: str) -> list[list[str]]:
        out = []
        for sent in split_sentences(doc):
            cleaned = not_letter.sub(" ", sent.lower())
            tokens = [t for t in word_tokenize(cleaned, preserve_line=True) if t not in stop]
            if tokens:
                out.append(tokens)
        return out

    prep = Preprocessor(ascii_only=True, stopwords="nltk", strip_links=False, max_len=10**9)
    assert prep.stopword_list == "nltk"

    # Warm up both (regex compilation, NLTK's lazy imports), then time.
    classic(docs[0])
    prep.sentences(docs[0])
    t0 = time.perf_counter()
    theirs = [classic(d) for d in docs]
    t_classic = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = [prep.sentences(d) for d in docs]
    t_ours = time.perf_counter() - t0

    flat_theirs = [s for d in theirs for s in d]
    flat_ours = [s for d in ours for s in d]
    n_tokens = sum(map(len, flat_ours))
    differ = Counter()
    n_diff = 0
    if len(flat_theirs) != len(flat_ours):
        print(f"sentence counts differ: classic {len(flat_theirs)}, embedlab {len(flat_ours)}")
    for a, b in zip(flat_theirs, flat_ours, strict=False):
        if a != b:
            n_diff += 1
            only_ours = Counter(b) - Counter(a)
            differ.update(only_ours.keys())
    same = len(flat_theirs) == len(flat_ours) and n_diff == 0
    print(
        f"tokens: {n_tokens:,} in {len(flat_ours):,} sentences; identical sentences: "
        f"{len(flat_ours) - n_diff:,}/{len(flat_ours):,}" + ("" if same else f" ({n_diff} differ)")
    )
    if differ:
        print("  words where they differ (kept whole by embedlab, split by NLTK's Treebank rules):", dict(differ))
    print(f"classic NLTK pipeline : {t_classic:7.2f} s  {chars / t_classic / 1e6:6.2f} M chars/s")
    print(f"embedlab Preprocessor : {t_ours:7.2f} s  {chars / t_ours / 1e6:6.2f} M chars/s")
    ratio = t_classic / t_ours
    print(f"ratio: embedlab is {ratio:.1f}x the classic pipeline's throughput (target >= 10x)")


if __name__ == "__main__":
    main()
