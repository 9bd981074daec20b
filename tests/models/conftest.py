"""Fixtures shared by the model tests: a two-tower model whose towers differ."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def dual_folder(minilm_path: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved two-tower (Router) model on all-MiniLM-L6-v2 whose document tower is nudged, as training would."""
    import torch

    from embedlab.dual import build_dual_model
    from embedlab.dual.config import DualConfig

    model = build_dual_model(DualConfig(projection_dim=64), base=minilm_path, device="cpu")
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model[0].sub_modules["document"][0].parameters():
            p.add_(torch.randn(p.shape, generator=generator) * 0.01)
    folder = tmp_path_factory.mktemp("dual") / "model"
    model.save(str(folder))
    return folder
