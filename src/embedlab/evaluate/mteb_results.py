"""embedlab's evaluations in mteb's own formats: ``TaskResult`` files mteb tools read, and models mteb can load.

**Results.** :func:`write_mteb_results` writes each (model, task) score of a :class:`Results` as an mteb
``TaskResult`` JSON, in the folder layout of mteb's ``ResultCache``::

    FOLDER/results/<model name, "/" as "__">/<revision>/<TaskName>.json
    FOLDER/results/<model name>/<revision>/model_meta.json

so ``mteb.ResultCache(FOLDER).load_results(...)`` (and ``TaskResult.from_disk``) read them. A task run through mteb
(``mteb:STSBenchmark``) keeps its mteb name and dataset revision; an embedlab task on a local file is named after the
file (its revision is the file's content hash), with embedlab's metrics under mteb's names (``ndcg_at_10``,
``cosine_spearman``...) beside ``main_score``. The revision of a model is its content fingerprint, unless given.

**Models.** ``mteb.get_model("path/to/model")`` cannot load a local folder offline (it looks the name up on the Hub
and ends in ``NotImplementedError``). :func:`mteb_model_meta` describes an embedlab model (any argument
:func:`embedlab.models.load_encoder` takes) as an mteb ``ModelMeta`` with a loader, :func:`register_mteb_model`
adds it to mteb's registry under a name and revision, after which ``mteb.get_model(name, revision)`` loads it.

Example:
    >>> register_mteb_model("runs/minilm-aims", name="me/minilm-aims", revision="v1")
    >>> model = mteb.get_model("me/minilm-aims", revision="v1")
    >>> write_mteb_results(run_evaluation(["runs/minilm-aims"], ["sts:stsb/sts-dev.csv"]), "results/mteb")
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from embedlab.evaluate.results import MAIN_METRICS, Results

# embedlab metric -> mteb's name for it (mteb's retrieval, STS, classification and clustering evaluators).
_MTEB_NAMES = {
    "cosine_ndcg@10": "ndcg_at_10",
    "cosine_mrr@10": "mrr_at_10",
    "cosine_map@100": "map_at_100",
    "spearman_cosine": "cosine_spearman",
    "pearson_cosine": "cosine_pearson",
    "spearman_dot": "dot_spearman",
    "pearson_dot": "dot_pearson",
}


def mteb_name(metric: str) -> str:
    """mteb's name for an embedlab metric (``cosine_recall@10`` -> ``recall_at_10``)."""
    if metric in _MTEB_NAMES:
        return _MTEB_NAMES[metric]
    if metric.startswith("cosine_") and "@" in metric:
        metric = metric[len("cosine_") :]
    return metric.replace("@", "_at_")


def default_name(model: str) -> str:
    """The name a model's results are filed under: an alias or hub id as is, a folder by its last part."""
    p = Path(model)
    return p.name if p.exists() else model


def _file_revision(path: str | None) -> str:
    p = Path(path) if path else None
    if p is None or not p.is_file():
        return "local"
    return hashlib.sha256(p.read_bytes()).hexdigest()[:12]


def _task_result(task: str, meta: dict[str, Any], metrics: dict[str, float], seconds: float | None) -> Any:
    """An mteb ``TaskResult`` for one task's scores."""
    from mteb.results import TaskResult

    from embedlab.evaluate.mteb_tasks import get_task

    if meta.get("kind") == "mteb":
        mteb_task = get_task(meta.get("mteb_task") or task)
        split = mteb_task.metadata.eval_splits[0]
        return TaskResult.from_task_results(mteb_task, {split: {"default": dict(metrics)}}, evaluation_time=seconds)
    from importlib.metadata import version

    main = MAIN_METRICS.get(meta.get("kind", ""), "")
    scores: dict[str, Any] = {mteb_name(k): v for k, v in metrics.items() if isinstance(v, (int, float))}
    scores.update({"main_score": metrics.get(main), "hf_subset": "default", "languages": []})
    return TaskResult(
        dataset_revision=_file_revision(meta.get("path")),
        task_name=task,
        mteb_version=version("mteb"),
        scores={"test": [scores]},
        evaluation_time=seconds,
    )


def write_mteb_results(results: Results, folder: str | Path, *, names: dict[str, str] | None = None) -> list[Path]:
    """Write every model's task scores as mteb ``TaskResult`` files under ``folder/results`` (see module doc).

    Args:
        results: model evaluation results (pipeline rows, which are not models, are skipped).
        folder: mteb's cache folder (``mteb.ResultCache(folder)`` reads it).
        names: model argument -> the name to file it under (default :func:`default_name`).

    Returns:
        The task files written.
    """
    written = []
    for row, tasks in results.scores.items():
        info = results.models.get(row, {})
        if info.get("kind") == "pipeline":
            continue
        model = info.get("model", row)
        name = (names or {}).get(model) or default_name(model)
        if info.get("backend") not in (None, "torch"):
            name += f" ({info['backend']})"
        revision = str(info.get("fingerprint") or "no_revision_available")[:12]
        meta = mteb_model_meta_from_info(name, revision, info)
        target = Path(folder) / "results" / meta.model_name_as_path() / revision
        target.mkdir(parents=True, exist_ok=True)
        (target / "model_meta.json").write_text(json.dumps(meta.to_dict(), default=str, indent=2), encoding="utf-8")
        for task, metrics in tasks.items():
            result = _task_result(task, results.tasks.get(task, {}), metrics, info.get("encode_s"))
            path = target / f"{result.task_name}.json"
            result.to_disk(path)
            written.append(path)
    return written


def mteb_model_meta_from_info(name: str, revision: str, info: dict[str, Any], loader_path: str | None = None) -> Any:
    """An mteb ``ModelMeta`` from what embedlab knows of a model (its ``info()``), with embedlab's loader."""
    from mteb.models import ModelMeta
    from mteb.models.model_meta import ScoringFunction

    # create_empty's overwrites skip validation: give the enum itself, as mteb compares with `is`.
    similarity = (
        ScoringFunction.COSINE if info.get("similarity", "cosine") == "cosine" else ScoringFunction.DOT_PRODUCT
    )
    return ModelMeta.create_empty(
        overwrites={
            "loader": load_for_mteb,
            "loader_kwargs": {"model_path": loader_path or info.get("model") or name},
            "name": name,
            "revision": revision,
            "n_parameters": info.get("params"),
            "embed_dim": info.get("dim"),
            "max_tokens": info.get("max_seq_length"),
            "similarity_fn_name": similarity,
            "framework": ["Sentence Transformers", "PyTorch"] if info.get("kind") != "word-vectors" else ["NumPy"],
            "open_weights": True,
        }
    )


def load_for_mteb(name: str, revision: str | None = None, *, model_path: str, device: str | None = None, **_: Any):
    """mteb's loader for an embedlab model: the sentence-transformers model behind ``model_path``, wrapped the way
    mteb wraps sentence-transformers models (query/document prompts and towers are used by mteb's encode)."""
    from mteb.models.sentence_transformer_wrapper import SentenceTransformerEncoderWrapper

    from embedlab.errors import ParameterError
    from embedlab.models.encoder import SentenceEncoder, load_encoder

    encoder = load_encoder(model_path, device=device)
    if not isinstance(encoder, SentenceEncoder):
        raise ParameterError("model", f"{model_path!r} is word vectors; mteb loads sentence-transformers models")
    wrapper = SentenceTransformerEncoderWrapper(encoder.model)
    wrapper.mteb_model_meta = mteb_model_meta(model_path, name=name, revision=revision, encoder=encoder)
    return wrapper


def mteb_model_meta(model: str, *, name: str | None = None, revision: str | None = None, encoder: Any = None) -> Any:
    """An mteb ``ModelMeta`` for an embedlab model, whose ``load_model()`` loads it offline.

    Args:
        model: a model folder, alias or anything :func:`embedlab.models.load_encoder` takes.
        name: the name mteb files it under (default: the folder's name or the alias).
        revision: its revision (default: the model's content fingerprint, first 12 characters).
        encoder: the model, when already loaded.

    Example:
        >>> mteb_model_meta("runs/minilm-aims", name="me/minilm-aims").load_model()
    """
    from embedlab.models.encoder import load_encoder

    enc = encoder if encoder is not None else load_encoder(model)
    info = {**enc.info(), "model": model}
    return mteb_model_meta_from_info(name or default_name(model), revision or enc.fingerprint[:12], info, model)


def register_mteb_model(model: str, *, name: str | None = None, revision: str | None = None) -> Any:
    """Add an embedlab model to mteb's registry, so ``mteb.get_model(name, revision)`` loads it; returns its meta.

    Example:
        >>> register_mteb_model("runs/minilm-aims", name="me/minilm-aims", revision="v1")
        >>> mteb.get_model("me/minilm-aims", revision="v1").encode  # doctest: +SKIP
    """
    from mteb.models.model_implementations import MODEL_REGISTRY

    meta = mteb_model_meta(model, name=name, revision=revision)
    MODEL_REGISTRY[meta.name] = meta
    return meta
