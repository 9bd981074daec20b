"""Static models, fast path: sentences/s and STS-B quality of distilled static models against fp32 torch.

In one run, for all-MiniLM-L6-v2 (the teacher and the anchor):

- ``torch``: the teacher on fp32 torch through the Encoder, batch 32 (the anchor, as in ``bench_backends.py``);
- for each ``--pca-dims`` N, the model ``embedlab distill --pca-dims N`` writes, timed two ways:
  ``st-encode``: sentence-transformers' own ``encode`` (batch 32, what the Encoder did before the fast path), and
  ``encoder``: ``load_encoder(folder).encode`` (the fast path: ids through the word cache, a sparse mean), and for
  the widest model ``encoder, cold word cache`` (the cache emptied before every pass: a first encode of new text);
- ``tokenizer only``: the static model's own tokenizer alone on the same texts (what sentence-transformers' path
  and a path without the word cache cannot beat).

Speed: every distinct sentence of STS-B dev, passes repeated until a run lasts at least 1 s, the rows interleaved
(torch, static rows, tokenizer, again), best of ``--repeats`` kept, the 1-minute load average read around each best
run. Quality: STS-B dev Spearman (cosine, ``text`` role) of each model through the Encoder; the largest difference
between the fast path's vectors and sentence-transformers' is printed per model.

Run from the repository root (the machine is shared, so be nice):

    nice -n 5 python benchmarks/bench_static.py --repeats 4 --pca-dims 64,128,256 --models /tmp/static-models
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from _machine import interleaved_rates, machine  # benchmarks/ is on sys.path when a script runs

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def static_models(folder: Path, teacher: str, dims: list[int]) -> dict[int, Path]:
    """The distilled models, one per width; a folder already there (``--models``) is reused."""
    from embedlab.models.backends.static import distill_static

    out = {}
    for n in dims:
        out[n] = folder / f"static-pca{n}"
        if not (out[n] / "modules.json").exists():
            report = distill_static(teacher, out[n], pca_dims=n)
            print(f"static-pca{n}: distilled in {report.seconds:.0f} s", flush=True)
    return out


def timed_rows(teacher: str, models: dict[int, Path]) -> tuple[dict[str, Callable[[list[str]], object]], dict]:
    """What each row runs on a list of texts, and the Encoders (for quality)."""
    from sentence_transformers import SentenceTransformer

    from embedlab.models import load_encoder
    from embedlab.models.backends.static_tokens import WordPieceCache

    encoders = {"torch": load_encoder(teacher, backend="torch")}
    rows: dict[str, Callable[[list[str]], object]] = {"torch": lambda t: encoders["torch"].encode(t, batch_size=32)}
    for n, path in models.items():
        st = SentenceTransformer(str(path), device="cpu")
        enc = encoders[f"static-pca{n}"] = load_encoder(str(path))
        rows[f"static-pca{n} st-encode"] = lambda t, st=st: st.encode(t, batch_size=32, show_progress_bar=False)
        rows[f"static-pca{n} encoder"] = lambda t, enc=enc: enc.encode(t, batch_size=32)
    last = encoders[f"static-pca{max(models)}"]
    words = WordPieceCache.of(last.model[0])

    def cold(texts: list[str]) -> object:
        words.cache.clear()  # every pass tokenizes its words anew, as a first encode of new text does
        return last.encode(texts, batch_size=32)

    rows[f"static-pca{max(models)} encoder, cold word cache"] = cold
    tokenizer = last.model[0].tokenizer
    rows["tokenizer only"] = lambda t: tokenizer.encode_batch_fast(t, add_special_tokens=False)
    return rows, encoders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--pca-dims", default="256", help="Comma-separated widths to distil and time.")
    parser.add_argument("--models", type=Path, default=None, help="Keep (and reuse) the distilled models here.")
    args = parser.parse_args()
    print(machine(), flush=True)
    from embedlab.models.backends.quality import check_score, load_check

    sts = load_check(f"sts:{SHARED / 'stsb' / 'sts-dev.csv'}")
    texts = sts.texts()
    with tempfile.TemporaryDirectory(prefix="bench-static-") as tmp:
        folder = args.models or Path(tmp)
        models = static_models(folder, args.model, [int(n) for n in args.pca_dims.split(",")])
        rows, encoders = timed_rows(args.model, models)
        for name, enc in encoders.items():
            if name != "torch":
                diff = np.abs(enc.encode(texts) - enc.model.encode(texts, batch_size=32, show_progress_bar=False))
                print(f"{name}: fast path vs sentence-transformers, max |diff| {diff.max():.1e}")
        started = time.strftime("%H:%M", time.gmtime())
        rates = interleaved_rates(rows, texts, args.repeats)
        quality = {k: check_score(e, sts) for k, e in encoders.items()}
    print(f"\n{len(texts)} sentences (STS-B dev), best of {args.repeats} interleaved, timed from {started} UTC")
    print(f"{machine()}\n")
    print("| row | sentences/s | x torch | STS-B dev Spearman | % of torch | load |")
    print("|---|---|---|---|---|---|")
    base_rate, base_sts = rates["torch"][0], quality["torch"]
    for key, (rate, load) in rates.items():
        model = key.split(" ")[0]
        s = quality.get(model)
        score = f"{s:.4f} | {s / base_sts:.1%}" if s is not None else "- | -"
        print(f"| {key} | {rate:,.0f} | {rate / base_rate:.1f} | {score} | {load:.1f} |")


if __name__ == "__main__":
    main()
