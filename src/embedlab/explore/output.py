"""Saving exploration plots: an HTML page that opens offline (plotly.js inline) and a PNG beside it.

PNGs come from plotly's kaleido when it can start a browser (Chrome/Chromium), otherwise from a matplotlib drawing
of the same data, so a PNG is always written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from embedlab.utils.atomic import atomic_path


def save_plot(
    fig: Any, output: str | Path, *, png: bool = True, fallback: Callable[[Path], None] | None = None
) -> dict[str, str]:
    """Write ``<output>.html`` (and ``<output>.png``); returns the paths written.

    Args:
        fig: a plotly figure.
        output: the path without suffix (a ``.html`` or ``.png`` suffix is dropped).
        png: also write the PNG.
        fallback: draws the PNG with matplotlib to the given path when kaleido cannot.

    Example:
        >>> save_plot(fig, "out/heatmap")
        {'html': 'out/heatmap.html', 'png': 'out/heatmap.png'}
    """
    base = Path(output)
    if base.suffix in (".html", ".png"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    html_path = base.with_suffix(".html")
    with atomic_path(html_path) as tmp:
        fig.write_html(str(tmp), include_plotlyjs=True, full_html=True)
    out = {"html": str(html_path)}
    if png:
        png_path = base.with_suffix(".png")
        engine = os.environ.get("EMBEDLAB_PNG_ENGINE", "auto")
        done = False
        if engine in ("auto", "kaleido"):
            try:
                with atomic_path(png_path) as tmp:
                    fig.write_image(str(tmp), format="png")
                done = True
            except Exception:
                if engine == "kaleido" or fallback is None:
                    raise
        if not done and fallback is not None:
            fallback(png_path)
        out["png"] = str(png_path)
    return out


def matplotlib_heatmaps(
    matrices: list[Any], labels_x: list[str], labels_y: list[str], titles: list[str], path: Path
) -> None:
    """Draw one or more heatmaps side by side with matplotlib (the PNG fallback)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(matrices)
    fig, axes = plt.subplots(1, n, figsize=(5 * n + 1, 5), dpi=100, squeeze=False)
    for ax, m, title in zip(axes[0], matrices, titles, strict=False):
        im = ax.imshow(m, cmap="viridis", vmin=min(0.0, float(m.min())), vmax=1.0)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(len(labels_x)), [s[:18] for s in labels_x], rotation=60, ha="right", fontsize=6)
        ax.set_yticks(range(len(labels_y)), [s[:24] for s in labels_y], fontsize=6)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)


def short(text: str, n: int = 40) -> str:
    """A label for a long text."""
    return text if len(text) <= n else text[: n - 1] + "…"
