"""Quantized indexes: memory per vector and recall@10 of float, int8 and binary graphs, with rescoring.

Data: the clustered, anisotropic 384-d vectors of ``bench_index_ann.py`` (a mixture of Gaussian clusters near a
low-rank subspace, L2-normalised: how sentence embeddings look; random, not real embeddings, so that 200k of them take
seconds to make). Truth: exact top-10 by inner product over the float vectors (numpy).

Each store is embedlab's :class:`~embedlab.index.local.LocalStore` (``index build --quantize ...``) searched through
its ``dense`` method, one query at a time as the service does, with the default graph settings (M=32,
ef_construction=128, ef_search=64). Query timing interleaves the stores (float, int8, binary, float, ...) and keeps
each one's best of ``--repeats``.

Memory per vector is what the FAISS graph holds per vector (its serialized size / n: codes + links), which is what a
search keeps in RAM; the float vectors used to rescore stay in the memory-mapped ``vectors-<g>.npy`` and only the
candidates' rows are read.

    python benchmarks/bench_index_quantized.py                 # 200k x 384, 1000 queries
    python benchmarks/bench_index_quantized.py --n 20000       # quick look
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine
from bench_index_ann import clustered, exact_topk, recall
from embedlab.data.documents import Chunk
from embedlab.index.local import LocalStore


def build(x: np.ndarray, quantize: str) -> tuple[LocalStore, float]:
    t = time.perf_counter()
    store = LocalStore(x.shape[1], {"quantize": quantize})
    store.add([Chunk(str(i), str(i), f"v{i}", 0, 0, {}) for i in range(len(x))], x)
    return store, time.perf_counter() - t


def search_all(store: LocalStore, q: np.ndarray, rescore: int) -> tuple[np.ndarray, float]:
    store.settings["rescore"] = rescore
    t = time.perf_counter()
    found = [[int(i) for i, _ in store.dense(v, 10)] for v in q]
    return np.array(found), len(q) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    x = clustered(args.n + args.queries, args.dim)
    q, x = x[: args.queries], x[args.queries :]
    truth = exact_topk(x, q, 10)
    print(f"data: {args.n} x {args.dim} clustered vectors, {args.queries} queries")

    stores: dict[str, LocalStore] = {}
    build_s: dict[str, float] = {}
    for name in ("none", "int8", "binary"):
        stores[name], build_s[name] = build(x, name)
        print(f"built {name}: {build_s[name]:.1f} s", flush=True)
    # (store, rescore) runs; rescore 1 = the quantized graph's own top 10, merely re-sorted by float scores
    runs = [("none", 1), ("int8", 1), ("int8", 4), ("binary", 4), ("binary", 10), ("binary", 20)]
    best: dict[tuple[str, int], tuple[float, float]] = {}
    for _ in range(args.repeats):
        for name, rescore in runs:
            found, qps = search_all(stores[name], q, rescore)
            r = recall(found, truth)
            best[(name, rescore)] = (r, max(qps, best.get((name, rescore), (0.0, 0.0))[1]))

    float_mem = stores["none"].info()["memory_per_vector_bytes"]
    float_recall = best[("none", 1)][0]
    print()
    print("| vectors | rescore | memory/vector (graph incl.) | x smaller | code bytes | recall@10 | vs float | q/s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, rescore in runs:
        info = stores[name].info()
        r, qps = best[(name, rescore)]
        label = {"none": "float32", "int8": "int8", "binary": "binary"}[name]
        print(
            f"| {label} | {rescore if name != 'none' else '-'} | {info['memory_per_vector_bytes']:,.0f} B | "
            f"{float_mem / info['memory_per_vector_bytes']:.2f}x | {info['vector_bytes']} B | {r:.4f} | "
            f"{r - float_recall:+.4f} | {qps:,.0f} |"
        )
    print("build s: " + ", ".join(f"{k} {v:.1f}" for k, v in build_s.items()))


if __name__ == "__main__":
    main()
