"""Demo part: word2vec skip-gram on the Wikipedia excerpt bundled with gensim, compared with GloVe 6B 50d.

Steps: stream and clean the articles of ``enwiki-...-shortened.bz2``, train skip-gram, print the nearest neighbours of
a few words and one analogy, evaluate (analogies, WordSim353, SimLex-999) beside GloVe 50d, and write the
neighbourhood map of one word as HTML (and PNG in the full run). ``ctx.quick`` trains on a dozen articles only.
"""

from __future__ import annotations

import time
from typing import Any

from rich.table import Table

from embedlab.demo import DemoContext

TITLE = "Word embeddings: word2vec on Wikipedia"
WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
PROBES = ("war", "music", "france", "water")


def _fmt_pct(x: float) -> str:
    return f"{x:.1%}"


def run(ctx: DemoContext) -> None:
    """Train skip-gram on the excerpt, show its neighbours and an analogy, compare it with GloVe, map one word."""
    from embedlab.words import evaluate_vectors, load_vectors

    kv = _train(ctx)
    probes = _print_neighbours(ctx, kv)
    restrict = 20000 if ctx.quick else 300000
    start = time.perf_counter()
    ours = evaluate_vectors(kv, restrict_vocab=restrict)
    glove = load_vectors("glove-6B-50d")
    theirs = evaluate_vectors(glove, restrict_vocab=restrict)
    eval_seconds = time.perf_counter() - start
    _print_analogies(ctx, kv, glove, ours)
    _print_comparison(ctx, ours, theirs, title=f"restrict_vocab={restrict:,}; {eval_seconds:.1f} s for both models")
    _plot(ctx, kv, probes[0])


def _train(ctx: DemoContext) -> Any:
    """Skip-gram on the excerpt (a dozen articles when quick); its KeyedVectors."""
    from gensim.test.utils import datapath

    from embedlab.words import Corpus, TrainOptions, train_vectors

    con, quick = ctx.console, ctx.quick
    corpus = Corpus([datapath(WIKI)], limit=12 if quick else None)
    options = TrainOptions(
        algorithm="skipgram",
        dim=50 if quick else 100,
        window=5,
        min_count=2 if quick else 3,
        epochs=10,
        seed=1,
    )
    con.print(
        f"Training skip-gram ({options.dim} dimensions, {options.epochs} epochs, {options.workers} workers) on "
        f"{'12 articles of ' if quick else ''}gensim's Wikipedia excerpt..."
    )
    out = ctx.out / "words" / "wiki-skipgram"
    result = train_vectors(corpus, out, options, console=con)
    s = result.stats
    con.print(
        f"{s.documents} articles, {s.tokens:,} tokens, vocabulary {result.vocab_size:,} words; "
        f"preprocessing {s.seconds:.1f} s, training {result.train_seconds:.1f} s -> {out}"
    )
    ctx.artifacts["word_vectors"] = out
    return result.kv


def _print_neighbours(ctx: DemoContext, kv: Any) -> list[str]:
    """The nearest neighbours of the probe words the model knows; those words."""
    from embedlab.words import similar

    table = Table(title="Nearest neighbours (wiki skip-gram)")
    table.add_column("word", style="bold")
    table.add_column("neighbours")
    probes = [w for w in PROBES if w in kv.key_to_index] or kv.index_to_key[50:52]
    for word in probes:
        table.add_row(word, ", ".join(f"{w} ({sim:.2f})" for w, sim in similar(kv, word, topn=6)))
    ctx.console.print(table)
    return probes


def _print_analogies(ctx: DemoContext, kv: Any, glove: Any, ours: Any) -> None:
    """One analogy: the first question of questions-words.txt the wiki model answers right, else the classic one;
    then the classic one by GloVe."""
    from embedlab.errors import EmbedlabError
    from embedlab.words import analogy

    con = ctx.console
    solved = next((q for sec in ours.analogies[0].sections for q in sec.correct), None)
    if solved:
        a, b, c, _ = (w.lower() for w in solved)
        answer = analogy(kv, [b, c], [a], topn=1)[0]
        con.print(f"Analogy solved by the wiki model: {b} - {a} + {c} = [bold]{answer[0]}[/bold] ({answer[1]:.2f})")
    else:
        try:
            answer = analogy(kv, ["king", "woman"], ["man"], topn=1)[0]
            con.print(f"Analogy (wiki model): king - man + woman = {answer[0]} (the corpus is small)")
        except EmbedlabError as exc:
            con.print(f"Analogy skipped: {exc}")
    g = analogy(glove, ["king", "woman"], ["man"], topn=1)[0]
    con.print(f"Analogy with GloVe 50d: king - man + woman = [bold]{g[0]}[/bold] ({g[1]:.2f})")


def _print_comparison(ctx: DemoContext, ours: Any, theirs: Any, *, title: str) -> None:
    """Analogy accuracy and word-similarity Spearman of both models, side by side."""
    cmp = Table(title=f"Evaluation ({title})")
    cmp.add_column("test")
    cmp.add_column("wiki skip-gram", justify="right")
    cmp.add_column("GloVe 6B 50d", justify="right")
    a_ours, a_glove = ours.analogies[0], theirs.analogies[0]
    cmp.add_row(
        "analogies accuracy",
        f"{_fmt_pct(a_ours.accuracy)} ({len(a_ours.total.correct)}/{a_ours.total.evaluated})",
        f"{_fmt_pct(a_glove.accuracy)} ({len(a_glove.total.correct)}/{a_glove.total.evaluated})",
    )
    cmp.add_row("analogies OOV", _fmt_pct(a_ours.oov_rate), _fmt_pct(a_glove.oov_rate))
    for p_ours, p_glove in zip(ours.pairs, theirs.pairs, strict=True):
        cmp.add_row(f"{p_ours.name} Spearman", f"{p_ours.spearman:.3f}", f"{p_glove.spearman:.3f}")
        cmp.add_row(f"{p_ours.name} OOV", _fmt_pct(p_ours.oov_rate), _fmt_pct(p_glove.oov_rate))
    ctx.console.print(cmp)


def _plot(ctx: DemoContext, kv: Any, target: str) -> None:
    """The neighbourhood map of ``target``: HTML, and PNG in the full run."""
    from embedlab.words import plot_neighbors

    quick = ctx.quick
    outs = [ctx.out / "words" / f"neighbors-{target}.html"]
    if not quick:
        outs.append(ctx.out / "words" / f"neighbors-{target}.png")
    written = plot_neighbors(
        kv, target, neighbors=30 if quick else 100, method="pca" if quick else "tsne", out=outs, seed=0
    )
    for path, renderer in written:
        ctx.console.print(f"Neighbour map of “{target}”: {path} [dim]({renderer})[/dim]")
    ctx.artifacts["word_plot"] = written[0][0]
