"""Will a training batch fit in memory? A rough estimate of activation memory, checked before training.

Backpropagation keeps every layer's activations until the backward pass. For a BERT-style encoder they grow with
the tokens in a batch (hidden states, feed-forward, norms) and with the square of the sequence length (attention
scores and probabilities). Raising ``--max-seq-length`` to 512 with (anchor, positive, negative) rows and a batch
of 32 needs about 20 GiB on the CPU: on aims_qa that run was killed by the kernel on a 24 GiB machine. The check
warns before training starts and names the remedies, first among them the cached (GradCache) loss, which computes
the same gradients a mini-batch at a time.

The constants were fitted to that run (hidden states ~34 floats per token per layer, attention ~2 floats per
query-key pair per head per layer); the estimate is meant to tell 2 GiB from 20 GiB, not to be exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embedlab.data.tokens import token_lengths

_PER_TOKEN = 34  # floats kept per token per layer per hidden unit
_PER_PAIR = 2  # floats kept per (query, key) pair per head per layer
_CACHED = ("cached-mnrl",)


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated activation memory of the largest training batch.

    Attributes:
        bytes: the estimate.
        rows: rows whose activations are alive at once (the mini-batch for cached losses).
        lengths: tokens per text column of the longest rows (capped at max_seq_length).
    """

    bytes: int
    rows: int
    lengths: tuple[int, ...]

    @property
    def gib(self) -> float:
        return self.bytes / 2**30


def estimate_activation_memory(
    lengths: list[int], rows: int, *, layers: int, hidden: int, heads: int, bytes_per_float: int = 4
) -> MemoryEstimate:
    """Activation memory of ``rows`` rows whose text columns run to ``lengths`` tokens each."""
    tokens = rows * sum(lengths)
    pairs = rows * heads * sum(n * n for n in lengths)
    total = layers * bytes_per_float * (_PER_TOKEN * hidden * tokens + _PER_PAIR * pairs)
    return MemoryEstimate(int(total), rows, tuple(lengths))


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation on Linux (MemAvailable), else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def memory_warning(
    model: Any,
    columns: list[list[str]],
    batch_size: int,
    loss: str,
    *,
    mini_batch_size: int = 32,
    available: int | None = None,
) -> str | None:
    """A warning line when the largest batch's activations would not fit in the available memory, else None.

    Args:
        model: the SentenceTransformer about to train (its tokenizer, max_seq_length and transformer config).
        columns: the training data's text columns.
        batch_size: rows per step.
        loss: the loss name (cached losses hold ``mini_batch_size`` rows at once).
        mini_batch_size: the cached losses' mini-batch.
        available: bytes available (default: read from the system; no warning where unknown).
    """
    available = available if available is not None else available_memory()
    if not available or not columns:
        return None
    try:
        config = model[0].auto_model.config
        layers, hidden, heads = config.num_hidden_layers, config.hidden_size, config.num_attention_heads
    except (AttributeError, IndexError, TypeError):
        return None
    cap = int(model.max_seq_length or 512)
    lengths = []
    for texts in columns:
        sample = sorted(texts, key=len, reverse=True)[: max(batch_size, 1)]  # the longest texts make the worst batch
        counts = token_lengths(model.tokenizer, sample) if sample else []
        lengths.append(min(cap, max(counts, default=0)))
    rows = min(batch_size, mini_batch_size) if loss in _CACHED else batch_size
    est = estimate_activation_memory(lengths, rows, layers=layers, hidden=hidden, heads=heads)
    if est.bytes < 0.8 * available:
        return None
    fixes = []
    if loss == "mnrl":
        fixes.append("--loss cached-mnrl --mini-batch-size 8 (the same gradients, a mini-batch at a time)")
    fixes += [f"a smaller --batch-size than {batch_size}", f"a shorter --max-seq-length than {cap}"]
    return (
        f"memory: the longest batch ({rows} rows of {' + '.join(map(str, lengths))} tokens) needs about "
        f"{est.gib:.1f} GiB of activations, and {available / 2**30:.1f} GiB is available; training may be killed. "
        f"Remedies: " + "; or ".join(fixes)
    )
