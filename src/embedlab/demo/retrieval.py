"""Demo part: index a Wikipedia excerpt, search it four ways, train a tiny reranker.

Uses gensim's bundled excerpt of the English Wikipedia (about 100 articles, ``Anarchism`` to ``Ayn Rand``): the lead
of each article is chunked by sentences and embedded with the model fine-tuned by the sentence part of the demo (or
all-MiniLM-L6-v2), then searched densely, by hybrid BM25 + dense fusion, with a metadata filter, and reranked by a
cross-encoder trained on the spot from (article title, article lead) pairs with negatives mined by the bi-encoder.
"""

from __future__ import annotations

import bz2
import re
from pathlib import Path
from typing import Any

from embedlab.demo import DemoContext

TITLE = "Retrieval: index, search, rerank"

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
    from rich.table import Table

    from embedlab.data import IRDataset
    from embedlab.index import Index
    from embedlab.models.resolve import load_sentence_model
    from embedlab.rerank import load_cross_encoder, train_reranker

    model = ctx.artifacts.get("sentence_model") or "all-MiniLM-L6-v2"
    docs = wikipedia_articles(limit=16 if ctx.quick else None, lead_chars=800 if ctx.quick else 2500)
    ctx.console.print(f"[bold]{len(docs)}[/bold] Wikipedia articles (leads); embedding model: [cyan]{model}[/cyan]")
    encoder = load_sentence_model(model)
    index_path = ctx.out / "wiki-index"
    index = Index.build(model, docs, index_path, chunk="sentences", chunk_size=4, overlap=1, encoder=encoder)
    ctx.console.print(f"index: {index.count} chunks -> {index_path}")

    # A tiny reranker: queries are article titles, the positive is the article's lead; the bi-encoder mines negatives.
    ir = IRDataset(
        queries={d["id"]: d["title"] for d in docs},
        corpus={d["id"]: d["text"][:600] for d in docs},
        relevant={d["id"]: {d["id"]: 1} for d in docs},
        name="wiki-titles",
    )
    metrics = train_reranker(
        ir,
        ctx.out / "reranker",
        bi_encoder=encoder,
        num_negatives=2 if ctx.quick else 3,
        max_pairs=8 if ctx.quick else 48,
        max_length=64 if ctx.quick else 128,
        eval_top_k=5 if ctx.quick else 10,
        eval_fraction=0.25,
        batch_size=8,
        learning_rate=5e-5,
        corpus_queries=0 if ctx.quick else 1,  # a sentence of each training lead as an extra pseudo-query
    )
    ctx.console.print(
        f"reranker trained on {metrics['train_pairs']} (title, lead) pairs + {metrics['corpus_pairs']} "
        f"inverse-cloze pairs in {metrics['seconds']} s: NDCG@10 of "
        f"the bi-encoder's top {metrics['eval_top_k']} {metrics['before']['ndcg@10']:.3f} -> "
        f"{metrics['after']['ndcg@10']:.3f} after reranking (held-out articles; a real reranker needs real data)"
    )
    ce = load_cross_encoder(ctx.out / "reranker")
    ctx.artifacts["index"] = str(index_path)
    ctx.artifacts["reranker"] = str(ctx.out / "reranker")

    long_articles = "words>=5000"
    columns = {
        "dense": {},
        "hybrid (RRF)": {"mode": "hybrid"},
        f"dense, {long_articles}": {"filters": [long_articles]},
        "dense + rerank": {"rerank": ce, "rerank_top": 20},
    }
    queries = QUERIES[:2] if ctx.quick else QUERIES
    for query in queries:
        table = Table(title=f"[bold]{query}[/bold]", show_lines=False, expand=False)
        table.add_column("#", justify="right")
        results = {}
        for name, opts in columns.items():
            table.add_column(name)
            hits = index.search(query, k=12, **opts)
            titles: list[str] = []
            for h in hits:  # one line per article: its best chunk
                title = h.metadata["title"]
                if title not in titles:
                    titles.append(f"{title}")
            results[name] = titles[:3]
        for rank in range(3):
            table.add_row(str(rank + 1), *(r[rank] if rank < len(r) else "" for r in results.values()))
        ctx.console.print(table)
    ctx.console.print(
        f'[dim]search it yourself: embedlab search {index_path} "your question" --mode hybrid '
        f"--rerank {ctx.out / 'reranker'}; serve it: embedlab serve {index_path}[/dim]"
    )
