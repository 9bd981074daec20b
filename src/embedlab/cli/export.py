"""CLI for embedlab.models.backends' export: ``embedlab export MODEL -o DIR``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer


class ExportBackend(str, Enum):
    onnx = "onnx"
    openvino = "openvino"


class Quantization(str, Enum):
    int8 = "int8"


def export_command(
    model: str = typer.Argument(..., help="The model to export: a folder, an alias (all-MiniLM-L6-v2), a hub id."),
    output: Path = typer.Option(..., "--output", "-o", help="The folder to write (an earlier export is replaced)."),
    backend: ExportBackend = typer.Option(ExportBackend.onnx, "--backend", help="The engine to export for."),
    quantize: Quantization | None = typer.Option(
        None,
        "--quantize",
        help="Also write an int8 graph (ONNX: dynamic; OpenVINO: NNCF static) and load it by default.",
    ),
    check: str | None = typer.Option(
        None,
        "--check",
        help="A check set to measure quality on: sts:FILE, retrieval:FILE, or a file (.json or a folder = IR set).",
    ),
    threshold: float = typer.Option(
        0.01, "--threshold", help="Refuse int8 when it loses more than this fraction of the check score [0.01 = 1 %]."
    ),
    force: bool = typer.Option(
        False, "--force", help="Write the folder even when int8 loses more than the threshold (the card says so)."
    ),
) -> None:
    """Export a model for ONNX Runtime or OpenVINO (fp32, and int8 with --quantize), measured against the source.

    The folder loads everywhere in embedlab (`load_encoder(DIR)`, `eval DIR`, `index build --model DIR`) on the
    exported backend, and in plain sentence-transformers (torch weights, or `backend="onnx"`/`"openvino"` where
    installed).
    Its README.md states the measured speed and quality.

    Example: `embedlab export all-MiniLM-L6-v2 -o minilm-int8 --quantize int8 --check sts:stsb/sts-dev.csv`
    """
    from embedlab.models.backends.export import export_model
    from embedlab.utils.console import console, err_console

    report = export_model(
        model,
        output,
        backend=backend.value,
        quantize=quantize.value if quantize else None,
        check=check,
        threshold=threshold,
        force=force,
        progress=lambda msg: err_console.print(
            f"[bold yellow]{msg}[/bold yellow]" if msg.startswith("WARNING") else f"[dim]{msg}[/dim]"
        ),
    )
    for name, sps in report.speed.items():
        quality = f", {report.metric} {report.quality[name]:.4f}" if report.quality else ""
        console.print(f"{name}: {sps:,.0f} texts/s{quality}")
    console.print(f"wrote {output} (default backend {report.backend}; card in {output / 'README.md'})")


def register(app: typer.Typer) -> None:
    """Add ``embedlab export`` to the main app."""
    app.command("export")(export_command)
