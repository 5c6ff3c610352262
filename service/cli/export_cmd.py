"""``orinoco export --format ftm``: the loaded lists and their cross-list clusters as FollowTheMoney
entities (JSON lines), for OpenSanctions/yente and other FtM tools."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from service.cli.common import add_list_args, fail, load_lists
from service.lists import ListError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the loaded lists (and clusters) as FtM entities",
        description=__doc__.splitlines()[0],
    )
    add_list_args(parser)
    parser.add_argument("--format", choices=["ftm"], default="ftm", help="output format (FtM JSON lines)")
    parser.add_argument("-o", "--output", required=True, help="file to write, one entity per line")
    parser.add_argument(
        "--no-clusters",
        action="store_true",
        help="skip linking the records across lists (no UnknownLink entities)",
    )
    parser.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from service.engine.screener import Screener
    from service.lists.ftm import export_entities, followthemoney
    from service.paths import cache_dir
    from service.resolve import resolve

    try:
        followthemoney()
    except ListError as exc:
        fail(str(exc))
    lists = load_lists(args)
    clusters: list = []
    if not args.no_clusters and len(lists) > 1:
        resolution = resolve(lists, Screener.from_lists(lists, cache_dir=cache_dir() / "index"))
        clusters = [(c.id, [(x.a, x.b, x.evidence) for x in c.links]) for c in resolution.clusters]
    output = Path(args.output)
    count = 0
    try:  # written beside the target and renamed: a failed export leaves no half file
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=output.parent or ".", prefix=f".{output.name}.", delete=False
        ) as out:
            for entity in export_entities(lists, clusters):
                out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        os.replace(out.name, output)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    print(
        f"{count} FtM entities ({sum(len(x.entities) for x in lists)} listed parties, "
        f"{sum(len(links) for _, links in clusters)} cluster links) -> {output}",
        file=sys.stderr,
    )
    return 0
