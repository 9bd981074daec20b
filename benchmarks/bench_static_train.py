"""Fine-tuning a static model with MNRL: which learning rate and batch size, measured on held-out scores.

A static model (``embedlab distill``) is one embedding table; sentence-transformers' static-model training recipe
uses a learning rate near 0.2 and batches of 2,048, four orders of magnitude above the 2e-5 that suits a pretrained
transformer. This script trains the same distilled model with ``embedlab.train.train`` (one epoch, MNRL, keep-last
so that every row shows what the learning rate did, not what the keep-best guard kept) on two data sets:

- ``snli``: the SNLI test split's entailment pairs (premise, hypothesis); scored on STS-B dev Spearman, which no
  row trains or selects on;
- ``aims``: aims_qa (questions, ~2,000-character passages), a tenth of its passages held out by embedlab's split;
  scored on their NDCG@10.

and finally runs the plan's own defaults once per data set with the keep-best guard on.

Run from the repository root (the machine is shared, so be nice):

    nice -n 5 python benchmarks/bench_static_train.py --static /tmp/static-pca256 --lrs 2e-5,1e-3,0.05,0.2
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
from pathlib import Path

from _machine import machine  # benchmarks/ is on sys.path when a script runs

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def snli_pairs(folder: Path) -> Path:
    """SNLI test entailment pairs as a JSON-lines (anchor, positive) file."""
    d = SHARED / "snli"
    rows = zip(
        *(p.read_text(encoding="utf-8").splitlines() for p in (d / "s1.test", d / "s2.test", d / "labels.test")),
        strict=True,
    )
    pairs = {(a, p) for a, p, label in rows if label.strip() == "entailment"}
    path = folder / "snli-entailment.jsonl"
    path.write_text("".join(json.dumps({"anchor": a, "positive": p}) + "\n" for a, p in sorted(pairs)))
    return path


def run(static: str, train_file: str, ev: str | None, out: Path, **kw: object) -> tuple[float, float, str, float]:
    """(score before, score of the trained model, what the run shipped, seconds) of one training run."""
    from rich.console import Console

    from embedlab.train import Recipe, train

    t0 = time.perf_counter()
    recipe = Recipe(model=static, train=train_file, eval=ev, output=str(out), epochs=1, save_total_limit=1, **kw)
    res = train(recipe, console=Console(stderr=True, quiet=True))
    # The trained model's own score, from the run's curves (the guard replaces a worse model by the base one).
    with (out / "curves.csv").open(encoding="utf-8") as fh:
        rows = [r.get(res.primary) for r in csv.DictReader(fh)]
    trained = float([r for r in rows if r][-1])
    return res.before[res.primary], trained, res.shipped, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--static", required=True, help="A static model folder (embedlab distill).")
    parser.add_argument("--lrs", default="2e-5,1e-3,0.05,0.2")
    parser.add_argument("--batches", default="32,256")
    parser.add_argument("--sets", default="snli,aims")
    args = parser.parse_args()
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-static-train-") as tmp:
        work = Path(tmp)
        sets = {
            "snli": (str(snli_pairs(work)), str(SHARED / "stsb" / "sts-dev.csv")),
            "aims": (str(SHARED / "aims_qa" / "train_dataset.json"), None),
        }
        print("| data | lr | batch | keep | base | trained | change | shipped | seconds |")
        print("|---|---|---|---|---|---|---|---|---|")
        n = 0
        for name in args.sets.split(","):
            train_file, ev = sets[name]
            grid = [(float(lr), int(b), False) for b in args.batches.split(",") for lr in args.lrs.split(",")]
            for lr, batch, keep in [*grid, (None, None, True)]:
                n += 1
                kw = {"learning_rate": lr, "batch_size": batch, "keep_best": keep}
                try:
                    before, after, shipped, secs = run(args.static, train_file, ev, work / f"run{n}", **kw)
                except Exception as exc:  # a batch larger than the data: the row says so
                    print(f"| {name} | {lr} | {batch} | - | {type(exc).__name__}: {exc} |", flush=True)
                    continue
                label = "plan default" if lr is None else f"{lr:g}"
                print(
                    f"| {name} | {label} | {batch or 'default'} | {'best' if keep else 'last'} | {before:.4f} | "
                    f"{after:.4f} | {after - before:+.4f} | {shipped} | {secs:.0f} |",
                    flush=True,
                )
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
