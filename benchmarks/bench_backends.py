"""Encoder backends side by side: sentences/s and quality of one model on torch, ONNX, OpenVINO, int8 and static.

The anchor is what a user starts from and what embedlab did before backends: sentence-transformers' own ``encode``
on fp32 torch (``sentence-transformers``). In one run, for all-MiniLM-L6-v2:

- ``torch``: embedlab's torch backend (fp32; batches cut by token length, see ``embedlab.models.batching``);
- ``onnx``, ``onnx-int8``, ``openvino``, ``openvino-int8``: ``load_encoder(..., backend=...)`` (graphs exported
  into a fresh cache; OpenVINO runs fp32 graphs at its default precision, bf16 on CPUs that have it);
- ``static``: ``embedlab distill`` (model2vec, PCA 256);
- ``static+corpus``: the same, refined on the STS-B train sentences (no labels; the dev split is scored).

Speed: every distinct sentence of STS-B dev (passes repeated until a run lasts at least 1 s), batch 32, repeats
interleaved (sentence-transformers, torch, onnx, onnx-int8, static..., again), best of each kept; the load average
is read beside each timing and the worst seen on a best run printed. Each row's speed is given against the anchor
(``x s-t``) and against embedlab's own torch backend (``x torch``).
Quality: STS-B dev Spearman (cosine, plain ``text`` role) and aims_qa NDCG@10 (queries and documents by role),
against embedlab's torch backend (the anchor's vectors are the same to 1e-6).

Run from the repository root (the machine is shared, so be nice):

    nice -n 5 python benchmarks/bench_backends.py --repeats 4
    nice -n 5 python benchmarks/bench_backends.py --repeats 1 --encoders onnx-int8,openvino-int8  # a quick look
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _machine import interleaved_rates, machine  # benchmarks/ is on sys.path when a script runs

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def corpus_file(folder: Path) -> Path:
    """The STS-B train sentences, one per line (tab-split as SOURCES.md says)."""
    texts = []
    for line in (SHARED / "stsb" / "sts-train.csv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 7:
            texts += [parts[5], parts[6]]
    path = folder / "corpus.txt"
    path.write_text("\n".join(dict.fromkeys(t for t in texts if t.strip())) + "\n", encoding="utf-8")
    return path


ANCHOR = "sentence-transformers"
ENCODERS = ("torch", "onnx", "onnx-int8", "openvino", "openvino-int8", "static", "static+corpus")


def build(folder: Path, model: str, names: list[str]) -> dict:
    """The encoders to compare (``names``, torch always first), and how long the slow-to-make ones took."""
    from embedlab.models import load_encoder
    from embedlab.models.backends.static import distill_static

    encoders = {"torch": load_encoder(model, backend="torch")}
    for backend in ("onnx", "onnx-int8", "openvino", "openvino-int8"):
        if backend not in names:
            continue
        t0 = time.perf_counter()
        encoders[backend] = load_encoder(model, backend=backend)
        info = encoders[backend].info()
        precision = f" (inference precision {info['inference_precision']})" if "inference_precision" in info else ""
        print(f"{backend}: exported and loaded in {time.perf_counter() - t0:.0f} s{precision}", flush=True)
    for name in ("static", "static+corpus"):
        if name not in names:
            continue
        corpus = corpus_file(folder) if name == "static+corpus" else None
        report = distill_static(model, folder / name, pca_dims=256, corpus=corpus)
        print(f"{name}: distilled in {report.seconds:.0f} s (losses {report.validation_loss[-3:]})", flush=True)
        encoders[name] = load_encoder(str(folder / name))
    return encoders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--speed-texts", type=int, default=None, help="Time only the first N sentences.")
    parser.add_argument("--encoders", default=",".join(ENCODERS), help="Comma-separated subset (torch always runs).")
    args = parser.parse_args()
    names = [n.strip() for n in args.encoders.split(",") if n.strip()]
    if unknown := sorted(set(names) - set(ENCODERS)):
        parser.error(f"unknown encoders {', '.join(unknown)}; choose from {', '.join(ENCODERS)}")
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp:
        # A fresh cache: the ONNX graphs are exported by this run, as a first-time user's would be.
        os.environ["EMBEDLAB_CACHE"] = str(Path(tmp) / "cache")
        from embedlab.models.backends.quality import check_score, load_check

        sts = load_check(f"sts:{SHARED / 'stsb' / 'sts-dev.csv'}")
        aims = load_check(f"retrieval:{SHARED / 'aims_qa' / 'train_dataset.json'}")
        encoders = build(Path(tmp), args.model, names)
        texts = sts.texts()[: args.speed_texts]
        anchor = encoders["torch"].model  # the same SentenceTransformer, through its own encode
        rows = {ANCHOR: lambda t: anchor.encode(t, batch_size=32, show_progress_bar=False)}
        rows |= {k: (lambda t, e=e: e.encode(t, batch_size=32)) for k, e in encoders.items()}
        rates = interleaved_rates(rows, texts, args.repeats)
        quality = {k: (check_score(e, sts), check_score(e, aims)) for k, e in encoders.items()}
    quality[ANCHOR] = quality["torch"]
    anchor_rate, torch_rate, (base_sts, base_ir) = rates[ANCHOR][0], rates["torch"][0], quality["torch"]
    print(f"\n{len(texts)} sentences (STS-B dev), batch 32, best of {args.repeats} interleaved\n")
    columns = ["backend", "sentences/s", "x s-t", "x torch", "STS-B dev Spearman", "% of torch", "aims_qa NDCG@10"]
    print("| " + " | ".join([*columns, "% of torch", "load"]) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k, (rate, load) in rates.items():
        s, r = quality[k]
        print(
            f"| {k} | {rate:,.0f} | {rate / anchor_rate:.2f} | {rate / torch_rate:.2f} | {s:.4f} | "
            f"{s / base_sts:.1%} | {r:.4f} | {r / base_ir:.1%} | {load:.1f} |"
        )


if __name__ == "__main__":
    main()
