"""``orinoco monitor import``: load a customer file into the monitoring store (the server screens it).

Chunked and resumable: run the same command again after an interruption and it continues after
the last chunk committed. Needs the ``batch`` extra (its file reader) and the server's database
(ORINOCO_DATABASE_URL, else the SQLite file in the cache directory).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.cli.common import fail


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "monitor", help="the monitored customer book (import)", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="monitor_command", required=True)
    imp = sub.add_parser("import", help="import customers from a file (.csv, .parquet, .jsonl)")
    imp.add_argument("input", type=Path, help="customer file")
    imp.add_argument("--id-column", default="id", help="column holding the customer id (default: id)")
    imp.add_argument(
        "--name-column",
        dest="name_columns",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column holding a name (repeatable; default: name)",
    )
    imp.add_argument("--type-column", help="column holding Person/Organization/Vessel/Aircraft")
    imp.add_argument("--birth-date-column", help="column holding a birth date (YYYY[-MM[-DD]])")
    imp.add_argument("--country-column", help="column holding a country")
    imp.add_argument(
        "--identifier-column",
        dest="identifier_columns",
        action="append",
        default=[],
        metavar="TYPE=COLUMN",
        help="column holding an identifier of this type (repeatable)",
    )
    imp.add_argument("--chunk-size", type=int, default=5000, help="rows per transaction (default 5000)")
    imp.add_argument(
        "--rejects",
        type=Path,
        help="rows that are not valid customers, with the reason (default: INPUT.rejects.csv "
        "in the current directory)",
    )
    imp.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    if not args.input.is_file():
        fail(f"{args.input}: no such file")
    if args.chunk_size < 1:
        fail("--chunk-size must be at least 1")
    idents = []
    for value in args.identifier_columns:
        kind, sep, column = value.partition("=")
        if not sep or not kind or not column:
            fail(f"--identifier-column {value!r}: expected TYPE=COLUMN")
        idents.append((kind, column))
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from service.monitor import Monitor
        from service.monitor.importer import ImportColumns, import_file
    except ImportError as exc:  # pandas/pyarrow: the batch extra
        fail(f"orinoco monitor import needs the batch extra (pip install 'orinoco[batch]'): {exc}")
    cols = ImportColumns(
        args.id_column,
        tuple(args.name_columns or ["name"]),
        args.type_column,
        args.birth_date_column,
        args.country_column,
        tuple(idents),
    )
    rejects = args.rejects or Path(args.input.name + ".rejects.csv")
    try:
        monitor = Monitor.from_env()
        monitor.start()
        summary = import_file(
            monitor,
            args.input,
            cols,
            rejects,
            args.chunk_size,
            progress=lambda s: print(
                f"{s.rows + s.skipped} rows read, {s.imported} imported, {s.rejected} rejected",
                file=sys.stderr,
            ),
        )
    except ValueError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"monitoring store: {str(exc).splitlines()[0]}")
    print(
        f"{args.input}: {summary.imported} customers imported, {summary.rejected} rejected"
        f"{f' (see {rejects})' if summary.rejected else ''}, {summary.skipped} rows already imported "
        f"by an earlier run",
        file=sys.stderr,
    )
    for reason, count in sorted(summary.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  rejected: {reason}: {count}", file=sys.stderr)
    return 0
