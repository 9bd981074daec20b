"""Demo part: index a Wikipedia excerpt, measure the pipeline on held-out questions, tune it, search it.

Uses gensim's bundled excerpt of the English Wikipedia (about 100 articles, ``Anarchism`` to ``Ayn Rand``): the lead
of each article is indexed with embedlab's defaults (documents longer than the model reads are cut into 5-sentence
chunks; searches fuse dense and BM25 scores) and embedded with the model fine-tuned by the sentence part of the demo
(or all-MiniLM-L6-v2). The questions are hand-written (:mod:`embedlab.demo.wiki_questions`, one article answers each):
half tune the pipeline, the other half, held out, compare it with BM25 and dense search alone. A step that would make
results worse is not taken: ``tune`` keeps the defaults unless the held-out gain is real."""

from __future__ import annotations

import bz2
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.demo import DemoContext

if TYPE_CHECKING:
    from embedlab.data import IRDataset

TITLE = "Retrieval: index, measure, tune, search"

WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
QUERIES = [
    "political philosophy against the state",
    "developmental disorder affecting communication",
    "how much light a surface reflects",
    "ancient greek philosopher and scientist",
]
_MARKUP = re.compile(r"'{2,}|\[\[|\]\]|\{\{|\}\}")
_SPACES = re.compile(r"[ \t]+")


def wikipedia_articles(limit: int | None = None, lead_chars: int = 2500) -> list[dict[str, Any]]:
    """Articles of gensim's Wikipedia excerpt: id, title, the plain text of the lead, and the article's length."""
    import gensim
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    path = Path(gensim.__file__).parent / "test" / "test_data" / WIKI
    docs = []
    with bz2.open(path) as fh:
        for title, text, pageid in extract_pages(fh):
            if not text or text.lstrip().lower().startswith("#redirect"):
                continue
            lead = _SPACES.sub(" ", _MARKUP.sub("", filter_wiki(text[: lead_chars * 3]))).strip()
            lead = re.sub(r"\n\s*\n+", "\n\n", lead)[:lead_chars]
            if len(lead) < 200:
                continue
            docs.append(
                {"id": str(pageid), "text": lead, "title": title, "words": len(text.split()), "initial": title[0]}
            )
            if limit and len(docs) >= limit:
                break
    return docs


def run(ctx: DemoContext) -> None:
    from embedlab.index import Index

    model = ctx.artifacts.get("sentence_model") or "all-MiniLM-L6-v2"
    docs = wikipedia_articles(limit=16 if ctx.quick else None, lead_chars=800 if ctx.quick else 2500)
    ctx.console.print(f"[bold]{len(docs)}[/bold] Wikipedia articles (leads); embedding model: [cyan]{model}[/cyan]")
    index_path = ctx.out / "wiki-index"
    index = Index.build(model, docs, index_path)
    ctx.console.print(f"index: {len(docs)} articles as {index.count} chunks -> {index_path}")
    ctx.artifacts["index"] = str(index_path)
    _measure_and_tune(ctx, index, docs)
    _show_searches(ctx, index)
    ctx.console.print(
        f'[dim]search it yourself: embedlab search {index_path} "your question"; '
        f"measure it on your questions: embedlab eval --index {index_path} --retrieval QA.json; "
        f"serve it: embedlab serve {index_path}[/dim]"
    )


def _measure_and_tune(ctx: DemoContext, index: Any, docs: list[dict[str, Any]]) -> None:
    """Tune on half of the hand-written questions; compare BM25, dense, the defaults and the tuned pipeline on the
    other half (held out)."""
    from rich.table import Table

    from embedlab.evaluate.pipeline import evaluate_settings
    from embedlab.evaluate.tune import tune
    from embedlab.index.settings import SearchSettings

    dev, test = question_sets(docs)
    result = tune(index, dev, folds=3 if ctx.quick else 5)
    ctx.console.print(f"tune on {len(dev.queries)} dev questions: {result.reason}")
    defaults = SearchSettings()
    label = f"defaults ({defaults.mode}" + (
        f", {defaults.fusion} {defaults.alpha:g})" if defaults.mode == "hybrid" else ")"
    )
    rows = {"BM25": {"mode": "bm25"}, "dense": {"mode": "dense"}, label: {"settings": defaults}}
    if result.adopted:
        rows[f"tuned ({', '.join(f'{k} {v}' for k, v in result.chosen.items())})"] = {}  # the index's saved settings
    res = evaluate_settings(index, test, rows)
    table = Table(title=f"{len(test.queries)} held-out hand-written questions")
    for col in ("pipeline", "NDCG@10", "MRR@10", "recall@10", "ms/query"):
        table.add_column(col, justify="left" if col == "pipeline" else "right")
    for name in rows:
        m = res.scores[name][test.name]
        table.add_row(name, *(f"{m[k]:.3f}" for k in ("ndcg@10", "mrr@10", "recall@10")), f"{m['ms_per_query']:.1f}")
    ctx.console.print(table)


def question_sets(docs: list[dict[str, Any]]) -> tuple[IRDataset, IRDataset]:
    """The hand-written questions whose article is indexed, alternately cut into a dev and a held-out set."""
    from embedlab.data import IRDataset
    from embedlab.demo.wiki_questions import QUESTIONS

    by_title = {d["title"]: d["id"] for d in docs}
    asked = [(q, by_title[t]) for q, t in QUESTIONS.items() if t in by_title]
    corpus = {d["id"]: d["text"] for d in docs}

    def part(rows: list[tuple[str, str]], name: str) -> IRDataset:
        queries = {f"{name}-{i}": q for i, (q, _) in enumerate(rows)}
        relevant = {f"{name}-{i}": {doc: 1} for i, (_, doc) in enumerate(rows)}
        return IRDataset(queries, corpus, relevant, name=name)

    return part(asked[::2], "dev"), part(asked[1::2], "held-out")


def _show_searches(ctx: DemoContext, index: Any) -> None:
    """A few questions, each searched three ways, one line per article (its best chunk)."""
    from rich.table import Table

    long_articles = "words>=5000"
    columns = {
        "BM25": {"mode": "bm25"},
        "dense": {"mode": "dense"},
        "the index's settings": {},
        f"the same, {long_articles}": {"filters": [long_articles]},
    }
    queries = QUERIES[:2] if ctx.quick else QUERIES
    for query in queries:
        table = Table(title=f"[bold]{query}[/bold]", show_lines=False, expand=False)
        table.add_column("#", justify="right")
        results = {}
        for name, opts in columns.items():
            table.add_column(name)
            titles: list[str] = []
            for h in index.search(query, k=12, **opts):  # one line per article: its best chunk
                if h.metadata["title"] not in titles:
                    titles.append(h.metadata["title"])
            results[name] = titles[:3]
        for rank in range(3):
            table.add_row(str(rank + 1), *(r[rank] if rank < len(r) else "" for r in results.values()))
        ctx.console.print(table)
