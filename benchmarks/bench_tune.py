"""Does ``embedlab tune`` add to the defaults, and is tuned hybrid at least as good as the better of its halves?

For each of the offline data sets of ``bench_retrieval_defaults.py`` (all-MiniLM-L6-v2, the index's default
chunking), the queries are split in two by query: ``tune`` sees the dev half only (and saves its choice in the index
when the cross-validated gain is real); the other half, held out, scores BM25, dense, the default settings and the
index after tuning, all through ``evaluate_search`` (the path of ``embedlab search``). Each row also shows what
the setting best on the dev half scores held out (what tuning would give without its guard) and the guard's
evidence: the cross-validated held-out gain, its standard error and the bar it had to pass.

Run: nice -n 10 .venv/bin/python benchmarks/bench_tune.py [--queries 200] [--sets aims_qa,banking77]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _machine import machine  # benchmarks/ is on sys.path when a script runs
from bench_retrieval_defaults import SETS, SHARED


def halves(ir):
    """The dev and held-out halves of a data set, by query (the corpus is shared)."""
    from embedlab.data import IRDataset

    ids = list(ir.queries)
    parts = []
    for name, keep in (("dev", set(ids[::2])), ("held-out", set(ids[1::2]))):
        q = {k: v for k, v in ir.queries.items() if k in keep}
        parts.append(IRDataset(q, ir.corpus, {k: ir.relevant[k] for k in q}, name=name))
    return parts


def measure(ir, encoder, work: Path) -> dict[str, float]:
    """NDCG@10 on the held-out half of BM25, dense, the defaults and the tuned index."""
    from embedlab.evaluate.pipeline import evaluate_search
    from embedlab.evaluate.tune import tune
    from embedlab.index import Index
    from embedlab.index.settings import SearchSettings

    docs = [{"id": d, "text": t} for d, t in ir.corpus.items()]
    index = Index.build(encoder, docs, work / ir.name)
    dev, test = halves(ir)
    result = tune(index, dev)
    best = next(r["settings"] for r in result.rows if r["name"] == result.best)
    row = {
        "bm25": evaluate_search(index, test, mode="bm25")["ndcg@10"],
        "dense": evaluate_search(index, test, mode="dense")["ndcg@10"],
        "defaults": evaluate_search(index, test, settings=SearchSettings())["ndcg@10"],
        "tuned": evaluate_search(index, test)["ndcg@10"],
        # what moving to dev's best would have given held out, whether or not the guard let it move
        "dev best": evaluate_search(index, test, settings=SearchSettings(), **best)["ndcg@10"],
    }
    row["chosen"] = result.chosen or f"defaults kept (dev best: {result.best})"  # type: ignore[assignment]
    row["evidence"] = f"{result.cv_gain:+.4f} ± {result.cv_se:.4f} (bar {result.threshold:.4f})"  # type: ignore[assignment]
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=200, help="queries per data set (half tune, half held out)")
    ap.add_argument("--sets", default=",".join(SETS))
    args = ap.parse_args()
    if not SHARED.exists():
        sys.exit(f"shared data not found at {SHARED}")
    from embedlab.models import CachedEncoder, load_encoder

    print(machine())
    encoder = CachedEncoder(load_encoder("all-MiniLM-L6-v2"), None)
    work = Path(tempfile.mkdtemp(prefix="bench-tune-"))
    print(
        "| data set | BM25 | dense | defaults | tuned | tuned >= better half | dev's best, held out "
        "| CV gain ± SE (bar) | tune chose |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        start = time.perf_counter()
        ir = SETS[name](args.queries, 0)
        r = measure(ir, encoder, work)
        ok = "yes" if r["tuned"] >= max(r["bm25"], r["dense"]) - 1e-9 else "no"
        print(
            f"| {name} | {r['bm25']:.3f} | {r['dense']:.3f} | {r['defaults']:.3f} | {r['tuned']:.3f} | {ok} | "
            f"{r['dev best']:.3f} | {r['evidence']} | {r['chosen']} |  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
