"""ANN against exact search: recall@10, queries/second, build time and memory per vector.

Data: clustered, anisotropic vectors of dimension 384 (a mixture of Gaussian clusters living near a low-rank subspace,
L2-normalised), which is how sentence embeddings look, unlike uniform noise (where every neighbour is equally far
and ANN recall is meaningless). Queries are fresh draws from the same mixture.

The anchor is exact numpy search (one matrix product + argpartition), measured in the same two ways as the ANN
libraries: one query at a time (what a service does per request) and all queries in one batch.

    python benchmarks/bench_index_ann.py                 # 200k vectors, 1000 queries
    python benchmarks/bench_index_ann.py --n 20000       # quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def clustered(n: int, dim: int, *, clusters: int = 2000, rank: int = 96, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((rank, dim)).astype(np.float32) / np.sqrt(rank)
    centers = rng.standard_normal((clusters, rank)).astype(np.float32)
    # Zipf-like cluster sizes: some topics are much more common than others.
    weights = 1.0 / np.arange(1, clusters + 1) ** 0.7
    labels = rng.choice(clusters, size=n, p=weights / weights.sum())
    spread = rng.uniform(0.3, 0.8, size=clusters).astype(np.float32)
    z = centers[labels] + spread[labels, None] * rng.standard_normal((n, rank)).astype(np.float32)
    x = z @ basis + 0.15 * rng.standard_normal((n, dim)).astype(np.float32) / np.sqrt(dim) * 4
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def exact_topk(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    s = q @ x.T
    idx = np.argpartition(-s, k, axis=1)[:, :k]
    order = np.take_along_axis(s, idx, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(idx, order, axis=1)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=False)]))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--single", type=int, default=200, help="queries timed one at a time")
    ap.add_argument("--m", type=int, default=32, help="HNSW graph degree")
    ap.add_argument("--ef-construction", type=int, default=128)
    ap.add_argument("--ef-search", type=int, nargs="+", default=[32, 64, 128])
    ap.add_argument("--only", choices=["faiss", "usearch"], default=None)
    args = ap.parse_args()
    k = 10
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.platform()}; {now}")
    t = time.perf_counter()
    x = clustered(args.n + args.queries, args.dim)
    q, x = x[: args.queries], x[args.queries :]
    print(f"data: {args.n} x {args.dim} clustered vectors, {args.queries} queries ({time.perf_counter() - t:.1f} s)")

    t = time.perf_counter()
    truth = exact_topk(x, q, k)
    exact_batch_s = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(args.single):
        exact_topk(x, q[i : i + 1], k)
    exact_single_s = (time.perf_counter() - t) / args.single
    exact_batch_qps = args.queries / exact_batch_s
    exact_single_qps = 1 / exact_single_s
    print(f"exact numpy: batch {exact_batch_qps:,.0f} q/s, one at a time {exact_single_qps:,.0f} q/s")

    rows = []
    if args.only in (None, "faiss"):
        import faiss

        base = rss_mb()
        t = time.perf_counter()
        index = faiss.IndexHNSWFlat(args.dim, args.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = args.ef_construction
        index.add(x)
        build = time.perf_counter() - t
        mem = (rss_mb() - base) * 2**20 / args.n
        for ef in args.ef_search:
            index.hnsw.efSearch = ef
            t = time.perf_counter()
            _, found = index.search(q, k)
            bqps = args.queries / (time.perf_counter() - t)
            t = time.perf_counter()
            for i in range(args.single):
                index.search(q[i : i + 1], k)
            sqps = args.single / (time.perf_counter() - t)
            rows.append(("faiss HNSWFlat", ef, recall(found, truth), bqps, sqps, build, mem))
        del index
    if args.only in (None, "usearch"):
        from usearch.index import Index

        base = rss_mb()
        t = time.perf_counter()
        index = Index(ndim=args.dim, metric="ip", dtype="f32", connectivity=args.m, expansion_add=args.ef_construction)
        index.add(np.arange(args.n), x, log=False)
        build = time.perf_counter() - t
        mem = (rss_mb() - base) * 2**20 / args.n
        for ef in args.ef_search:
            index.expansion_search = ef
            t = time.perf_counter()
            found = index.search(q, k, log=False).keys
            bqps = args.queries / (time.perf_counter() - t)
            t = time.perf_counter()
            for i in range(args.single):
                index.search(q[i], k)
            sqps = args.single / (time.perf_counter() - t)
            rows.append(("usearch f32", ef, recall(found, truth), bqps, sqps, build, mem))

    print()
    print(
        "| ANN | ef_search | recall@10 | batch q/s (x exact) | one-at-a-time q/s (x exact) | build s | bytes/vector |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, ef, r, bqps, sqps, build, mem in rows:
        print(
            f"| {name} | {ef} | {r:.4f} | {bqps:,.0f} ({bqps / exact_batch_qps:.1f}x) | "
            f"{sqps:,.0f} ({sqps / exact_single_qps:.1f}x) | {build:.1f} | {mem:,.0f} |"
        )
    print(f"| exact numpy | - | 1.0000 | {exact_batch_qps:,.0f} | {exact_single_qps:,.0f} | - | {4 * args.dim} |")


if __name__ == "__main__":
    main()
