"""The share of texts cut at max_seq_length, and the remedies offered."""

from __future__ import annotations

from embedlab.train.truncation import position_limit, truncation_report


def test_counts_distinct_texts_over_the_limit(minilm):
    texts = ["short text", "short text", " ".join(["word"] * 100), " ".join(["word"] * 10)]
    rep = truncation_report(minilm.tokenizer, texts, 32, position_limit=position_limit(minilm))
    assert (rep.n_texts, rep.n_truncated) == (3, 1)  # duplicates counted once
    assert rep.longest == 102  # 100 words + [CLS] + [SEP]
    assert rep.position_limit == 512
    msg = rep.message("training data")
    assert "1/3 texts (33.3%)" in msg and "--max-seq-length up to the model's limit of 512" in msg
    assert "--chunk-eval" in msg
    clean = truncation_report(minilm.tokenizer, ["a b c"], 32)
    assert clean.share == 0 and "Remedies" not in clean.message("x")
