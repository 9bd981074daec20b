"""WordPiece tokenizers for encoders built from scratch.

A model trained from nothing needs a vocabulary. WordPiece (BERT's scheme) starts from single characters and merges
the pairs that make the corpus most likely, until ``vocab_size`` pieces exist; a word it has never seen is spelled with
pieces (``embed`` + ``##ding``) instead of becoming unknown. :func:`train_wordpiece` learns one on the user's texts
with the ``tokenizers`` library and wraps it as a transformers fast tokenizer, so it saves beside the model and loads
with ``AutoTokenizer``. :func:`load_tokenizer` reuses the tokenizer of an existing model instead.

Example:
    >>> tok = train_wordpiece(["the towers read text", "queries and documents"], vocab_size=200)
    >>> tok.decode(tok("the towers")["input_ids"], skip_special_tokens=True)
    'the towers'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def train_wordpiece(
    texts: Iterable[str],
    *,
    vocab_size: int = 8000,
    lowercase: bool = True,
    max_length: int = 256,
    min_frequency: int = 2,
) -> PreTrainedTokenizerBase:
    """Train a BERT-style WordPiece tokenizer on ``texts``.

    The normaliser lowercases (when asked) but keeps accents, so decoding gives back the text up to case and spacing.

    Args:
        texts: the corpus (any iterable of strings; read once).
        vocab_size: the largest vocabulary to learn (a small corpus may give fewer pieces).
        lowercase: lowercase before splitting.
        max_length: ``model_max_length`` of the returned tokenizer (inputs are truncated to it).
        min_frequency: a merge must occur this often to enter the vocabulary.

    Returns:
        A transformers fast tokenizer with ``[PAD] [UNK] [CLS] [SEP] [MASK]`` special tokens that adds
        ``[CLS] ... [SEP]`` around each text.

    Raises:
        InputError: the corpus has no non-blank text.

    Example:
        >>> tok = train_wordpiece(open("corpus.txt"), vocab_size=8000)
        >>> tok.save_pretrained("my-tokenizer")
    """
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from tokenizers.trainers import WordPieceTrainer
    from transformers import PreTrainedTokenizerFast

    corpus = [t for t in texts if isinstance(t, str) and t.strip()]
    if not corpus:
        raise InputError("cannot train a tokenizer: the corpus has no non-blank text")
    if vocab_size < len(SPECIAL_TOKENS) + 1:
        raise ParameterError("vocab_size", f"must be larger than the {len(SPECIAL_TOKENS)} special tokens")

    tok = Tokenizer(WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=lowercase
    )
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        continuing_subword_prefix="##",
    )
    tok.train_from_iterator(corpus, trainer=trainer, length=len(corpus))
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
        do_lower_case=lowercase,
    )


def tokenizer_cache_dir() -> Path:
    """Where :func:`corpus_tokenizer` keeps tokenizers: ``$EMBEDLAB_CACHE/tokenizers``, else
    ``$XDG_CACHE_HOME/embedlab/tokenizers`` (``~/.cache/embedlab/tokenizers``)."""
    root = os.environ.get("EMBEDLAB_CACHE")
    if root:
        return Path(root).expanduser() / "tokenizers"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "embedlab" / "tokenizers"


def corpus_tokenizer(
    texts: Iterable[str],
    *,
    vocab_size: int = 8000,
    lowercase: bool = True,
    max_length: int = 256,
    min_frequency: int = 2,
    cache: bool = True,
) -> PreTrainedTokenizerBase:
    """A WordPiece tokenizer for ``texts``: trained once, then reused for the same texts and settings.

    The ``tokenizers`` trainer breaks ties between equally frequent merges in hash-map order, so two trainings on one
    corpus can give different vocabularies. A from-scratch run that resumes from a checkpoint rebuilds its towers and
    must get the very same token ids, so the tokenizer is cached under a hash of the corpus and settings
    (:func:`tokenizer_cache_dir`).

    Args:
        texts: the corpus.
        vocab_size, lowercase, max_length, min_frequency: as in :func:`train_wordpiece`.
        cache: read and write the cache; False always trains afresh.

    Example:
        >>> corpus_tokenizer(texts).get_vocab() == corpus_tokenizer(texts).get_vocab()
        True
    """
    import hashlib
    import json

    from transformers import AutoTokenizer

    from embedlab.utils.atomic import atomic_dir

    corpus = [t for t in texts if isinstance(t, str) and t.strip()]
    settings = {"vocab_size": vocab_size, "lowercase": lowercase, "min_frequency": min_frequency, "v": 1}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for text in corpus:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    folder = tokenizer_cache_dir() / digest.hexdigest()[:32]
    if cache and (folder / "tokenizer.json").exists():
        tok = AutoTokenizer.from_pretrained(str(folder))
        tok.model_max_length = max_length
        return tok
    tok = train_wordpiece(
        corpus, vocab_size=vocab_size, lowercase=lowercase, max_length=max_length, min_frequency=min_frequency
    )
    if cache:
        try:
            with atomic_dir(folder, kind="tokenizer") as tmp:
                tok.save_pretrained(str(tmp))
        except OSError:  # a read-only cache only costs retraining next time
            pass
    return tok


def _tokenizer_folder(path: Path) -> Path:
    """The folder holding the tokenizer files of a model folder (a sentence-transformers model may keep its
    Transformer module, and so its tokenizer, in a sub-folder such as ``0_Transformer`` or ``query_0_Transformer``)."""
    markers = ("tokenizer.json", "vocab.txt", "tokenizer_config.json")
    if any((path / m).exists() for m in markers):
        return path
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        if any((sub / m).exists() for m in markers):
            return sub
    raise InputError("no tokenizer found (no tokenizer.json, vocab.txt or tokenizer_config.json)", path=path)


def load_tokenizer(name: str | os.PathLike[str], *, max_length: int | None = None) -> PreTrainedTokenizerBase:
    """Load the tokenizer of a model argument (folder, alias or hub id), for reuse by a from-scratch encoder.

    Args:
        name: anything :func:`embedlab.models.resolve_model` accepts, or a folder saved by ``save_pretrained``.
        max_length: set ``model_max_length`` (inputs are truncated to it).

    Example:
        >>> tok = load_tokenizer("all-MiniLM-L6-v2")
        >>> len(tok)
        30522
    """
    from transformers import AutoTokenizer

    from embedlab.models import resolve_model

    local = Path(os.fspath(name)).expanduser()
    if local.is_dir():  # a model folder, or a tokenizer-only folder that resolve_model would not call a model
        path = str(_tokenizer_folder(local))
    else:
        resolved = resolve_model(name)
        if resolved.kind in ("word-vectors", "glove-npy"):
            raise ParameterError("dual.tokenizer", f"{name!r} is a word-vector model and has no tokenizer")
        path = resolved.path if resolved.kind == "hub" else str(_tokenizer_folder(Path(resolved.path)))
    try:
        tok = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"could not load a tokenizer ({str(exc).splitlines()[0]})", path=path) from exc
    if max_length is not None:
        tok.model_max_length = max_length
    return tok
