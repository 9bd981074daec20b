"""Issue 12's table in one run, as a user types it: split, train, index, ``eval --index``, ``tune``, ``eval`` again.

Every step is an ``embedlab`` command (``python -m embedlab ...``, the code path of the installed CLI):

1. ``data split aims_qa/train_dataset.json -o split --by doc --fractions 0.7,0.1,0.2`` (train / dev / test by
   passage: no test passage is trained or tuned on);
2. ``train --model all-MiniLM-L6-v2 --train split/train.json -o model`` (the defaults; timed);
3. for the base and the trained model, ``index build`` of the collection (``docs.jsonl``: the passages of all three
   splits, or with ``--collection held-out`` only those of dev and test, which training never saw) without chunking
   (``--chunk none``) and with the defaults (``chunk=auto``);
4. ``eval --index IDX --retrieval split/test.json`` with BM25, dense, hybrid RRF, hybrid weighted 0.5 and the
   default hybrid;
5. ``tune IDX --retrieval split/dev.json`` (the dev split; saves its choice in the index) and ``eval --index`` again
   with the saved settings (the "tuned" row).

It prints one markdown table (NDCG@10 on the held-out test questions; rows: pipelines, columns: base / trained x
whole / chunked), the training time and tune's decisions.

Run: nice -n 5 python benchmarks/bench_pipeline_aims.py [--work DIR] [--model-dir DIR] [--collection held-out]
(``--model-dir``: reuse a model folder an earlier run trained, skipping step 2.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import machine  # benchmarks/ is on sys.path when a script runs

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data")) / "aims_qa" / "train_dataset.json"
BASE = "all-MiniLM-L6-v2"
SETTINGS = {
    "BM25": "mode=bm25",
    "dense": "mode=dense",
    "hybrid RRF": "mode=hybrid,fusion=rrf",
    "hybrid weighted 0.5": "mode=hybrid,fusion=weighted,alpha=0.5",
    "defaults (hybrid)": "mode=hybrid",
}
INDEXES = {"whole": ["--chunk", "none"], "chunked": []}  # chunked: the default chunk=auto


def embedlab(*args: str, log: Path | None = None) -> str:
    """Run one ``embedlab`` command as a user would; its output (stdout + stderr) is echoed and returned."""
    cmd = [sys.executable, "-m", "embedlab", *args]
    print("$ embedlab " + " ".join(args), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    out = done.stdout + done.stderr
    if log is not None:
        log.write_text(out, encoding="utf-8")
    if done.returncode != 0:
        sys.exit(f"embedlab {' '.join(args)} failed ({done.returncode}):\n{out[-3000:]}")
    return out


def ndcg(results: Path) -> dict[str, float]:
    """NDCG@10 per row (setting) of an ``eval --index`` results folder."""
    scores = json.loads((results / "results.json").read_text(encoding="utf-8"))["scores"]
    return {row: next(iter(tasks.values()))["ndcg@10"] for row, tasks in scores.items()}


COLLECTIONS = {"all": ("train", "dev", "test"), "held-out": ("dev", "test")}


def collection(split: Path, out: Path, parts: tuple[str, ...] = COLLECTIONS["all"]) -> int:
    """The collection the user indexes: these splits' passages (BEIR ``corpus.jsonl``) in one file."""
    lines = []
    for part in parts:
        lines += (split / part / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def train(split: Path, work: Path, model_dir: str | None) -> tuple[str, float | None]:
    """The default ``embedlab train`` run (or a reused model folder); its wall time in seconds."""
    if model_dir:
        print(f"reusing the trained model {model_dir} (no training in this run)", flush=True)
        return model_dir, None
    start = time.perf_counter()
    embedlab("train", "--model", BASE, "--train", str(split / "train.json"), "-o", str(work / "model"),
             log=work / "train.log")  # fmt: skip
    return str(work / "model"), time.perf_counter() - start


def measure(model: str, name: str, work: Path, docs: Path, split: Path) -> dict[str, dict[str, float]]:
    """NDCG@10 of every pipeline row for one model, per chunking; tune's output is kept in the work folder."""
    out: dict[str, dict[str, float]] = {}
    for chunking, flags in INDEXES.items():
        idx = work / f"idx-{name}-{chunking}"
        embedlab("index", "build", model, str(docs), "-o", str(idx), "--id-field", "_id", *flags)
        settings = [a for s in SETTINGS.values() for a in ("--setting", s)]
        res = work / f"res-{name}-{chunking}"
        embedlab("eval", "--index", str(idx), "--retrieval", str(split / "test.json"), *settings, "-o", str(res))
        rows = ndcg(res)
        col = {label: rows[s] for label, s in SETTINGS.items()}
        dev = str(split / "dev.json")
        tuned = embedlab("tune", str(idx), "--retrieval", dev, log=work / f"tune-{name}-{chunking}.log")
        print(tuned, flush=True)
        res_tuned = work / f"res-{name}-{chunking}-tuned"
        embedlab("eval", "--index", str(idx), "--retrieval", str(split / "test.json"), "-o", str(res_tuned))
        col["tuned on dev"] = next(iter(ndcg(res_tuned).values()))
        out[chunking] = col
    return out


def table(columns: dict[str, dict[str, dict[str, float]]]) -> str:
    """One markdown table: pipelines down, (model, chunking) across; the difference to BM25 in brackets."""
    heads = [(m, c) for m in columns for c in columns[m]]
    lines = ["| pipeline | " + " | ".join(f"{m}, {c}" for m, c in heads) + " |", "|---" + "|---:" * len(heads) + "|"]
    for row in [*SETTINGS, "tuned on dev"]:
        cells = []
        for m, c in heads:
            v, bm25 = columns[m][c][row], columns[m][c]["BM25"]
            cells.append(f"{v:.4f}" if row == "BM25" else f"{v:.4f} ({v - bm25:+.3f})")
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DATA), help="aims_qa's train_dataset.json")
    ap.add_argument("--work", default=None, help="work folder (default: a new temporary one)")
    ap.add_argument("--model-dir", default=None, help="reuse this trained model folder instead of training")
    ap.add_argument(
        "--collection",
        choices=sorted(COLLECTIONS),
        default="all",
        help="index every split's passages (all) or only the passages never trained on (held-out: dev + test)",
    )
    args = ap.parse_args()
    if not Path(args.data).exists():
        sys.exit(f"data not found at {args.data}")
    print(machine(), flush=True)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-pipeline-aims-"))
    work.mkdir(parents=True, exist_ok=True)
    split = work / "split"
    start = time.perf_counter()
    embedlab("data", "split", args.data, "-o", str(split), "--by", "doc", "--fractions", "0.7,0.1,0.2")
    docs = work / "docs.jsonl"
    parts = COLLECTIONS[args.collection]
    print(f"docs.jsonl: {collection(split, docs, parts)} passages ({' + '.join(parts)})", flush=True)
    model, train_s = train(split, work, args.model_dir)
    print(f"training: {train_s / 60:.1f} min" if train_s else "training: reused", flush=True)
    columns = {name: measure(m, name, work, docs, split) for name, m in (("base", BASE), ("trained", model))}
    print()
    print(machine())
    print(table(columns))
    for name in columns:
        for chunking in INDEXES:
            log = (work / f"tune-{name}-{chunking}.log").read_text(encoding="utf-8")
            decision = [line for line in log.splitlines() if line.startswith("decision:")]
            print(f"tune, {name}, {chunking}: {' '.join(decision) or '(no decision line)'}")
    spent = f"{train_s / 60:.1f} min (`embedlab train` with its defaults)" if train_s else "reused model"
    print(f"training: {spent}; whole run {(time.perf_counter() - start) / 60:.1f} min; work folder {work}")


if __name__ == "__main__":
    main()
