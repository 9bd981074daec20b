"""Training data in any common format, turned into role columns that decide the loss.

A training file has a *shape*, and the shape picks the loss (see :mod:`embedlab.train.losses`):

============  ==============================================  ==========================
shape         role columns                                    typical source
============  ==============================================  ==========================
``pairs``     ``anchor, positive``                            questions and answers, IR JSON
``triplets``  ``anchor, positive, negative[_2...]``           mined hard negatives
``scored``    ``sentence1, sentence2, score`` (score in 0-1)  STS Benchmark, SICK
``nli``       ``premise, hypothesis, label``                  SNLI, MultiNLI, SICK
``text``      ``text``                                        unlabeled sentences (TSDAE)
============  ==============================================  ==========================

File columns are matched to roles by name (``query``/``question`` -> anchor, ``answer``/``passage`` -> positive,
...) or explicitly with ``columns={"file column": "role"}`` (``--columns question=anchor,answer=positive``). The
common real formats are read by :mod:`embedlab.data` (IR JSON, BEIR, STS Benchmark TSV, SICK TSV, SNLI folders);
other tables come from JSONL, JSON, CSV/TSV, Parquet, a saved Hugging Face data set folder, or ``hf:NAME`` (online).

Every problem (missing column, empty cell, unknown label, score out of range, no rows) stops here, before any
training, with one line naming the file and the row.

Example:
    >>> data = load_training_data("../shared/data/aims_qa/train_dataset.json")
    >>> data.shape, data.columns
    ('pairs', ['anchor', 'positive'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from embedlab.data.records import text_value
from embedlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    from datasets import Dataset

    from embedlab.data import IRDataset

Shape = Literal["pairs", "triplets", "scored", "nli", "text"]
NLI_LABELS = ("entailment", "neutral", "contradiction")

# File column names recognised for each role, in order of preference.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "anchor": ("anchor", "query", "question", "queries", "q", "sentence", "title"),
    "positive": ("positive", "answer", "passage", "document", "doc", "context", "pos", "response", "corpus"),
    "sentence1": ("sentence1", "sentence_a", "sentence_A", "s1", "text1", "text_a"),
    "sentence2": ("sentence2", "sentence_b", "sentence_B", "s2", "text2", "text_b"),
    "score": ("score", "similarity", "relatedness_score", "relatedness", "label_score"),
    "premise": ("premise",),
    "hypothesis": ("hypothesis",),
    "label": ("label", "gold_label", "entailment_judgment"),
    "text": ("text", "sentence", "content", "body"),
}
ROLES = ("anchor", "positive", "negative", "sentence1", "sentence2", "score", "premise", "hypothesis", "label", "text")


@dataclass
class TrainingData:
    """Training rows with role columns, plus what evaluation needs.

    Attributes:
        shape: which roles the rows carry (decides the loss).
        dataset: a ``datasets.Dataset`` whose columns are the roles, in the order the loss reads them.
        source: the file or name it came from (for messages and the model card).
        group_keys: per row, the key that must not be split across train/eval (the positive passage's id).
        ir: the IR data set when the source was one (queries, corpus, relevance), for IR evaluation.
        row_numbers: per row, its line/row in the source file (for error messages).
        notes: what the reader did that the user should know (scaled scores, dropped neutral pairs...).
    """

    shape: Shape
    dataset: Dataset
    source: str
    group_keys: list[str] | None = None
    ir: IRDataset | None = None
    row_numbers: list[int] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.dataset.column_names)

    def __len__(self) -> int:
        return len(self.dataset)


def parse_columns(spec: str | dict[str, str] | None) -> dict[str, str]:
    """Parse ``"question=anchor,answer=positive"`` into ``{"question": "anchor", "answer": "positive"}``.

    Roles must be one of :data:`ROLES` (``negative`` may be repeated as ``negative_2``...).
    """
    if not spec:
        return {}
    if isinstance(spec, dict):
        mapping = dict(spec)
    else:
        mapping = {}
        for item in spec.split(","):
            if "=" not in item:
                raise ParameterError("columns", f"expected file_column=role, got {item.strip()!r}")
            col, role = item.split("=", 1)
            mapping[col.strip()] = role.strip()
    for role in mapping.values():
        base = role.split("_")[0] if role.startswith("negative") else role
        if base not in ROLES:
            raise ParameterError("columns", f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    return mapping


# ---------------------------------------------------------------------------------------------------------------
# Reading raw tables


def sniff_format(path: str | Path, *, encoding: str | None = None) -> str:
    """Guess the data format of a file or folder: ``hf-disk``, ``nli`` (SNLI folder), ``ir`` (IR JSON or BEIR
    folder), ``sick``, ``stsb``, ``text`` (a ``.txt`` of lines) or ``table``.

    IR JSON is told by :func:`embedlab.data.ir.is_ir_json`, the one rule every reader uses.

    Example:
        >>> sniff_format("../shared/data/aims_qa/train_dataset.json")
        'ir'
    """
    from embedlab.data.ir import is_ir_json
    from embedlab.data.records import first_line, suffix_of
    from embedlab.data.scored_pairs import is_sick_line, is_stsb_line

    path = Path(path)
    if path.is_dir():
        if any((path / name).exists() for name in ("dataset_info.json", "state.json", "dataset_dict.json")):
            return "hf-disk"
        if any(path.glob("s1.*")) and any(path.glob("labels.*")):
            return "nli"
        if (path / "corpus.jsonl").exists():
            return "ir"
        raise InputError(
            "folder is neither a saved Hugging Face data set, an SNLI folder nor a BEIR folder", path=path
        )
    suffix = suffix_of(path)
    if suffix == ".json":
        return "ir" if is_ir_json(path, encoding=encoding) else "table"
    if suffix in (".txt", ".tsv", ".csv"):
        first = first_line(path, encoding=encoding)
        if is_sick_line(first):
            return "sick"
        if is_stsb_line(first):
            return "stsb"
        if suffix == ".txt" and "\t" not in first:
            return "text"
    return "table"


def load_rows(source: str | Path, *, encoding: str | None = None) -> tuple[list[dict[str, Any]], list[int], str]:
    """Rows of a table source and each row's line: a file (any :func:`embedlab.data.records.iter_records` format),
    a saved Hugging Face data set folder, or ``hf:NAME[:split]`` when online.

    Returns:
        ``(rows, line numbers, source name)``; line numbers are row numbers for data sets.

    Example:
        >>> rows, lines, _ = load_rows("pairs.csv")
        >>> lines[0]
        2
    """
    from embedlab.data.records import check_file, read_records

    source = str(source)
    if source.startswith("hf:"):
        rows = _hub_rows(source)
        return rows, list(range(1, len(rows) + 1)), source
    path = Path(source)
    if not path.exists():
        raise InputError("training data not found", path=path)
    if path.is_dir():
        from datasets import DatasetDict, load_from_disk

        try:
            ds = load_from_disk(str(path))
        except (FileNotFoundError, ValueError) as exc:
            raise InputError(f"not a saved Hugging Face data set ({str(exc).splitlines()[0]})", path=path) from None
        if isinstance(ds, DatasetDict):
            ds = ds["train"] if "train" in ds else next(iter(ds.values()))
        rows = ds.to_list()
        return rows, list(range(1, len(rows) + 1)), str(path)
    rows, lines = read_records(check_file(path, "training data"), encoding=encoding)
    return rows, lines, str(path)


def _hub_rows(source: str) -> list[dict[str, Any]]:
    import os

    if os.environ.get("HF_DATASETS_OFFLINE", "0") in ("1", "true") or os.environ.get("HF_HUB_OFFLINE") == "1":
        raise InputError("hub data sets need network access (HF_HUB_OFFLINE is set)", path=source)
    from datasets import load_dataset

    name, _, split = source[3:].partition(":")
    try:
        ds = load_dataset(name, split=split or "train")
    except Exception as exc:
        raise InputError(f"could not load hub data set ({str(exc).splitlines()[0]})", path=source) from exc
    return ds.to_list()


def _pick(columns: list[str], mapping: dict[str, str], role: str) -> str | None:
    for col, r in mapping.items():
        if r == role:
            return col
    lowered = {c.lower(): c for c in columns}
    for name in ROLE_SYNONYMS.get(role, (role,)):
        if name.lower() in lowered and lowered[name.lower()] not in mapping:
            return lowered[name.lower()]
    return None


def _table_to_data(
    rows: list[dict[str, Any]],
    lines: list[int],
    source: str,
    mapping: dict[str, str],
    fmt: str,
    nli_as_triplets: bool,
) -> TrainingData:
    from datasets import Dataset

    if not rows:
        raise InputError("no rows: the training data is empty", path=source)
    first_line = lines[0]
    columns = list(rows[0].keys())
    _check_mapping(columns, mapping, source, first_line)
    pick = {role: _pick(columns, mapping, role) for role in ROLE_SYNONYMS}
    negatives = [c for c, r in mapping.items() if r.startswith("negative")] or [
        c for c in columns if c.lower().startswith(("negative", "neg", "hard_negative")) and c not in mapping
    ]

    def col(c: str) -> list[str]:
        out = []
        for row, line in zip(rows, lines, strict=False):
            if c not in row:
                raise InputError(f"row has no column {c!r}", path=source, line=line)
            out.append(text_value(row[c], source, line, c))
        return out

    want = fmt if fmt not in ("auto", "table") else None
    if want in (None, "nli") and pick["premise"] and pick["hypothesis"] and pick["label"]:
        labels = [_nli_label(row.get(pick["label"]), source, line) for row, line in zip(rows, lines, strict=False)]
        data = {"premise": col(pick["premise"]), "hypothesis": col(pick["hypothesis"]), "label": labels}
        return _nli_data(data, source, lines, nli_as_triplets)
    if want in (None, "scored") and pick["score"] and (pick["sentence1"] or pick["anchor"]):
        s1 = pick["sentence1"] or pick["anchor"]
        s2 = pick["sentence2"] or pick["positive"]
        if not s2:
            raise InputError("scored pairs need two text columns (sentence1, sentence2)", path=source, line=first_line)
        scores = _unit_scores([row.get(pick["score"]) for row in rows], lines, source)
        ds = Dataset.from_dict({"sentence1": col(s1), "sentence2": col(s2), "score": scores})
        return TrainingData("scored", ds, source, row_numbers=lines)
    if want in (None, "pairs") and pick["anchor"] and pick["positive"]:
        data = {"anchor": col(pick["anchor"]), "positive": col(pick["positive"])}
        for i, c in enumerate(negatives, 1):
            data["negative" if i == 1 else f"negative_{i}"] = col(c)
        shape: Shape = "triplets" if negatives else "pairs"
        ds = Dataset.from_dict(data)
        # Rows of one passage share a group (doc_id, as pairs-from-corpus writes it) and never straddle splits.
        group_col = next((c for c in ("doc_id", "group", "passage_id") if c in columns), None)
        keys = [str(r.get(group_col)) for r in rows] if group_col else list(data["positive"])
        return TrainingData(shape, ds, source, group_keys=keys, row_numbers=lines)
    text_col = pick["text"] if pick["text"] else (columns[0] if len(columns) == 1 else None)
    if want in (None, "text") and text_col:
        ds = Dataset.from_dict({"text": col(text_col)})
        return TrainingData("text", ds, source, row_numbers=lines)
    raise InputError(
        f"cannot tell the data's shape from its columns ({', '.join(map(str, columns))}); map them to roles with "
        "--columns, e.g. --columns question=anchor,answer=positive",
        path=source,
        line=first_line,
    )


def _check_mapping(columns: list[str], mapping: dict[str, str], source: str, line: int) -> None:
    """Every column named in ``--columns`` exists."""
    for col in mapping:
        if col not in columns:
            raise InputError(
                f"column {col!r} given in --columns is missing (columns: {', '.join(map(str, columns))})",
                path=source,
                line=line,
            )


def _unit_scores(raws: list[Any], lines: list[int], source: str) -> list[float]:
    """Similarity scores as floats in 0..1, or an error naming the first bad one and its line."""
    scores = []
    for raw, line in zip(raws, lines, strict=False):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"score {raw!r} is not a number", path=source, line=line) from None
        if math.isnan(value) or not 0.0 <= value <= 1.0:
            raise InputError(
                f"score {raw!r} is outside 0..1 (scale scores to 0-1, or use the STSB/SICK formats)",
                path=source,
                line=line,
            )
        scores.append(value)
    return scores


def _nli_label(raw: Any, source: str, line: int) -> str:
    value = str(raw).strip().lower() if raw is not None else ""
    if value in ("0", "1", "2"):
        return NLI_LABELS[int(value)]
    if value not in NLI_LABELS:
        raise InputError(f"unknown label {raw!r} (expected {', '.join(NLI_LABELS)} or 0/1/2)", path=source, line=line)
    return value


def _nli_data(data: dict[str, list[str]], source: str, lines: list[int] | None, as_triplets: bool) -> TrainingData:
    """NLI rows as (premise, hypothesis, label) or, for MNRL, (anchor, positive=entailment, negative=contradiction)."""
    from datasets import ClassLabel, Dataset, Features, Value

    if not as_triplets:
        feats = Features(
            {"premise": Value("string"), "hypothesis": Value("string"), "label": ClassLabel(names=list(NLI_LABELS))}
        )
        ds = Dataset.from_dict(
            {
                "premise": data["premise"],
                "hypothesis": data["hypothesis"],
                "label": [NLI_LABELS.index(x) for x in data["label"]],
            },
            features=feats,
        )
        return TrainingData("nli", ds, source, row_numbers=lines)
    from embedlab.data.nli import NLIData

    # The one NLI -> triplets conversion (every entailment x contradiction pair of a premise).
    triplets = NLIData(data["premise"], data["hypothesis"], data["label"]).triplets()
    anchors = [t[0] for t in triplets]
    positives = [t[1] for t in triplets]
    negatives = [t[2] for t in triplets]
    if not anchors:
        raise InputError(
            "no premise has both an entailment and a contradiction hypothesis (--nli-as-triplets)", path=source
        )
    ds = Dataset.from_dict({"anchor": anchors, "positive": positives, "negative": negatives})
    n = len(data["premise"])
    note = f"NLI as triplets: {len(anchors)} (premise, entailment, contradiction) triplets from {n} pairs"
    return TrainingData("triplets", ds, source, group_keys=list(anchors), notes=[note])


def ir_to_pairs(ir: IRDataset, source: str) -> TrainingData:
    """(query, relevant passage) pairs of an IR data set (:meth:`IRDataset.pairs`, the one IR -> pairs
    conversion); rows are grouped by passage id for leak-free splits and the IR set is kept for IR evaluation.

    Example:
        >>> ir_to_pairs(load_ir("train_dataset.json"), "train_dataset.json").columns
        ['anchor', 'positive']
    """
    from datasets import Dataset

    rows = ir.pairs()
    anchors = [query for _, query, _, _ in rows]
    positives = [doc for _, _, _, doc in rows]
    keys = [did for _, _, did, _ in rows]
    if not anchors:
        raise InputError("no (query, relevant passage) pairs", path=source)
    ds = Dataset.from_dict({"anchor": anchors, "positive": positives})
    return TrainingData("pairs", ds, source, group_keys=keys, ir=ir)


def load_training_data(
    source: str | Path,
    *,
    fmt: str = "auto",
    columns: str | dict[str, str] | None = None,
    nli_as_triplets: bool = False,
    split: str | None = None,
    encoding: str | None = None,
) -> TrainingData:
    """Read training (or evaluation) data from any supported source into role columns.

    Args:
        source: a file, folder, or ``hf:NAME[:split]``.
        fmt: ``auto`` (guess), or force ``ir``, ``stsb``, ``sick``, ``nli``, ``pairs``, ``scored``, ``text``,
            ``table``.
        columns: ``{"file column": "role"}`` or ``"col=role,..."``.
        nli_as_triplets: turn NLI rows into (premise, entailment, contradiction) triplets.
        split: split name for SNLI/BEIR folders (``train``, ``dev``, ``test``).
        encoding: the text encoding of the files (default UTF-8; see :func:`embedlab.data.records.open_text`).

    Raises:
        InputError: unreadable file, missing column, empty cell, unknown label, score out of range, no rows, and the
            checks of :mod:`embedlab.data` (duplicate ids, query with no relevant passage...).

    Example:
        >>> load_training_data("pairs.jsonl", columns="question=anchor,answer=positive").shape  # doctest: +SKIP
        'pairs'
    """
    source = str(source)
    mapping = parse_columns(columns)
    path = Path(source)
    kind = fmt
    if fmt in ("auto", "table") and not source.startswith("hf:"):
        if not path.exists():
            raise InputError("training data not found", path=path)
        sniffed = sniff_format(path, encoding=encoding)
        kind = sniffed if fmt == "auto" or sniffed == "hf-disk" else fmt
    if kind == "ir":
        from embedlab.data import load_ir

        ir = load_ir(path, encoding=encoding, **({"split": split} if split else {}))
        return ir_to_pairs(ir, source)
    if kind in ("stsb", "sick") and not nli_as_triplets and fmt != "nli":
        from embedlab.data import load_scored_pairs

        sp = load_scored_pairs(path, encoding=encoding)
        if not sp.sentence1:
            raise InputError("no rows: the training data is empty", path=source)
        from datasets import Dataset

        ds = Dataset.from_dict({"sentence1": sp.sentence1, "sentence2": sp.sentence2, "score": sp.normalized()})
        note = f"scores scaled from {sp.low:g}-{sp.high:g} to 0-1"
        return TrainingData("scored", ds, source, notes=[note])
    if kind == "nli" or (kind == "sick" and (fmt == "nli" or nli_as_triplets)):
        from embedlab.data import load_nli

        nli = load_nli(path, encoding=encoding, **({"split": split} if split else {}))
        if not nli.premise:
            raise InputError("no rows: the training data is empty", path=source)
        data = {"premise": nli.premise, "hypothesis": nli.hypothesis, "label": nli.label}
        return _nli_data(data, source, None, nli_as_triplets)
    if kind == "text" and path.is_file() and path.suffix.lower() == ".txt":
        from datasets import Dataset

        from embedlab.data.records import iter_lines

        texts = [ln.strip() for _, ln in iter_lines(path, encoding=encoding) if ln.strip()]
        if not texts:
            raise InputError("no rows: the training data is empty", path=source)
        return TrainingData("text", Dataset.from_dict({"text": texts}), source)
    rows, lines, source = load_rows(source, encoding=encoding)
    return _table_to_data(rows, lines, source, mapping, kind if kind != "hf-disk" else "auto", nli_as_triplets)
