"""``orinoco resolve``: cluster the records of the same party across the loaded lists."""

from __future__ import annotations

import argparse
import csv
import sys
import time

from service.cli.common import add_list_args, fail, load_lists


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "resolve",
        help="link the records of one party across lists into clusters",
        description=__doc__.splitlines()[0],
    )
    add_list_args(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        help="CSV file to write: one row per cluster member, with the links and evidence",
    )
    parser.add_argument(
        "--no-identifiers",
        action="store_true",
        help="ignore document numbers: link on names, birth dates and countries only",
    )
    parser.set_defaults(func=cmd_resolve)


def cmd_resolve(args: argparse.Namespace) -> int:
    from service.engine.screener import Screener
    from service.paths import cache_dir
    from service.resolve import resolve
    from service.resolve.report import CSV_COLUMNS, cluster_rows, linked_counts

    lists = load_lists(args)
    if len(lists) < 2:
        fail("resolve needs at least two lists: name them with --list SOURCE=PATH")
    started = time.perf_counter()
    screener = Screener.from_lists(lists, cache_dir=cache_dir() / "index")
    resolution = resolve(lists, screener, use_identifiers=not args.no_identifiers)
    seconds = time.perf_counter() - started
    entities = {(e.list_id, e.id): e for lst in lists for e in lst.entities}
    try:
        with open(args.output, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(cluster_rows(resolution, entities))
    except OSError as exc:
        fail(f"cannot write {args.output}: {exc.strerror or exc}")
    records = sum(len(c.members) for c in resolution.clusters)
    print(
        f"{len(resolution.clusters)} clusters ({records} records) from {resolution.candidates} "
        f"candidate pairs in {seconds:.1f} s -> {args.output}",
        file=sys.stderr,
    )
    for (a, b), n in sorted(linked_counts(resolution).items()):
        print(f"  {a} records also on {b}: {n}", file=sys.stderr)
    return 0
