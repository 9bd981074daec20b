"""Benchmark: `embedlab eval` on two models x three tasks against the same evaluators run one by one.

The anchor is what a user writes without embedlab: for each model, sentence-transformers'
EmbeddingSimilarityEvaluator (STS Benchmark dev), InformationRetrievalEvaluator (aims_qa) and mteb's
Banking77Classification scorer on the same local split, each encoding its own texts. The second model is GloVe 6B 50d
averaged, built for the anchor as sentence-transformers' classic WordEmbeddings + mean pooling model.

embedlab encodes each distinct text once per model (shared texts, one length-sorted pass) and caches embeddings on
disk: the first run starts from an empty cache, the second run reads everything from it.

Run: .venv/bin/python benchmarks/bench_eval.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]


def glove_st_model():
    """GloVe 6B 50d as a sentence-transformers model: whitespace tokenizer, word embeddings, mean pooling."""
    import numpy as np
    import pandas as pd
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from sentence_transformers.sentence_transformer.modules.tokenizer import WhitespaceTokenizer
    from sentence_transformers.sentence_transformer.modules.word_embeddings import WordEmbeddings

    from embedlab.models.resolve import resolve_model

    folder = Path(resolve_model("glove-6B-50d").path)
    vectors = np.load(folder / "glove_6B_50d_emb.npy")
    words = pd.read_parquet(folder / "glove_6B_index.parquet")["index"].astype(str).tolist()
    # No stop-word removal, like embedlab's averaging (WhitespaceTokenizer drops English stop words by default).
    tok = WhitespaceTokenizer(vocab=words, stop_words=[], do_lower_case=True)
    emb = WordEmbeddings(tokenizer=tok, embedding_weights=torch.from_numpy(vectors))
    return SentenceTransformer(modules=[emb, Pooling(emb.get_embedding_dimension(), "mean")], device="cpu")


def anchor(data: Path) -> dict[str, dict[str, float]]:
    """The plain script: load each model, run each evaluator in turn."""
    from sentence_transformers.sentence_transformer.evaluation import (
        EmbeddingSimilarityEvaluator,
        InformationRetrievalEvaluator,
    )
    from sentence_transformers.util import cos_sim, dot_score

    from embedlab.data import load_ir, load_labeled_texts, load_scored_pairs
    from embedlab.evaluate.classification import split_train_test
    from embedlab.evaluate.mteb_tasks import run_mteb_task
    from embedlab.models.resolve import load_sentence_model

    sts = load_scored_pairs(data / "stsb" / "sts-dev.csv")
    ir = load_ir(data / "aims_qa" / "train_dataset.json")
    from datasets import Dataset, DatasetDict

    (xtr, ytr), (xte, yte) = split_train_test(*load_labeled_texts(data / "banking77" / "train.csv"))
    bank = {"default": DatasetDict(train=Dataset.from_dict({"text": xtr, "label": ytr}),
                                   test=Dataset.from_dict({"text": xte, "label": yte}))}  # fmt: skip
    out = {}
    for name, load in (("all-MiniLM-L6-v2", lambda: load_sentence_model("all-MiniLM-L6-v2", device="cpu")),
                       ("glove-6B-50d", glove_st_model)):  # fmt: skip
        model = load()
        s = EmbeddingSimilarityEvaluator(
            sts.sentence1, sts.sentence2, sts.normalized(),
            similarity_fn_names=["cosine", "dot", "euclidean", "manhattan"], write_csv=False,
        )(model)  # fmt: skip
        r = InformationRetrievalEvaluator(
            ir.queries, ir.corpus, ir.relevant_sets(), score_functions={"cosine": cos_sim, "dot": dot_score},
            write_csv=False,
        )(model)  # fmt: skip
        c = run_mteb_task(model, "Banking77Classification", data=bank)
        out[name] = {"spearman_cosine": s["spearman_cosine"], "cosine_ndcg@10": r["cosine_ndcg@10"],
                     "accuracy": c["accuracy"]}  # fmt: skip
    return out


def run_embedlab(data: Path, out: Path, cache: Path) -> dict[str, dict[str, float]]:
    cmd = [
        sys.executable, "-m", "embedlab", "eval", "all-MiniLM-L6-v2", "glove-6B-50d",
        "--sts", str(data / "stsb" / "sts-dev.csv"), "--retrieval", str(data / "aims_qa" / "train_dataset.json"),
        "--classification", str(data / "banking77" / "train.csv"), "--no-speed", "--cache-dir", str(cache),
        "-o", str(out),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    res = json.loads((out / "results.json").read_text())
    return {
        m: {"spearman_cosine": t["sts-dev"]["spearman_cosine"], "cosine_ndcg@10": t["train_dataset"]["cosine_ndcg@10"],
            "accuracy": t["train"]["accuracy"]}
        for m, t in res["scores"].items()
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cold = run_embedlab(args.data, Path(tmp) / "r1", Path(tmp) / "cache")
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = run_embedlab(args.data, Path(tmp) / "r2", Path(tmp) / "cache")
        t_warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = anchor(args.data)
    t_anchor = time.perf_counter() - t0
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'model':18} {'metric':16} {'embedlab':>9} {'anchor':>9}")
    for m in ref:
        for k in ref[m]:
            print(f"{m:18} {k:16} {cold[m][k]:9.4f} {ref[m][k]:9.4f}")
    assert cold == warm, "the cached run must give the same numbers"
    print(f"anchor (ST evaluators + mteb scorer, one by one): {t_anchor:.1f} s")
    print(f"embedlab eval, empty cache:  {t_cold:.1f} s  -> {t_anchor / t_cold:.2f}x the anchor's speed")
    print(f"embedlab eval, warm cache:   {t_warm:.1f} s  -> {t_anchor / t_warm:.2f}x the anchor's speed")


if __name__ == "__main__":
    main()
