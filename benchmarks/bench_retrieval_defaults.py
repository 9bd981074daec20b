"""Benchmark: which index and search defaults win across data sets (issue 12, "defaults chosen by measurement").

For each data set below, every combination of chunking and search mode is measured through embedlab's own index
(``Index.build`` + ``Index.search``, the code path of ``embedlab search`` and ``/search``), with all-MiniLM-L6-v2 at
its own max_seq_length, NDCG@10 from :func:`embedlab.evaluate.retrieval.ranking_metrics`, a document ranked by its
best chunk:

* chunking: ``none``; ``sentences`` of 3, 5 or 8 with an overlap of 1; ``auto-N``: only documents longer than the
  model's max_seq_length are split into N-sentence chunks (the others are embedded whole);
* search: ``bm25``, ``dense``, ``hybrid`` with RRF (k=60), ``hybrid`` weighted with alpha 0.3, 0.5 and 0.7.

Data sets, all made offline from ../shared/data and gensim's test data, of different kinds:

* ``aims_qa``: LLM-written questions about ~2,000-character passages of a novel; only the passages (and their
  questions) outside the held-out test split of ``bench_train_aims.py`` (split by passage, seed 42), so that the
  defaults are never chosen on the test questions;
* ``stsb-para``: STS-B dev sentence pairs scored >= 4 (paraphrases): sentence 1 finds its sentence 2 among all
  sentence 2s;
* ``snli-entail``: SNLI test: an entailed hypothesis finds its premise among 1,000 premises;
* ``banking77``: a customer message finds the messages of its intent (10 per intent in the corpus, all relevant);
* ``state-union``: NLTK's State of the Union addresses cut into passages of 3-24 sentences; the query is a
  sentence removed from its passage (inverse cloze), the passage is the answer;
* ``wiki``: gensim's Wikipedia excerpt, same construction over article paragraphs.

Every distinct (role, text) is embedded once per run (a caching encoder is handed to ``Index.build``), so the sweep
costs little more than embedding each chunk size once.

Decision rule (printed at the end): a configuration *wins* a data set when it is within ``--margin`` (0.01) NDCG@10 of
that set's best; the recommended default is the configuration that wins the most data sets, ties broken by mean
NDCG@10.

Run: nice -n 10 .venv/bin/python benchmarks/bench_retrieval_defaults.py [--queries 100] [--sets aims_qa,wiki]
"""

from __future__ import annotations

import argparse
import bz2
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))
MODEL = "all-MiniLM-L6-v2"
CHUNKINGS = ("none", "s3", "s5", "s8", "auto3", "auto5", "auto8")
SEARCHES: dict[str, dict[str, Any]] = {
    "bm25": {"mode": "bm25"},
    "dense": {"mode": "dense"},
    "rrf": {"mode": "hybrid", "fusion": "rrf"},
    "w0.3": {"mode": "hybrid", "fusion": "weighted", "alpha": 0.3},
    "w0.5": {"mode": "hybrid", "fusion": "weighted", "alpha": 0.5},
    "w0.7": {"mode": "hybrid", "fusion": "weighted", "alpha": 0.7},
}


# ----------------------------------------------------------------------------------------------- data sets
def _ir(name: str, queries: dict[str, str], corpus: dict[str, str], relevant: dict[str, dict[str, int]]):
    from embedlab.data import IRDataset

    return IRDataset(queries, corpus, relevant, name=name)


def aims_qa(n_queries: int, seed: int):
    """aims_qa without the passages of bench_train_aims.py's test split (train + dev parts, split by passage): the
    passages of ``n_queries`` questions plus others, ``1.25 * n_queries`` passages in all."""
    from embedlab.data import load_ir
    from embedlab.data.split import split_ir

    parts = split_ir(
        load_ir(SHARED / "aims_qa" / "train_dataset.json"), {"train": 0.7, "dev": 0.1, "test": 0.2}, by="doc", seed=42
    )
    corpus = {**parts["train"].corpus, **parts["dev"].corpus}
    relevant = {**parts["train"].relevant, **parts["dev"].relevant}
    qids = sorted(relevant)
    random.Random(seed).shuffle(qids)
    qids = qids[:n_queries]
    queries = {**parts["train"].queries, **parts["dev"].queries}
    keep = sorted({d for q in qids for d in relevant[q]})
    others = sorted(set(corpus) - set(keep))
    random.Random(seed).shuffle(others)
    keep += others[: max(0, int(1.25 * n_queries) - len(keep))]
    return _ir("aims_qa", {q: queries[q] for q in qids}, {d: corpus[d] for d in keep}, {q: relevant[q] for q in qids})


def stsb_paraphrase(n_queries: int, seed: int):
    """STS-B dev: sentence 1 of a pair scored >= 4 must find its sentence 2 among every sentence 2."""
    corpus: dict[str, str] = {}
    ids: dict[str, str] = {}
    cand = []
    for line in (SHARED / "stsb" / "sts-dev.csv").read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) < 7:
            continue
        s1, s2 = cells[5].strip(), cells[6].strip()
        if s2 not in ids:
            ids[s2] = f"d{len(ids)}"
            corpus[ids[s2]] = s2
        if float(cells[4]) >= 4.0 and s1 != s2:
            cand.append((s1, ids[s2]))
    random.Random(seed).shuffle(cand)
    queries, relevant = {}, {}
    for i, (s1, did) in enumerate(cand[:n_queries]):
        queries[f"q{i}"], relevant[f"q{i}"] = s1, {did: 1}
    return _ir("stsb-para", queries, corpus, relevant)


def snli_entailment(n_queries: int, seed: int, n_docs: int = 1000):
    """SNLI test: an entailed hypothesis must find its premise among ``n_docs`` premises."""
    folder = SHARED / "snli"
    rows = zip(
        (folder / "s1.test").read_text(encoding="utf-8").splitlines(),
        (folder / "s2.test").read_text(encoding="utf-8").splitlines(),
        (folder / "labels.test").read_text(encoding="utf-8").splitlines(),
        strict=False,
    )
    corpus: dict[str, str] = {}
    ids: dict[str, str] = {}
    cand = []
    for premise, hypothesis, label in rows:
        if premise not in ids:
            if len(ids) >= n_docs:
                continue
            ids[premise] = f"d{len(ids)}"
            corpus[ids[premise]] = premise
        if label.strip() == "entailment":
            cand.append((hypothesis, ids[premise]))
    random.Random(seed).shuffle(cand)
    queries = {f"q{i}": h for i, (h, _) in enumerate(cand[:n_queries])}
    relevant = {f"q{i}": {d: 1} for i, (_, d) in enumerate(cand[:n_queries])}
    return _ir("snli-entail", queries, corpus, relevant)


def banking77(n_queries: int, seed: int, per_intent: int = 10):
    """Banking77: a message must find the ``per_intent`` corpus messages of its intent (all relevant)."""
    import csv

    by_intent: dict[str, list[str]] = defaultdict(list)
    with open(SHARED / "banking77" / "train.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_intent[row["category"]].append(row["text"].strip())
    rng = random.Random(seed)
    corpus, members, pool = {}, defaultdict(dict), []
    for intent in sorted(by_intent):
        texts = sorted(set(by_intent[intent]))
        rng.shuffle(texts)
        for j, t in enumerate(texts[:per_intent]):
            corpus[f"{intent}-{j}"] = t
            members[intent][f"{intent}-{j}"] = 1
        pool.extend((t, intent) for t in texts[per_intent:])
    rng.shuffle(pool)
    queries = {f"q{i}": t for i, (t, _) in enumerate(pool[:n_queries])}
    relevant = {f"q{i}": dict(members[intent]) for i, (_, intent) in enumerate(pool[:n_queries])}
    return _ir("banking77", queries, corpus, relevant)


def _inverse_cloze(name: str, texts: list[str], n_queries: int, seed: int, lo: int = 3, hi: int = 24):
    """Passages of ``lo``-``hi`` consecutive sentences; for ``n_queries`` of them one middle sentence of 8+ words is
    taken out and becomes the query whose answer is the rest of the passage."""
    from embedlab.data.documents import sentence_spans

    rng = random.Random(seed)
    passages: list[list[str]] = []
    for text in texts:
        sents = [text[s:e].replace("\n", " ") for s, e in sentence_spans(text)]
        i = 0
        while i + lo <= len(sents):
            n = rng.randint(lo, hi)
            passages.append(sents[i : i + n])
            i += n
    rng.shuffle(passages)
    corpus, queries, relevant = {}, {}, {}
    for i, sents in enumerate(passages[: int(1.25 * n_queries)]):
        did = f"d{i}"
        middle = [j for j in range(1, len(sents) - 1) if len(sents[j].split()) >= 8]
        if len(queries) < n_queries and middle:
            j = rng.choice(middle)
            queries[f"q{i}"], relevant[f"q{i}"] = sents[j], {did: 1}
            sents = sents[:j] + sents[j + 1 :]
        corpus[did] = " ".join(sents)
    return _ir(name, queries, corpus, relevant)


def state_union(n_queries: int, seed: int):
    folder = SHARED / "nltk_data" / "corpora" / "state_union"
    texts = [p.read_text(encoding="latin-1") for p in sorted(folder.glob("*.txt"))]
    # Paragraph breaks carry no sentence end in these files: join lines within a paragraph.
    texts = [re.sub(r"(?<!\n)\n(?!\n)", " ", t) for t in texts]
    return _inverse_cloze("state-union", texts, n_queries, seed)


def wiki(n_queries: int, seed: int):
    import gensim
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    path = Path(gensim.__file__).parent / "test" / "test_data"
    path = path / "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
    texts = []
    with bz2.open(path) as fh:
        for _title, text, _pid in extract_pages(fh):
            plain = filter_wiki(text or "")
            paras = [
                p.strip() for p in plain.split("\n") if len(p.strip()) > 200 and not p.strip().startswith(("|", "*"))
            ]
            if paras:
                texts.append("\n\n".join(paras))
    return _inverse_cloze("wiki", texts, n_queries, seed)


SETS = {
    "aims_qa": aims_qa,
    "stsb-para": stsb_paraphrase,
    "snli-entail": snli_entailment,
    "banking77": banking77,
    "state-union": state_union,
    "wiki": wiki,
}


# ----------------------------------------------------------------------------------------------- measuring
class CachingModel:
    """What ``Index.build(..., encoder=...)`` calls on a SentenceTransformer, answered from a
    :class:`~embedlab.models.CachedEncoder` so each distinct (role, text) is embedded once per run."""

    def __init__(self, cached: Any, tokenizer: Any) -> None:
        self.cached = cached
        self.tokenizer = tokenizer

    def _encode(self, texts: list[str], role: str, **kw: Any) -> Any:
        return self.cached.encode(
            list(texts),
            role=role,
            batch_size=kw.get("batch_size", 64),
            normalize=kw.get("normalize_embeddings", False),
        )

    def encode_document(self, texts: list[str], **kw: Any) -> Any:
        return self._encode(texts, "document", **kw)

    def encode_query(self, texts: list[str], **kw: Any) -> Any:
        return self._encode(texts, "query", **kw)


def _documents(ir, chunking: str, tokenizer: Any, max_len: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Documents and ``Index.build`` options for one chunking. ``autoN`` hands the index pre-split documents (each
    chunk a document whose ``parent`` field names its passage): the index has no such option yet."""
    from embedlab.data.documents import Document, chunk_documents

    docs = [{"id": d, "text": t, "parent": d} for d, t in ir.corpus.items()]
    if chunking == "none":
        return docs, {"chunk": "none"}
    size = int(chunking[-1])
    if chunking.startswith("s"):
        return docs, {"chunk": "sentences", "chunk_size": size, "overlap": 1}
    out = []
    lengths = [len(x) for x in tokenizer([d["text"] for d in docs], add_special_tokens=True)["input_ids"]]
    for d, n in zip(docs, lengths, strict=True):
        if n <= max_len:
            out.append(d)
            continue
        for c in chunk_documents([Document(d["id"], d["text"])], by="sentences", size=size, overlap=1):
            out.append({"id": c.id, "text": c.text, "parent": d["id"]})
    return out, {"chunk": "none"}


def doc_ranking(hits: list[Any], k: int = 10) -> list[str]:
    """Documents in the order of their best chunk (the first hit of each); a ``parent`` field names the document of
    a pre-split one."""
    seen: list[str] = []
    for h in hits:
        doc = h.metadata.get("parent", h.doc_id)
        if doc not in seen:
            seen.append(doc)
    return seen[:k]


def evaluate_search(index: Any, ir: Any, *, query_vectors: Any = None, **search_options: Any) -> dict[str, float]:
    """Metrics of ``index.search`` on labelled queries, a document ranked by its best chunk.

    The library's :func:`embedlab.evaluate.evaluate_search` ranks a document by its hits' ``doc_id``; this sweep's
    ``autoN`` chunkings hand the index pre-split documents whose ``parent`` field names the passage, which only this
    function maps back (the other benchmarks use the library's). Chunks are searched 100 deep (10 when the index holds
    whole documents), so that ten distinct documents are ranked.
    """
    from embedlab.evaluate.retrieval import ranking_metrics

    qids = list(ir.queries)
    if query_vectors is None and search_options.get("mode", "dense") != "bm25":
        query_vectors = index.embed([ir.queries[q] for q in qids])
    docs = index.store.live_doc_ids()
    chunked = index.count > len(docs) or any("#" in d for d in docs)  # "#": pre-split documents (autoN)
    options = {"k": 100 if chunked else 10, **search_options}
    t = time.perf_counter()
    rankings = [
        doc_ranking(
            index.search(ir.queries[q], query_vector=None if query_vectors is None else query_vectors[i], **options)
        )
        for i, q in enumerate(qids)
    ]
    out = ranking_metrics(rankings, [ir.relevant[q] for q in qids])
    out["ms_per_query"] = (time.perf_counter() - t) / max(1, len(qids)) * 1000
    return out


def measure_set(ir, model: CachingModel, max_len: int, work: Path) -> dict[tuple[str, str], float]:
    """NDCG@10 of every (chunking, search) on one data set."""
    from embedlab.index import Index

    qids = list(ir.queries)
    qvecs = model.encode_query([ir.queries[q] for q in qids], normalize_embeddings=True)
    out: dict[tuple[str, str], float] = {}
    for chunking in CHUNKINGS:
        docs, opts = _documents(ir, chunking, model.tokenizer, max_len)
        index = Index.build(MODEL, docs, work / f"{ir.name}-{chunking}", encoder=model, **opts)
        for label, search in SEARCHES.items():
            out[(chunking, label)] = evaluate_search(index, ir, query_vectors=qvecs, **search)["ndcg@10"]
        index.close()
    return out


def decide(table: dict[str, dict[tuple[str, str], float]], margin: float) -> list[tuple[tuple[str, str], int, float]]:
    """Configurations ordered by (data sets won within ``margin`` of the best, mean NDCG@10)."""
    configs = list(next(iter(table.values())))
    scored = []
    for cfg in configs:
        wins = sum(1 for res in table.values() if res[cfg] >= max(res.values()) - margin)
        mean = sum(res[cfg] for res in table.values()) / len(table)
        scored.append((cfg, wins, mean))
    return sorted(scored, key=lambda s: (-s[1], -s[2]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=100, help="queries per data set")
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated data sets")
    ap.add_argument("--margin", type=float, default=0.01, help="a config wins a set within this of its best")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the table as JSON here")
    args = ap.parse_args()
    if not SHARED.exists():
        sys.exit(f"shared data not found at {SHARED}")

    from embedlab.models import CachedEncoder, load_encoder

    start = time.perf_counter()
    encoder = load_encoder(MODEL)
    max_len = encoder.model.max_seq_length
    model = CachingModel(CachedEncoder(encoder, None), encoder.tokenizer)
    work = Path(tempfile.mkdtemp(prefix="bench-defaults-"))
    table: dict[str, dict[tuple[str, str], float]] = {}
    for name in args.sets.split(","):
        t = time.perf_counter()
        ir = SETS[name](args.queries, args.seed)
        lens = [len(x) for x in encoder.tokenizer(list(ir.corpus.values()))["input_ids"]]
        long = sum(n > max_len for n in lens) / len(lens)
        table[name] = measure_set(ir, model, max_len, work)
        best = max(table[name], key=table[name].get)
        print(
            f"{name}: {len(ir.queries)} queries, {len(ir.corpus)} docs, {long:.0%} longer than {max_len} tokens; "
            f"best {best} {table[name][best]:.4f}; {time.perf_counter() - t:.0f} s; embedded {model.cached.encoded}",
            flush=True,
        )
        if args.json:  # after every set, so a long run that is stopped keeps what it measured
            Path(args.json).write_text(
                json.dumps({n: {f"{c}/{s}": v for (c, s), v in r.items()} for n, r in table.items()}, indent=1)
            )
    print(f"\nNDCG@10, {MODEL} (max_seq_length {max_len}); rows: chunking / search; load {os.getloadavg()}")
    names = list(table)
    print("| chunking | search | " + " | ".join(names) + " | mean | wins |")
    print("|---|---|" + "---|" * (len(names) + 2))
    ranking = decide(table, args.margin)
    wins = {cfg: (w, m) for cfg, w, m in ranking}
    for cfg in table[names[0]]:
        cells = " | ".join(f"{table[n][cfg]:.3f}" for n in names)
        print(f"| {cfg[0]} | {cfg[1]} | {cells} | {wins[cfg][1]:.3f} | {wins[cfg][0]} |")
    print(f"\ndecision (wins = sets within {args.margin} of the set's best; ties by mean):")
    for cfg, w, m in ranking[:8]:
        print(f"  {cfg[0]:6s} {cfg[1]:6s} wins {w}/{len(names)}  mean {m:.4f}")
    print(f"\nwhole run {(time.perf_counter() - start) / 60:.1f} min; texts embedded {model.cached.encoded}")


if __name__ == "__main__":
    main()
