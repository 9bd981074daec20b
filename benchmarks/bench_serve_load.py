"""The service under a bounded local load: N concurrent clients for T seconds against /search on loopback.

The server runs in its own process (``embedlab serve`` on 127.0.0.1, a free port); the clients are asyncio tasks
with one shared httpx connection pool, each sending a dense search as soon as the previous answer arrives (a closed
loop: the load adapts to the server's speed). Reported: requests/second, latency percentiles, errors. With
``--compare`` the same load is also run with micro-batching off (``--max-batch 1``), the anchor.

    python benchmarks/bench_serve_load.py                      # 50 clients, 30 s
    python benchmarks/bench_serve_load.py --clients 10 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = [
    "hurricane damage in florida",
    "bushfires near sydney",
    "the australian cricket team",
    "peace talks in the middle east",
    "interest rates and the economy",
    "afghanistan and the taliban",
    "airline collapse",
    "israeli military operation",
    "a new drug for cancer",
    "election results",
    "floods and heavy rain",
    "space shuttle launch",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_index(path: Path) -> None:
    import gensim

    from embedlab.index import Index

    lee = Path(gensim.__file__).parent / "test" / "test_data" / "lee_background.cor"
    docs = [
        {"id": str(i), "text": line.strip()} for i, line in enumerate(lee.read_text().splitlines()) if line.strip()
    ]
    Index.build("all-MiniLM-L6-v2", docs, path, chunk="sentences", chunk_size=3, overlap=1)


async def load(url: str, clients: int, seconds: float, mode: str) -> tuple[list[float], int, int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.monotonic() < stop:
                body = {"query": rng.choice(QUERIES), "k": 10, "mode": mode}
                t = time.perf_counter()
                try:
                    r = await client.post("/search", json=body)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    if r.status_code != 200:
                        errors += 1
                        continue
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker(i) for i in range(clients)))
    return latencies, errors, sum(statuses.values())


def run_server(index: Path, port: int, max_batch: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "embedlab",
        "serve",
        str(index),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-batch",
        str(max_batch),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("server did not start within 180 s")


def measure(index: Path, clients: int, seconds: float, mode: str, max_batch: int) -> dict[str, float]:
    import httpx
    import numpy as np

    port = free_port()
    proc = run_server(index, port, max_batch)
    try:
        url = f"http://127.0.0.1:{port}"
        asyncio.run(load(url, 4, 3, mode))  # warm-up
        lat, errors, total = asyncio.run(load(url, clients, seconds, mode))
        stats = httpx.get(f"{url}/healthz", timeout=5).json()["batching"]["query"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ms = np.array(lat) * 1000
    return {
        "requests": total,
        "errors": errors,
        "rps": len(lat) / seconds,
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "mean_batch": stats["texts"] / max(stats["batches"], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", default=None, help="an index folder (default: build one over gensim's Lee corpus)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--mode", default="dense")
    ap.add_argument("--compare", action="store_true", help="also run with micro-batching off (--max-batch 1)")
    args = ap.parse_args()
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"machine: {platform.machine()} {os.cpu_count()} cores; {now}")
    index = Path(args.index) if args.index else Path(tempfile.mkdtemp(prefix="embedlab-load-")) / "lee"
    if not args.index:
        build_index(index)
    runs = {"micro-batching (max 64)": 64}
    if args.compare:
        runs["no batching (max 1)"] = 1
    print(f"{args.clients} concurrent clients, {args.seconds:.0f} s, POST /search mode={args.mode} k=10, loopback")
    print()
    print("| server | requests | errors | req/s | p50 ms | p90 ms | p99 ms | mean batch |")
    print("|---|---|---|---|---|---|---|---|")
    for name, max_batch in runs.items():
        r = measure(index, args.clients, args.seconds, args.mode, max_batch)
        print(
            f"| {name} | {r['requests']} | {r['errors']} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p90']:.0f} | "
            f"{r['p99']:.0f} | {r['mean_batch']:.1f} |"
        )


if __name__ == "__main__":
    main()
