"""Benchmark: STS-B dev Spearman after training on the offline STS data, vs the base model.

Recipe (the one embedlab picks for scored pairs): CoSENT on the STS Benchmark train split (scores scaled 0-1),
embedlab's defaults (lr 2e-5, 10 % warm-up, batch 16), one epoch, keep-best on the STS-B dev split. With
``--with-sick`` the SICK train pairs (relatedness 1-5 scaled to 0-1) are trained on first, then STS-B (two runs, the
second starting from the first's model). ``--anchor-defaults`` adds the run with sentence-transformers' defaults
(lr 5e-5, no warm-up) to show what they do to a good model.

Run: .venv/bin/python benchmarks/bench_train_sts.py [--rows 2000] [--with-sick] [--anchor-defaults]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EMBEDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000, help="STS-B train rows used (0: all 5749)")
    ap.add_argument("--with-sick", action="store_true")
    ap.add_argument("--anchor-defaults", action="store_true")
    ap.add_argument("--epochs", type=float, default=1)
    ap.add_argument("--loss", default="auto", help="auto (CoSENT for scored pairs) or cosine")
    args = ap.parse_args()

    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

    from embedlab.data import load_scored_pairs
    from embedlab.models.resolve import load_sentence_model
    from embedlab.train import Recipe, train

    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench-sts-"))
    lines = (SHARED / "stsb" / "sts-train.csv").read_text(encoding="utf-8").splitlines()
    if args.rows:
        lines = lines[: args.rows]
    (work / "sts-train.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dev = load_scored_pairs(SHARED / "stsb" / "sts-dev.csv")
    ev = EmbeddingSimilarityEvaluator(dev.sentence1, dev.sentence2, dev.normalized(), name="stsb-dev")

    def spearman(model_arg: str) -> float:
        return ev(load_sentence_model(model_arg))["stsb-dev_spearman_cosine"]

    rows = [("all-MiniLM-L6-v2 (base)", spearman("all-MiniLM-L6-v2"), "-")]
    common = dict(
        eval=str(SHARED / "stsb" / "sts-dev.csv"),
        epochs=args.epochs,
        loss=args.loss,
        max_seq_length=64,
        seed=42,
        save_total_limit=1,
    )
    base = "all-MiniLM-L6-v2"
    if args.with_sick:
        t = time.perf_counter()
        train(Recipe(model=base, train=str(SHARED / "sick" / "SICK_train.txt"), output=str(work / "sick"), **common))
        rows.append(("+ CoSENT on SICK train (4,500)", spearman(str(work / "sick")), f"{time.perf_counter() - t:.0f}"))
        base = str(work / "sick")
    t = time.perf_counter()
    res = train(Recipe(model=base, train=str(work / "sts-train.tsv"), output=str(work / "sts"), **common))
    rows.append(
        (
            f"+ {res.loss} on STS-B train ({len(lines)}), {args.epochs:g} epoch(s), embedlab defaults ({res.shipped})",
            spearman(str(work / "sts")),
            f"{time.perf_counter() - t:.0f}",
        )
    )
    if args.anchor_defaults:
        t = time.perf_counter()
        res2 = train(
            Recipe(
                model="all-MiniLM-L6-v2",
                train=str(work / "sts-train.tsv"),
                output=str(work / "sts-st-defaults"),
                learning_rate=5e-5,
                warmup_ratio=0.0,
                batch_size=8,
                keep_best=False,
                **common,
            )
        )
        rows.append(
            (
                f"CoSENT, sentence-transformers defaults lr 5e-5 no warm-up, keep-last ({res2.shipped})",
                spearman(str(work / "sts-st-defaults")),
                f"{time.perf_counter() - t:.0f}",
            )
        )
    print("\n| model | STS-B dev Spearman (cosine) | train time (s) |\n|---|---|---|")
    for name, score, secs in rows:
        print(f"| {name} | {score:.4f} | {secs} |")
    print(
        f"\nrecipe: {res.loss}, lr {res.hparams['learning_rate']}, warm-up {res.hparams['warmup_ratio']}, batch "
        f"{res.hparams['batch_size']}, {args.epochs:g} epoch(s), max_seq_length 64; "
        f"whole run {(time.perf_counter() - start) / 60:.1f} min; "
        f"load {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
