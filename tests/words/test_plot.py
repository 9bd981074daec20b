from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ParameterError, UnknownWordError
from embedlab.words import neighbor_map, plot_neighbors


def test_map_is_centred_on_the_target(lee_model) -> None:
    nmap = neighbor_map(lee_model.kv, "police", neighbors=20, method="pca")
    assert nmap.words[0] == "police" and len(nmap.words) == 21
    assert np.allclose(nmap.xy[0], 0.0)
    assert nmap.similarity[0] == 1.0
    assert np.all(np.diff(nmap.similarity[1:]) <= 1e-7)  # nearest first


def test_html_is_self_contained(tmp_path: Path, lee_model) -> None:
    out = tmp_path / "police.html"
    [(path, renderer)] = plot_neighbors(lee_model.kv, "police", neighbors=15, method="pca", out=out)
    html = path.read_text(encoding="utf-8")
    assert renderer == "plotly"
    assert "plotly.js" in html or "Plotly.newPlot" in html
    assert not re.search(r"<script[^>]*\bsrc=", html)  # works offline: plotly.js is embedded, not fetched
    assert "similarity" in html and "police" in html


@pytest.mark.slow
def test_png_and_tsne(tmp_path: Path, lee_model) -> None:
    out = tmp_path / "police.png"
    [(path, renderer)] = plot_neighbors(lee_model.kv, "police", neighbors=25, method="tsne", out=out)
    assert renderer in ("kaleido", "matplotlib")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_errors(tmp_path: Path, lee_model) -> None:
    with pytest.raises(ParameterError, match=r"^method:"):
        plot_neighbors(lee_model.kv, "police", method="mds", out=tmp_path / "x.html")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"^out:"):
        plot_neighbors(lee_model.kv, "police", method="pca", neighbors=5, out=tmp_path / "x.pdf")
    with pytest.raises(ParameterError, match=r"^neighbors:"):
        plot_neighbors(lee_model.kv, "police", neighbors=1, out=tmp_path / "x.html")
    with pytest.raises(UnknownWordError):
        plot_neighbors(lee_model.kv, "zzzqqq", out=tmp_path / "x.html")
    assert not list(tmp_path.iterdir())


def test_png_falls_back_to_matplotlib(tmp_path: Path, lee_model, monkeypatch: pytest.MonkeyPatch) -> None:
    import plotly.graph_objects as go

    def no_chrome(*args, **kwargs):
        raise RuntimeError("Kaleido requires Google Chrome to be installed")

    # The environment without a browser, simulated: kaleido's export fails as it does when no Chrome is found.
    monkeypatch.setattr(go.Figure, "write_image", no_chrome)
    [(path, renderer)] = plot_neighbors(lee_model.kv, "police", neighbors=10, method="pca", out=tmp_path / "p.png")
    assert renderer == "matplotlib"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
