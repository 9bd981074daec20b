"""What machine a benchmark ran on, for the line each script prints first, and the interleaved timing loop."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"{cpu}, {os.cpu_count()} cores, load average {load:.1f}, {when}"


def interleaved_rates(
    rows: dict[str, Callable[[list[str]], object]], texts: list[str], repeats: int, min_seconds: float = 1.0
) -> dict[str, tuple[float, float]]:
    """Texts/s of each row (best of ``repeats`` rounds, rows interleaved A, B, A, B) and the 1-minute load average
    around its best run.

    A run calls ``fn(texts)`` as many times as it takes to last ``min_seconds``, so a 0.1 s pass is not timed alone
    (one scheduler hiccup would halve it).
    """
    best = {k: (0.0, 0.0) for k in rows}
    for fn in rows.values():
        fn(texts[:64])  # warm-up
    for _ in range(repeats):
        for key, fn in rows.items():
            load_before = os.getloadavg()[0]
            done, t0 = 0, time.perf_counter()
            while done == 0 or time.perf_counter() - t0 < min_seconds:
                fn(texts)
                done += len(texts)
            rate = done / (time.perf_counter() - t0)
            if rate > best[key][0]:
                best[key] = (rate, max(load_before, os.getloadavg()[0]))
    return best
