"""``embedlab export``: a model folder that runs on ONNX Runtime or OpenVINO, measured against its source model.

The folder is the sentence-transformers model as it saves itself (config, tokenizer, modules and torch weights, so
plain ``SentenceTransformer(folder)`` loads it), plus each transformer's graph in sentence-transformers' layout
(ONNX: ``onnx/model.onnx``, with int8 also ``onnx/model_qint8_<isa>.onnx``; OpenVINO:
``openvino/openvino_model.xml``, with int8 also ``openvino/openvino_model_qint8_quantized.xml``, each with its
``.bin``), ``embedlab_export.json`` (the backend
``load_encoder(folder)`` picks and the measurements) and a card (``README.md``) with the measured speed and quality.

Quantization is refused when it costs more than ``threshold`` (default 1 %) of the source model's score on the
check set, relative: ``(source - int8) / source``. One per cent is about what separates two neighbouring model sizes
on STS-B; a loss below it is what users accept for a 3-4x speed-up, one above it is a different model. ``force``
writes the folder anyway, with the loss stated on the card.

Example:
    >>> report = export_model("all-MiniLM-L6-v2", "minilm-int8", quantize="int8", check="sts:stsb/sts-dev.csv")
    >>> report.backend
    'onnx-int8'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from embedlab.errors import EmbedlabError, ParameterError
from embedlab.models.backends.quality import SAMPLE_TEXTS, agreement, check_score, load_check, throughput

EXPORT_FILE = "embedlab_export.json"
# The engines a model exports for, with the name a card gives each and the backends each folder runs on.
ENGINES = {"onnx": "ONNX Runtime", "openvino": "OpenVINO"}
KIND = "exported-model"
DEFAULT_THRESHOLD = 0.01


class QualityLossError(EmbedlabError):
    """Quantization costs more quality than the threshold allows."""


@dataclass
class ExportReport:
    """What an export wrote and measured.

    Attributes:
        backend: the backend the folder runs on by default (``onnx``, ``onnx-int8``, ``openvino``...).
        files: the graph files, relative to the folder.
        speed: texts per second per backend (``torch`` is the source model).
        quality: the check set's metric per backend (empty without a check set).
        agreement: the lowest cosine between each backend's and the source's embeddings.
        loss: the relative quality loss of the default backend against torch (None without a check set).
    """

    source: str
    backend: str
    files: list[str]
    check: str | None = None
    metric: str | None = None
    speed: dict[str, float] = field(default_factory=dict)
    quality: dict[str, float] = field(default_factory=dict)
    agreement: dict[str, float] = field(default_factory=dict)
    loss: float | None = None
    threshold: float = DEFAULT_THRESHOLD
    forced: bool = False


def exported_backend(path: str | Path) -> str | None:
    """The backend an ``embedlab export`` folder was made for, or None for any other model."""
    marker = Path(path) / EXPORT_FILE
    if not marker.is_file():
        return None
    try:
        return str(json.loads(marker.read_text(encoding="utf-8"))["backend"])
    except (ValueError, KeyError):
        return None


def _measure(source: Any, folder: Path, backends: list[str], check: Any, report: ExportReport) -> None:
    """Fill the report's speed, quality and agreement for the source model and each backend of ``folder``."""
    from embedlab.models.encoder import load_encoder

    encoders = {"torch": source, **{b: load_encoder(str(folder), backend=b) for b in backends}}
    texts = check.texts()[:1024] if check is not None else SAMPLE_TEXTS * 8
    ref = source.encode(texts[:256])
    for b in backends:
        report.agreement[b] = round(agreement(ref, encoders[b].encode(texts[:256])), 6)
    report.speed = {k: round(v, 1) for k, v in throughput(encoders, texts, repeats=2).items()}
    if check is not None:
        report.quality = {k: round(check_score(e, check), 6) for k, e in encoders.items()}
        base = report.quality["torch"]
        report.loss = round((base - report.quality[report.backend]) / abs(base), 6) if base else 0.0


def export_model(
    model: str,
    out: str | Path,
    *,
    backend: str = "onnx",
    quantize: str | None = None,
    check: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ExportReport:
    """Export ``model`` to ``out`` for ONNX Runtime or OpenVINO, measure it against the source and write its card.

    Args:
        model: any sentence-transformers model argument (folder, alias, hub id).
        out: the folder to write (an earlier export may be replaced; anything else is refused).
        backend: ``onnx`` (ONNX Runtime) or ``openvino``.
        quantize: ``int8`` to add (and default to) the int8 graph (ONNX: dynamic; OpenVINO: NNCF static).
        check: a check set (``sts:FILE``, ``retrieval:FILE`` or a file) to score quality on.
        threshold: the largest relative quality loss of int8 accepted (0.01 = 1 %).
        force: write the folder even when int8 loses more than ``threshold`` (the card says so).
        progress: called with a line of text at each step.

    Raises:
        ParameterError: a bad backend, quantization or threshold. QualityLossError: int8 loses too much.
    """
    from embedlab.models.encoder import load_encoder
    from embedlab.models.resolve import load_sentence_model, resolve_model
    from embedlab.utils.atomic import atomic_dir, atomic_write_json, check_output_dir

    say = progress or (lambda _msg: None)
    if backend not in ENGINES:
        raise ParameterError("backend", f"unknown export backend {backend!r}; use one of {', '.join(ENGINES)}")
    if quantize not in (None, "int8"):
        raise ParameterError("quantize", f"unknown quantization {quantize!r}; use int8")
    if not 0 <= threshold < 1:
        raise ParameterError("threshold", f"must be between 0 and 1 (a fraction), got {threshold}")
    resolved = resolve_model(model)
    inputs = [resolved.path, check.partition(":")[2] or check if check else None]
    check_output_dir(out, KIND, inputs=inputs)
    check_set = load_check(check) if check else None
    backends = [backend, f"{backend}-int8"] if quantize else [backend]
    with atomic_dir(out, kind=KIND, inputs=inputs) as tmp:
        say(f"saving {model}")
        st_model = load_sentence_model(model, device="cpu")
        st_model.save(str(tmp))
        say(f"exporting to {ENGINES[backend]}" + (" and quantizing to int8" if quantize else ""))
        report = ExportReport(model, backends[-1], _write_graphs(backend, st_model, tmp, bool(quantize)), check=check)
        report.threshold, report.forced = threshold, force
        report.metric = check_set.metric if check_set else None
        say("measuring speed and quality against the source model")
        _measure(load_encoder(model, backend="torch"), Path(tmp), backends, check_set, report)
        if report.loss is not None and report.loss > threshold:
            message = (
                f"int8 loses {report.loss:.2%} of {report.metric} on {check} "
                f"({report.quality['torch']:.4f} -> {report.quality[report.backend]:.4f}), more than the "
                f"{threshold * 100:g} % threshold"
            )
            if not force:
                raise QualityLossError(message + "; export without --quantize, raise --threshold, or pass --force")
            say("WARNING: " + message + "; written anyway (--force)")
        atomic_write_json(Path(tmp) / EXPORT_FILE, asdict(report))
        (Path(tmp) / "README.md").write_text(model_card(report), encoding="utf-8")
    return report


def _write_graphs(engine: str, st_model: Any, root: str | Path, int8: bool) -> list[str]:
    """Each transformer's graph for ``engine`` under ``root``, in sentence-transformers' layout."""
    if engine == "openvino":
        from embedlab.models.backends.openvino_export import write_openvino

        return write_openvino(st_model, root, int8=int8)
    from embedlab.models.backends.onnx_export import write_onnx

    return write_onnx(st_model, root, int8=int8)


def model_card(report: ExportReport) -> str:
    """The card of an exported folder: how to load it, and its speed and quality against the source model."""
    engine = report.backend.removesuffix("-int8")
    graph = {"onnx": "onnx/model.onnx", "openvino": "openvino/openvino_model.xml"}[engine]
    rows = ["| backend | texts/s | x torch | min cosine to torch |" + (f" {report.metric} |" if report.metric else "")]
    rows.append("|---|---|---|---|" + ("---|" if report.metric else ""))
    for b, sps in report.speed.items():
        ratio = sps / report.speed["torch"] if report.speed.get("torch") else float("nan")
        row = f"| {b} | {sps:,.0f} | {ratio:.2f} | {report.agreement.get(b, 1.0):.4f} |"
        if report.metric:
            row += f" {report.quality[b]:.4f} |"
        rows.append(row)
    if report.loss is None:
        verdict = "No check set was given, so quality was not measured on a task (export with `--check FILE`)."
    else:
        verdict = f"Quality loss of `{report.backend}` against torch: {report.loss:.2%}"
        verdict += f" (threshold {report.threshold * 100:g} %)."
        if report.forced and report.loss > report.threshold:
            verdict += " **Above the threshold: written with --force.**"
    return "\n".join(
        [
            f"# {Path(report.source).name}, exported for {ENGINES[engine]}",
            "",
            f"Exported from `{report.source}` by `embedlab export`. Default backend: `{report.backend}`.",
            "",
            "```python",
            "from embedlab.models import load_encoder",
            "encoder = load_encoder('THIS_FOLDER')  # " + report.backend,
            "```",
            "",
            "`SentenceTransformer('THIS_FOLDER')` loads the torch weights; with sentence-transformers' "
            f"{ENGINES[engine]} extra, `backend='{engine}'` loads `{graph}`.",
            "",
            f"Measured on {'`' + report.check + '`' if report.check else 'a built-in sample of sentences'}, "
            "best of interleaved repeats, on the machine that exported it:",
            "",
            *rows,
            "",
            verdict,
            "",
            "Graph files: " + ", ".join(f"`{f}`" for f in report.files),
            "",
        ]
    )
