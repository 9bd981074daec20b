"""The service under a bounded local load: N concurrent clients for T seconds on loopback, server against server.

Each server runs in its own process (``embedlab serve`` on 127.0.0.1, a free port); all are started first, then
measured in turn, round after round (A, B, A, B...), and each keeps its best round, so that a change in the
machine's load hits both sides alike. The clients are asyncio tasks with one shared httpx connection pool, each
sending its next request as soon as the previous answer arrives (a closed loop: the load adapts to the server's
speed). Reported: requests/second, latency percentiles, errors, the mean model batch, and each server's ratio to the
first one; and the CPU time per answered request of the server process and of the clients (this process), since on
a small machine the clients take their share of the same cores.

Two loads:

* ``--endpoint search``: a dense ``POST /search`` of a short query over an index (built over gensim's Lee corpus
  unless ``--index`` is given); ``--compare`` adds the anchor, micro-batching off (``--max-batch 1``).
* ``--endpoint embeddings``: ``POST /v1/embeddings`` of ``--texts`` sentences per request, as OpenAI clients send
  them; ``--backends torch,onnx-int8`` serves the same model with each backend (``embedlab serve --backend``).

    python benchmarks/bench_serve_load.py                                        # search, 50 clients, 30 s
    python benchmarks/bench_serve_load.py --endpoint embeddings --backends torch,onnx-int8 --clients 16 --seconds 20
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

MODEL = "all-MiniLM-L6-v2"
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


def lee_lines() -> list[str]:
    import gensim

    lee = Path(gensim.__file__).parent / "test" / "test_data" / "lee_background.cor"
    return [line.strip() for line in lee.read_text().splitlines() if line.strip()]


def lee_sentences() -> list[str]:
    from embedlab.data.documents import sentence_spans

    return [line[a:b] for line in lee_lines() for a, b in sentence_spans(line)][:2000]


def build_index(path: Path) -> None:
    from embedlab.index import Index

    docs = [{"id": str(i), "text": line} for i, line in enumerate(lee_lines())]
    Index.build(MODEL, docs, path, chunk="sentences", chunk_size=3, overlap=1)


def make_body(endpoint: str, rng: random.Random, sentences: list[str], texts: int) -> tuple[str, dict]:
    if endpoint == "search":
        return "/search", {"query": rng.choice(QUERIES), "k": 10, "mode": "dense"}
    return "/v1/embeddings", {"input": rng.sample(sentences, texts), "model": MODEL}


async def load(url: str, clients: int, seconds: float, endpoint: str, sentences: list[str], texts: int) -> dict:
    """Run the closed-loop load; returns latencies (s), errors and the number of requests sent."""
    import httpx

    latencies: list[float] = []
    errors = sent = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def worker(seed: int) -> None:
            nonlocal errors, sent
            rng = random.Random(seed)
            while time.monotonic() < stop:
                path, body = make_body(endpoint, rng, sentences, texts)
                t = time.perf_counter()
                sent += 1
                try:
                    r = await client.post(path, json=body)
                except httpx.HTTPError:
                    errors += 1
                    continue
                if r.status_code != 200:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker(i) for i in range(clients)))
    return {"latencies": latencies, "errors": errors, "sent": sent}


def start_server(target: list[str], extra: list[str]) -> tuple[subprocess.Popen, str]:
    """Start ``embedlab serve`` on a free loopback port and wait until it answers."""
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "embedlab", "serve", *target, "--port", str(port), "--log-level", "warning", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("server did not start within 300 s")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far; NaN where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def summarize(run: dict, seconds: float, url: str, endpoint: str) -> dict[str, float]:
    import httpx
    import numpy as np

    role = "query" if endpoint == "search" else "document"
    stats = httpx.get(f"{url}/healthz", timeout=10).json()["batching"][role]
    ms = np.array(run["latencies"] or [float("nan")]) * 1000
    return {
        "requests": run["sent"],
        "errors": run["errors"],
        "rps": len(run["latencies"]) / seconds,
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "mean_batch": stats["texts"] / max(stats["batches"], 1),
    }


def servers_to_run(args: argparse.Namespace) -> dict[str, list[str]]:
    """Name -> extra ``embedlab serve`` flags of each server to measure."""
    runs: dict[str, list[str]] = {}
    for i, backend in enumerate(b.strip() for b in args.backends.split(",") if b.strip()):
        name = f"{backend}, micro-batching (max 64)"
        runs[name if name not in runs else f"{name} #{i + 1}"] = ["--backend", backend]  # torch,torch: A/A check
    if args.compare:
        runs["torch, no batching (max 1)"] = ["--max-batch", "1"]
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", choices=["search", "embeddings"], default="search")
    ap.add_argument("--index", default=None, help="an index folder (default: build one over gensim's Lee corpus)")
    ap.add_argument("--backends", default="torch", help="comma-separated backends, one server each")
    ap.add_argument("--compare", action="store_true", help="also run with micro-batching off (--max-batch 1)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds; each server keeps its best")
    ap.add_argument("--texts", type=int, default=4, help="sentences per /v1/embeddings request")
    args = ap.parse_args()
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"machine: {platform.machine()} {os.cpu_count()} cores; {now}; load: {os.getloadavg()}")
    if args.endpoint == "search":
        index = Path(args.index) if args.index else Path(tempfile.mkdtemp(prefix="embedlab-load-")) / "lee"
        if not args.index:
            build_index(index)
        target, sentences = [str(index)], []
    else:
        target, sentences = ["--model", MODEL], lee_sentences()
    runs = servers_to_run(args)
    procs: dict[str, tuple[subprocess.Popen, str]] = {}
    best: dict[str, dict[str, float]] = {}
    try:
        for name, extra in runs.items():
            procs[name] = start_server(target, extra)
            asyncio.run(load(procs[name][1], 4, 3, args.endpoint, sentences, args.texts))  # warm-up
        for _ in range(args.repeats):  # A, B, A, B...: each server keeps its best round
            for name in runs:
                proc, url = procs[name]
                server_cpu, client_cpu = cpu_seconds(proc.pid), time.process_time()
                run = asyncio.run(load(url, args.clients, args.seconds, args.endpoint, sentences, args.texts))
                result = summarize(run, args.seconds, url, args.endpoint)
                answered = max(len(run["latencies"]), 1)
                result["server_ms"] = 1000 * (cpu_seconds(proc.pid) - server_cpu) / answered
                result["client_ms"] = 1000 * (time.process_time() - client_cpu) / answered
                if name not in best or result["rps"] > best[name]["rps"]:
                    best[name] = result
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            proc.wait(timeout=30)
    what = "POST /search mode=dense k=10" if args.endpoint == "search" else f"POST /v1/embeddings, {args.texts} texts"
    print(
        f"{args.clients} concurrent clients, {args.seconds:.0f} s x {args.repeats} interleaved rounds (best), {what}"
    )
    print()
    print(
        "| server | requests | errors | req/s | x first | p50 ms | p90 ms | p99 ms | mean batch "
        "| server CPU ms/req | x first | client CPU ms/req |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    first, first_cpu = next(iter(best.values()))["rps"], next(iter(best.values()))["server_ms"]
    for name, r in best.items():
        print(
            f"| {name} | {r['requests']} | {r['errors']} | {r['rps']:.1f} | {r['rps'] / max(first, 1e-9):.2f} | "
            f"{r['p50']:.0f} | {r['p90']:.0f} | {r['p99']:.0f} | {r['mean_batch']:.1f} | {r['server_ms']:.1f} | "
            f"{first_cpu / max(r['server_ms'], 1e-9):.2f} | {r['client_ms']:.1f} |"
        )
    print("\nThe clients share the machine with the servers: their CPU per request is taken from the servers' cores.")


if __name__ == "__main__":
    main()
