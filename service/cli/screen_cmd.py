"""``orinoco screen``: screen a whole customer file (CSV, Parquet, JSON Lines) and write the alerts.

The batch packages (pyarrow, tqdm, dask) are the optional ``batch`` extra, imported only when the
command runs: the server image has no need of them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from service.cli.common import add_list_args, fail, load_lists

if TYPE_CHECKING:
    from service.batch.job import JobOptions, Summary


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "screen",
        help="screen a customer file in batch (locally or on Dask)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("input", type=Path, help="customer file (.csv, .parquet, .jsonl)")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="alerts file, one row per alert (.csv or .parquet)"
    )
    parser.add_argument(
        "--name-column",
        dest="name_columns",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column holding a name to screen (repeatable; default: name)",
    )
    parser.add_argument("--id-column", help="column holding the customer id (default: the row number)")
    parser.add_argument("--schema-column", help="column holding Person/Organization/Vessel/Aircraft")
    parser.add_argument("--birth-date-column", help="column holding a birth date (evidence)")
    parser.add_argument("--country-column", help="column holding a country (evidence)")
    parser.add_argument(
        "--identifier-column",
        help="column holding identifiers, TYPE:NUMBER[:COUNTRY] separated by ';' "
        "(passport, national_id, tax_id, imo, bic): an exact match alerts",
    )
    add_list_args(parser)
    parser.add_argument("--threshold", type=float, help="alert threshold in [0, 1] (default: the engine's)")
    parser.add_argument(
        "--limit", type=int, default=10, help="at most this many alerts per name (default 10)"
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=5_000,
        help="rows per chunk, the unit of work and of --resume (default 5000)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted run after its last finished chunk"
    )
    parser.add_argument(
        "--rejects",
        type=Path,
        help="rows that cannot be screened, with the reason (default: OUTPUT with the suffix .rejects.csv)",
    )
    parser.add_argument("--summary-json", type=Path, help="also write the summary to this JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: this process; dask: a Dask cluster (default local)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address; without it --engine dask starts a LocalCluster",
    )
    parser.add_argument(
        "--workers", type=int, help="LocalCluster worker processes (default: one per CPU core)"
    )
    parser.set_defaults(func=cmd_screen)


def _options(args: argparse.Namespace) -> JobOptions:
    from service.batch.io import INPUT_FORMATS, OUTPUT_FORMATS, file_format
    from service.batch.job import JobOptions
    from service.batch.prepare import Columns

    if not args.input.is_file():
        fail(f"{args.input}: no such file")
    try:
        file_format(args.input, INPUT_FORMATS)
        file_format(args.output, OUTPUT_FORMATS)
    except ValueError as exc:
        fail(str(exc))
    if not args.output.resolve().parent.is_dir():
        fail(f"{args.output}: its folder does not exist")
    rejects = args.rejects or args.output.with_suffix(".rejects.csv")
    for label, path in (("the output", args.output), ("--rejects", rejects)):
        if _same_file(path, args.input):
            fail(f"{label} {path} would overwrite the input {args.input}")
        if not path.resolve().parent.is_dir() or not os.access(path.resolve().parent, os.W_OK):
            fail(f"{path}: its folder {path.resolve().parent} does not exist or is not writable")
    if _same_file(args.output, rejects):
        fail(f"the output and --rejects are the same file {rejects}")
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        fail(f"--threshold {args.threshold}: expected a number in [0, 1]")
    if args.limit < 1 or args.chunk_size < 1 or (args.workers is not None and args.workers < 1):
        fail("--limit, --chunk-size and --workers must be at least 1")
    if args.engine != "dask" and (args.scheduler or args.workers):
        fail("--scheduler and --workers need --engine dask")
    columns = Columns(
        tuple(args.name_columns or ["name"]),
        args.id_column,
        args.schema_column,
        args.birth_date_column,
        args.country_column,
        args.identifier_column,
    )
    return JobOptions(args.input, args.output, rejects, columns, args.chunk_size, args.limit, args.threshold)


def _same_file(a: Path, b: Path) -> bool:
    """The same path, or the same file under another name (a hard link, a symlink)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return False


def cmd_screen(args: argparse.Namespace) -> int:
    try:
        from tqdm import tqdm

        from service.batch.io import count_rows
        from service.batch.job import JobError
    except ImportError as exc:
        fail(f"orinoco screen needs the batch extra ({exc.name} is missing): pip install 'orinoco[batch]'")
    from service.serving import new_screener

    options = _options(args)

    screener = new_screener(load_lists(args))
    show = not args.quiet and sys.stderr.isatty()
    bar = tqdm(
        total=count_rows(options.input) if show else None,
        unit=" rows",
        unit_scale=True,
        disable=not show,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    try:
        summary = _run(args, options, screener, bar.update)
    except (JobError, ValueError) as exc:  # a refused resume, an unreadable input, a missing column
        fail(str(exc))
    except OSError as exc:  # a full disk, a folder made read-only meanwhile: no traceback, no output lost
        fail(f"{exc.filename or options.output}: {exc.strerror or exc}; an earlier output is unchanged")
    except KeyboardInterrupt:
        print(
            f"\norinoco screen: interrupted; finished chunks are kept beside {options.output}: "
            "run the same command with --resume to continue",
            file=sys.stderr,
        )
        return 130
    finally:
        bar.close()
    print(f"orinoco screen: {summary.line()}", file=sys.stderr)
    if args.summary_json:
        args.summary_json.write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


def _run(args: argparse.Namespace, options: JobOptions, screener, progress) -> Summary:
    from service.batch.job import run_job

    threshold = screener.effective_threshold(options.threshold)
    if args.engine == "local":
        from service.batch.screening import LocalEngine

        return run_job(
            options, screener.versions, LocalEngine(screener, options.limit, threshold), args.resume, progress
        )
    from service.batch.dask_engine import DaskEngine, dask_client

    if not args.verbose:
        logging.getLogger("distributed").setLevel(logging.WARNING)
    with dask_client(args.scheduler, args.workers) as client:
        engine = DaskEngine(client, screener, options.limit, threshold)
        try:
            return run_job(options, screener.versions, engine, args.resume, progress)
        finally:
            engine.close()
