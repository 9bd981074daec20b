"""``embedlab data mine-negatives | pairs-from-corpus | split``: training-data tools over embedlab.data.

Every option is checked by the library (Python parameter names, shown here as flags) before any model is loaded or
any output is written; every output file or folder is written atomically, so a failed run leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from embedlab.cli.options import choices, option_values
from embedlab.data import mine_negatives, pairs_from_corpus
from embedlab.data import split as data_split

if TYPE_CHECKING:
    from datasets import Dataset

    from embedlab.data.training import TrainingData

data_app = typer.Typer(
    help="Training-data tools: mine negatives, make pairs from unlabeled text, split without leaks.",
    no_args_is_help=True,
)

ENCODING_HELP = "Text encoding of the input files (default UTF-8, with or without a byte-order mark)."


# Choices Typer validates and lists in the help; the values come from the library's Literal types, once.
NegativeKind = choices("NegativeKind", mine_negatives.NegativeKind)
Sampling = choices("Sampling", mine_negatives.Sampling)
TupleFormat = choices("TupleFormat", mine_negatives.OutputFormat)
PairMethod = choices("PairMethod", pairs_from_corpus.Method)
ChunkBy = choices("ChunkBy", pairs_from_corpus.ChunkBy)
SplitBy = choices("SplitBy", data_split.SplitBy)


@data_app.command("mine-negatives")
def mine_negatives_command(
    ctx: typer.Context,
    pairs: str = typer.Argument(..., help="(anchor, positive) pairs: JSONL/CSV/Parquet, or an IR JSON file."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file (.jsonl, .csv or .parquet)."),
    corpus: str | None = typer.Option(None, "--corpus", help="Candidate passages (text file/column) [the positives]."),
    model: str = typer.Option("all-MiniLM-L6-v2", "--model", "-m", help="Model that ranks the candidates."),
    backend: str = typer.Option(
        "auto", "--backend", help="What computes the vectors: auto, torch, onnx, onnx-int8, openvino, openvino-int8."
    ),
    kind: NegativeKind = typer.Option(NegativeKind.hard, "--kind", help="hard, semi-hard or easy (random)."),
    num_negatives: int = typer.Option(1, "--num-negatives", "-n", help="Negatives per query."),
    range_min: int = typer.Option(0, "--range-min", help="Skip the top N candidates (likely unlabeled positives)."),
    range_max: int | None = typer.Option(None, "--range-max", help="Consider candidates up to this rank."),
    absolute_margin: float | None = typer.Option(None, "--absolute-margin", help="Negative <= positive - margin."),
    relative_margin: float | None = typer.Option(None, "--relative-margin", help="Negative <= positive * (1 - m)."),
    max_score: float | None = typer.Option(None, "--max-score", help="Never take a candidate scoring above this."),
    cross_encoder: str | None = typer.Option(None, "--cross-encoder", help="Rescore candidates with this model."),
    semi_hard_window: float = typer.Option(
        0.1, "--semi-hard-window", help="Cosine band below the positive for semi-hard."
    ),
    sampling: Sampling = typer.Option(Sampling.top, "--sampling", help="top, or random among those that pass."),
    output_format: TupleFormat = typer.Option(TupleFormat.triplet, "--format", help="triplet or n-tuple."),
    columns: str | None = typer.Option(None, "--columns", help="Map file columns to roles: question=anchor,..."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    seed: int = typer.Option(42, "--seed"),
) -> None:
    """Add hard (or semi-hard, or easy) negatives to (query, positive) pairs, keeping false negatives out."""
    from embedlab.data.mine_negatives import mine_negatives, rows_without_negatives, write_rows
    from embedlab.data.training import load_training_data
    from embedlab.errors import InputError
    from embedlab.utils.console import console, err_console

    _check_output_file(output, inputs=[pairs, corpus])
    data = load_training_data(pairs, columns=columns, encoding=encoding)
    if data.shape not in ("pairs", "triplets"):
        raise InputError(f"needs (anchor, positive) pairs, found {data.shape} data", path=pairs)
    texts = None
    if corpus:
        from embedlab.data import load_texts

        texts = load_texts(corpus, encoding=encoding)
    elif data.ir is not None:
        texts = list(data.ir.corpus.values())
    err_console.print(f"mining {kind.value} negatives for {len(data)} pairs with {model}...")
    source = _pairs_with_ids(data, pairs, encoding)
    options = option_values(ctx.params, skip=("pairs", "output", "corpus", "columns", "encoding"))
    out = mine_negatives(source, corpus=texts, **options)
    write_rows(out, str(output))
    missing = rows_without_negatives(source, out)
    console.print(
        f"wrote {len(out)} rows ({', '.join(out.column_names)}) to {output}; "
        f"{missing} of {len(source)} pairs got no negative"
    )


ID_COLUMNS = ("doc_id", "passage_id", "query_id", "qid", "id", "group")


def _pairs_with_ids(data: TrainingData, pairs: str, encoding: str | None) -> Dataset:
    """The (anchor, positive) rows plus the ids they came with, so the mined output still joins to the corpus: the
    IR set's query and document ids, or a table's id columns (``doc_id``, ``passage_id``...)."""
    from embedlab.data.training import load_rows

    source = data.dataset.select_columns(["anchor", "positive"])
    if data.ir is not None:
        rows = data.ir.pairs()  # the order ir_to_pairs made the rows in
        return source.add_column("query_id", [r[0] for r in rows]).add_column("doc_id", [r[2] for r in rows])
    raw, _, _ = load_rows(pairs, encoding=encoding)
    if len(raw) != len(source):
        return source
    for col in ID_COLUMNS:
        if raw and col in raw[0] and col not in source.column_names:
            source = source.add_column(col, [None if r.get(col) is None else str(r.get(col)) for r in raw])
    return source


@data_app.command("pairs-from-corpus")
def pairs_from_corpus_command(
    ctx: typer.Context,
    corpus: Path = typer.Argument(..., help="Documents: Wikipedia .xml.bz2, .txt (blank-line separated), JSONL/CSV."),
    output: Path = typer.Option(..., "--output", "-o", help="Output pairs file (.jsonl, .csv, .parquet)."),
    method: PairMethod = typer.Option(PairMethod.ict, "--method", help="ict (inverse cloze) or crop (cropping)."),
    chunk_by: ChunkBy = typer.Option(ChunkBy.sentences, "--chunk-by", help="Cut passages by sentences or words."),
    size: int = typer.Option(6, "--chunk-size", "--size", help="Sentences (or words) per passage."),
    overlap: int = typer.Option(1, "--overlap", help="Sentences (or words) shared by consecutive passages."),
    queries_per_passage: int = typer.Option(1, "--queries-per-passage", help="ICT pseudo-queries per passage."),
    keep_sentence: float = typer.Option(0.1, "--keep-sentence", help="ICT: chance (0-1) the query stays in."),
    max_docs: int | None = typer.Option(None, "--max-docs", help="Read at most N documents."),
    text_column: str = typer.Option("text", "--text-column", help="Text column of JSONL/CSV documents."),
    id_column: str = typer.Option("id", "--id-column", help="Id column of JSONL/CSV documents (kept in doc_id)."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Make (anchor, positive, doc_id, passage_id) training pairs from unlabeled documents: no labels, no LLM."""

    from embedlab.data.pairs_from_corpus import pairs_from_corpus
    from embedlab.data.records import write_records
    from embedlab.utils.console import console

    _check_output_file(output, inputs=[corpus])
    pairs = pairs_from_corpus(corpus, **option_values(ctx.params, skip=("corpus", "output")))
    write_records(pairs, output)
    n_passages = len({p["passage_id"] for p in pairs})
    n_docs = len({p["doc_id"] for p in pairs})
    console.print(
        f"wrote {len(pairs)} {method.value} pairs from {n_passages} passages of {n_docs} documents to {output}"
    )


@data_app.command("split")
def split_command(
    data: Path = typer.Argument(..., help="IR JSON or BEIR folder, or a pairs/rows file (JSONL, CSV, Parquet)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output folder: one file (and BEIR folder) per split."),
    fractions: str = typer.Option("0.8,0.1,0.1", "--fractions", help="train,dev,test shares or name=share,..."),
    by: SplitBy = typer.Option(SplitBy.doc, "--by", help="doc (no passage in two splits) or query."),
    group_column: str | None = typer.Option(None, "--group-column", help="Rows file: column that groups rows."),
    split: str = typer.Option("test", "--split", help="The qrels split to read from a BEIR folder."),
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    seed: int = typer.Option(42, "--seed", help="Split seed (train's held-out split uses the same convention)."),
) -> None:
    """Split data deterministically into train/dev/test by document or query id, so no passage leaks.

    IR data gives, per split, IR JSON (``<split>.json``) and a BEIR folder (``<split>/corpus.jsonl``,
    ``queries.jsonl``, ``qrels/<split>.tsv``); rows give ``<split>.jsonl`` (or the input's .csv/.parquet).
    """
    from embedlab.data.split import parse_fractions
    from embedlab.data.training import sniff_format
    from embedlab.errors import InputError
    from embedlab.utils.atomic import check_output_dir

    fracs = parse_fractions(fractions)
    if not data.exists():
        raise InputError("data not found", path=data)
    check_output_dir(output, "data-split", inputs=[data])
    if sniff_format(data, encoding=encoding) == "ir":
        _split_ir(data, output, fracs, by.value, seed, split, encoding)
    else:
        _split_rows(data, output, fracs, by.value, group_column, seed, encoding)


def _split_ir(
    data: Path, output: Path, fracs: dict[str, float], by: str, seed: int, split: str, encoding: str | None
) -> None:
    from embedlab.data import load_ir
    from embedlab.data.split import split_ir, write_beir, write_ir_json
    from embedlab.utils.atomic import atomic_dir
    from embedlab.utils.console import console

    parts = split_ir(load_ir(data, split=split, encoding=encoding), fracs, by=by, seed=seed, source=str(data))  # type: ignore[arg-type]
    with atomic_dir(output, kind="data-split", inputs=[data]) as tmp:
        for name, part in parts.items():
            write_ir_json(part, tmp / f"{name}.json")
            write_beir(part, tmp / name, name)
    for name, part in parts.items():
        console.print(
            f"{name}: {len(part.queries)} queries, {len(part.corpus)} passages -> "
            f"{output / name}.json and BEIR folder {output / name}/"
        )


def _split_rows(
    data: Path,
    output: Path,
    fracs: dict[str, float],
    by: str,
    group_column: str | None,
    seed: int,
    encoding: str | None,
) -> None:

    from embedlab.data.records import suffix_of, write_records
    from embedlab.data.split import split_rows
    from embedlab.data.training import load_rows
    from embedlab.errors import InputError, OptionError
    from embedlab.utils.atomic import atomic_dir
    from embedlab.utils.console import console

    rows, _, source = load_rows(data, encoding=encoding)
    if not rows:
        raise InputError("no rows", path=data)
    default = "doc_id" if by == "doc" else "anchor"
    col = group_column or next(
        (c for c in (default, "doc_id", "positive", "passage", "document", "query", "anchor") if c in rows[0]), None
    )
    if col is None or col not in rows[0]:
        raise OptionError("--group-column", f"{data}: no column to group rows by (columns: {', '.join(rows[0])})")
    idx = split_rows([str(r.get(col)) for r in rows], fracs, seed=seed, source=source)
    suffix = suffix_of(data) if suffix_of(data) in (".jsonl", ".csv", ".parquet") else ".jsonl"
    with atomic_dir(output, kind="data-split", inputs=[data]) as tmp:
        for name, ids in idx.items():
            write_records([rows[i] for i in ids], tmp / f"{name}{suffix}")
    for name, ids in idx.items():
        console.print(f"{name}: {len(ids)} rows (grouped by {col}) -> {output / name}{suffix}")


def _check_output_file(output: Path, *, inputs: list[str | Path | None]) -> None:
    """Refuse, before any work, an output file that is a folder or one of the inputs (it would be overwritten)."""
    from embedlab.errors import OptionError

    if output.is_dir():
        raise OptionError("--output", f"{output} is a folder; give a file name (.jsonl, .csv or .parquet)")
    for item in inputs:
        if item is not None and Path(item).exists() and Path(item).resolve() == output.resolve():
            raise OptionError("--output", f"{output} is also an input; choose another output file")


def register(app: typer.Typer) -> None:
    """Add the ``embedlab data`` sub-app."""
    app.add_typer(data_app, name="data")
