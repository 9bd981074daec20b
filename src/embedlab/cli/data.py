"""``embedlab data mine-negatives | pairs-from-corpus | split``: training-data tools over embedlab.data."""

from __future__ import annotations

from pathlib import Path

import typer

data_app = typer.Typer(
    help="Training-data tools: mine negatives, make pairs from unlabeled text, split without leaks.",
    no_args_is_help=True,
)


@data_app.command("mine-negatives")
def mine_negatives_command(
    pairs: str = typer.Argument(..., help="(anchor, positive) pairs: JSONL/CSV/Parquet, or an IR JSON file."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file (.jsonl, .csv or .parquet)."),
    corpus: str | None = typer.Option(None, "--corpus", help="Candidate passages (text file/column) [the positives]."),
    model: str = typer.Option("all-MiniLM-L6-v2", "--model", "-m", help="Model that ranks the candidates."),
    kind: str = typer.Option("hard", "--kind", help="hard | semi-hard | easy (random)."),
    num_negatives: int = typer.Option(1, "--num-negatives", "-n", help="Negatives per query."),
    range_min: int = typer.Option(0, "--range-min", help="Skip the top N candidates (likely unlabeled positives)."),
    range_max: int | None = typer.Option(None, "--range-max", help="Consider candidates up to this rank."),
    absolute_margin: float | None = typer.Option(None, "--absolute-margin", help="Negative <= positive - margin."),
    relative_margin: float | None = typer.Option(None, "--relative-margin", help="Negative <= positive * (1 - m)."),
    max_score: float | None = typer.Option(None, "--max-score", help="Never take a candidate scoring above this."),
    cross_encoder: str | None = typer.Option(None, "--cross-encoder", help="Rescore candidates with this model."),
    window: float = typer.Option(0.1, "--semi-hard-window", help="Cosine band below the positive for semi-hard."),
    sampling: str = typer.Option("top", "--sampling", help="top | random among candidates that pass."),
    fmt: str = typer.Option("triplet", "--format", help="triplet | n-tuple."),
    columns: str | None = typer.Option(None, "--columns", help="Map file columns to roles: question=anchor,..."),
    seed: int = typer.Option(42, "--seed"),
) -> None:
    """Add hard (or semi-hard, or easy) negatives to (query, positive) pairs, keeping false negatives out."""
    from embedlab.data.mine_negatives import mine_negatives, write_rows
    from embedlab.data.training import load_training_data
    from embedlab.errors import OptionError
    from embedlab.utils.console import console, err_console

    if kind not in ("hard", "semi-hard", "easy"):
        raise OptionError("--kind", f"{kind!r} is not one of hard, semi-hard, easy")
    if fmt not in ("triplet", "n-tuple"):
        raise OptionError("--format", f"{fmt!r} is not one of triplet, n-tuple")
    if sampling not in ("top", "random"):
        raise OptionError("--sampling", f"{sampling!r} is not one of top, random")
    data = load_training_data(pairs, columns=columns)
    if data.shape not in ("pairs", "triplets"):
        raise OptionError("PAIRS", f"{pairs}: needs (anchor, positive) pairs, found {data.shape} data")
    texts = None
    if corpus:
        from embedlab.data import load_texts

        texts = load_texts(corpus)
    elif data.ir is not None:
        texts = list(data.ir.corpus.values())
    err_console.print(f"mining {kind} negatives for {len(data)} pairs with {model}...")
    out = mine_negatives(
        data.dataset.select_columns(["anchor", "positive"]),
        corpus=texts,
        model=model,
        kind=kind,  # type: ignore[arg-type]
        num_negatives=num_negatives,
        range_min=range_min,
        range_max=range_max,
        absolute_margin=absolute_margin,
        relative_margin=relative_margin,
        max_score=max_score,
        cross_encoder=cross_encoder,
        semi_hard_window=window,
        sampling=sampling,  # type: ignore[arg-type]
        output_format=fmt,  # type: ignore[arg-type]
        seed=seed,
    )
    write_rows(out, str(output))
    dropped = len(data) - len({a for a in out["anchor"]}) if len(out) else len(data)
    console.print(
        f"wrote {len(out)} rows ({', '.join(out.column_names)}) to {output}; {max(0, dropped)} queries got none"
    )


@data_app.command("pairs-from-corpus")
def pairs_from_corpus_command(
    corpus: Path = typer.Argument(..., help="Documents: Wikipedia .xml.bz2, .txt (blank-line separated), JSONL/CSV."),
    output: Path = typer.Option(..., "--output", "-o", help="Output pairs file (.jsonl, .csv, .parquet)."),
    method: str = typer.Option("ict", "--method", help="ict (inverse cloze task) | crop (independent cropping)."),
    chunk_by: str = typer.Option("sentences", "--chunk-by", help="sentences | words."),
    size: int = typer.Option(6, "--size", help="Sentences (or words) per passage."),
    overlap: int = typer.Option(1, "--overlap", help="Sentences (or words) shared by consecutive passages."),
    queries_per_passage: int = typer.Option(1, "--queries-per-passage", help="ICT pseudo-queries per passage."),
    keep_sentence: float = typer.Option(0.1, "--keep-sentence", help="ICT: chance the query stays in its passage."),
    max_docs: int | None = typer.Option(None, "--max-docs", help="Read at most N documents."),
    text_column: str = typer.Option("text", "--text-column", help="Text column of JSONL/CSV documents."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Make (anchor, positive, doc_id) training pairs from unlabeled documents: no labels, no LLM."""
    from datasets import Dataset
    from embedlab.data.mine_negatives import write_rows
    from embedlab.data.pairs_from_corpus import pairs_from_corpus
    from embedlab.errors import OptionError
    from embedlab.utils.console import console

    if method not in ("ict", "crop"):
        raise OptionError("--method", f"{method!r} is not one of ict, crop")
    if chunk_by not in ("sentences", "words"):
        raise OptionError("--chunk-by", f"{chunk_by!r} is not one of sentences, words")
    pairs = pairs_from_corpus(
        corpus,
        method=method,  # type: ignore[arg-type]
        chunk_by=chunk_by,  # type: ignore[arg-type]
        size=size,
        overlap=overlap,
        queries_per_passage=queries_per_passage,
        keep_sentence=keep_sentence,
        max_docs=max_docs,
        seed=seed,
        text_column=text_column,
    )
    write_rows(Dataset.from_list(pairs), str(output))
    n_passages = len({p["doc_id"] for p in pairs})
    console.print(f"wrote {len(pairs)} {method} pairs from {n_passages} passages to {output}")


@data_app.command("split")
def split_command(
    data: Path = typer.Argument(..., help="IR JSON, or a pairs/rows file (JSONL, CSV, Parquet)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output folder: one file per split."),
    fractions: str = typer.Option("0.8,0.1,0.1", "--fractions", help="train,dev,test shares or name=share,..."),
    by: str = typer.Option("doc", "--by", help="doc (no passage in two splits) | query."),
    group_column: str | None = typer.Option(None, "--group-column", help="Rows file: column that groups rows."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Split data deterministically into train/dev/test by document or query id, so no passage leaks."""
    from embedlab.data.split import parse_fractions, split_ir, split_rows, write_ir_json
    from embedlab.data.training import _load_rows, _sniff_format
    from embedlab.errors import OptionError
    from embedlab.utils.console import console

    if by not in ("doc", "query"):
        raise OptionError("--by", f"{by!r} is not one of doc, query")
    fracs = parse_fractions(fractions)
    if data.exists() and _sniff_format(data) == "ir":
        from embedlab.data import load_ir

        parts = split_ir(load_ir(data), fracs, by=by, seed=seed, source=str(data))  # type: ignore[arg-type]
        output.mkdir(parents=True, exist_ok=True)
        for name, part in parts.items():
            write_ir_json(part, output / f"{name}.json")
            console.print(f"{name}: {len(part.queries)} queries, {len(part.corpus)} passages -> {output / name}.json")
        return
    from datasets import Dataset
    from embedlab.data.mine_negatives import write_rows

    rows, _, source = _load_rows(str(data))
    if not rows:
        from embedlab.errors import InputError

        raise InputError("no rows", path=data)
    default = "doc_id" if by == "doc" else "anchor"
    col = group_column or next(
        (c for c in (default, "doc_id", "positive", "passage", "document", "query", "anchor") if c in rows[0]), None
    )
    if col is None or col not in rows[0]:
        raise OptionError("--group-column", f"{data}: no column to group rows by (columns: {', '.join(rows[0])})")
    idx = split_rows([str(r.get(col)) for r in rows], fracs, seed=seed, source=source)
    output.mkdir(parents=True, exist_ok=True)
    suffix = data.suffix if data.suffix in (".jsonl", ".csv", ".parquet") else ".jsonl"
    for name, ids in idx.items():
        write_rows(Dataset.from_list([rows[i] for i in ids]), str(output / f"{name}{suffix}"))
        console.print(f"{name}: {len(ids)} rows (grouped by {col}) -> {output / name}{suffix}")


def register(app: typer.Typer) -> None:
    """Add the ``embedlab data`` sub-app."""
    app.add_typer(data_app, name="data")
