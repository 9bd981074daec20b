"""2-D maps of labelled texts through the CLI (PCA: t-SNE and UMAP take tens of seconds even on a few points, UMAP's
first run compiling with numba, so they are left to the demo), the matplotlib PNG fallback, and option errors."""

from __future__ import annotations

from explorefixtures import tiny_kv  # noqa: F401 - fixture


def test_map_cli(cli, tmp_path, tiny_kv, monkeypatch):  # noqa: F811
    monkeypatch.setenv("EMBEDLAB_PNG_ENGINE", "matplotlib")  # the fallback drawing (kaleido is covered elsewhere)
    f = tmp_path / "t.csv"
    rows = (
        ["text,label"]
        + [f"the cat sleeps {i},animal" for i in range(6)]
        + [f"a truck drives {i},car" for i in range(6)]
    )
    f.write_text("\n".join(rows) + "\n")
    for method in ("pca",):
        out = tmp_path / method
        code, _, stderr = cli(
            "explore", "map", tiny_kv, "--texts", f, "--labels", "label", "--method", method, "-o", out
        )
        assert code == 0, stderr
        assert out.with_suffix(".html").exists() and out.with_suffix(".png").exists()
    code, _, stderr = cli("explore", "map", tiny_kv, "--texts", f, "--method", "mds")
    assert code == 2 and "--method" in stderr
