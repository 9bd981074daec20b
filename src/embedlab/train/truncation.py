"""How many texts does the model cut off?

A transformer encoder reads at most ``max_seq_length`` tokens; anything longer is silently dropped by
sentence-transformers (and most tools). Passages of ~2,000 characters (~450 tokens) lose half their text at
all-MiniLM-L6-v2's 256-token default. This module measures the share of texts cut, so a run can say so at its start
and point at the two remedies: raise ``--max-seq-length`` up to the model's position limit (slower: attention is
quadratic in length), or score long passages by their best chunk (``--chunk-eval``).

Example:
    >>> report = truncation_report(model.tokenizer, texts, 256, position_limit=512)  # doctest: +SKIP
    >>> report.share
    0.93
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embedlab.data.tokens import token_lengths


@dataclass(frozen=True)
class TruncationReport:
    """Share of texts longer than the max sequence length.

    Attributes:
        n_texts: distinct texts measured.
        n_truncated: texts with more tokens than ``max_seq_length`` (special tokens included).
        max_seq_length: the limit in force.
        position_limit: the model's position-embedding limit (the highest usable ``max_seq_length``), if known.
        longest: the longest text in tokens.
    """

    n_texts: int
    n_truncated: int
    max_seq_length: int
    position_limit: int | None
    longest: int

    @property
    def share(self) -> float:
        return self.n_truncated / self.n_texts if self.n_texts else 0.0

    def message(self, where: str) -> str:
        """One or two lines for the console: the share, and the remedies when any text is cut."""
        line = (
            f"{where}: {self.n_truncated}/{self.n_texts} texts ({self.share:.1%}) exceed max_seq_length "
            f"{self.max_seq_length} tokens (longest {self.longest})"
        )
        if not self.n_truncated:
            return line
        fixes = []
        if self.position_limit and self.max_seq_length < self.position_limit:
            fixes.append(f"raise --max-seq-length up to the model's limit of {self.position_limit} (slower)")
        fixes.append("evaluate long passages by their best chunk with --chunk-eval")
        return line + "; the cut text is ignored. Remedies: " + "; or ".join(fixes)


def position_limit(model: Any) -> int | None:
    """The largest sequence length the model's position embeddings allow (None if unknown)."""
    try:
        config = model[0].auto_model.config
    except (AttributeError, IndexError, TypeError, KeyError):
        return None
    limit = getattr(config, "max_position_embeddings", None)
    # RoBERTa-style models reserve two positions for the padding offset.
    if limit and getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert"):
        limit -= 2
    return limit


def truncation_report(
    tokenizer: Any, texts: list[str], max_seq_length: int, *, position_limit: int | None = None
) -> TruncationReport:
    """Count texts longer than ``max_seq_length`` tokens (with special tokens), over distinct texts.

    Args:
        tokenizer: a Hugging Face tokenizer (``model.tokenizer``).
        texts: the texts (duplicates counted once).
        max_seq_length: the limit.
        position_limit: the model's limit, to suggest how far the limit can be raised.
    """
    unique = list(dict.fromkeys(texts))
    if not unique:
        return TruncationReport(0, 0, max_seq_length, position_limit, 0)
    lengths = token_lengths(tokenizer, unique)
    return TruncationReport(
        len(unique), sum(n > max_seq_length for n in lengths), max_seq_length, position_limit, max(lengths)
    )
