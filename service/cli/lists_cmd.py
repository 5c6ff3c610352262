"""``orinoco lists update|import|show``: keep the local list cache current and say what is loaded."""

from __future__ import annotations

import argparse
import json
import sys

from service.cli.common import add_list_args, fail, load_lists
from service.engine.model import LoadedList
from service.lists import SOURCES, ListError, sniff_source
from service.lists.cache import DEFAULT_TIMEOUT, Installed, import_files, update_list
from service.lists.registry import find_spec, load_registry


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lists", help="download, import and show the sanctions lists")
    sub = parser.add_subparsers(dest="lists_command", required=True)

    update = sub.add_parser("update", help="download the official lists into the local cache")
    update.add_argument("ids", nargs="*", metavar="LIST_ID", help="lists to update (default: all registered)")
    update.add_argument(
        "--sources",
        metavar="FILE",
        help="list registry (default: $ORINOCO_SOURCES or the registry shipped in the package)",
    )
    update.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per request")
    update.add_argument("--json", action="store_true", help="machine-readable output")
    update.set_defaults(func=cmd_update)

    imp = sub.add_parser("import", help="install local list files into the cache (offline sites)")
    imp.add_argument(
        "source", metavar="SOURCE", help=f"parser: {', '.join(SOURCES)} (or a registered list id)"
    )
    imp.add_argument("path", metavar="PATH", help="the file, or the folder for a multi-file list (OFAC CSV)")
    imp.add_argument("--id", dest="list_id", help="list id (default: the registry's, else the source's)")
    imp.add_argument("--json", action="store_true", help="machine-readable output")
    imp.set_defaults(func=cmd_import)

    show = sub.add_parser("show", help="print each list's version: date, sha256, entity and name counts")
    add_list_args(show)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=cmd_show)


def _summary(loaded: LoadedList) -> dict:
    return {
        **loaded.version.to_dict(),
        "warnings": loaded.warnings,
        "problems": [{"file": p.file, "line": p.line, "reason": p.reason} for p in loaded.problems[:100]],
    }


def _line(loaded: LoadedList) -> str:
    v = loaded.version
    return (
        f"{v.id:<12} source={v.source:<9} published={v.published or '-':<10} entities={v.entities:<6} "
        f"names={v.names:<6} skipped_rows={v.skipped_rows} sha256={v.sha256}"
    )


def cmd_update(args: argparse.Namespace) -> int:
    try:
        specs = load_registry(args.sources)
    except ListError as exc:
        fail(str(exc))
    unknown = [i for i in args.ids if i not in {s.id for s in specs}]
    if unknown:
        fail(f"unknown list id {', '.join(unknown)}; registered: {', '.join(s.id for s in specs)}")
    results, failed = [], False
    for spec in specs:
        if (args.ids and spec.id not in args.ids) or (spec.archived and spec.id not in args.ids):
            continue  # an archived list (no longer published) only when named
        try:
            results.append(_result(spec.id, update_list(spec, timeout=args.timeout)))
        except ListError as exc:
            failed = True
            results.append({"id": spec.id, "status": "failed", "error": str(exc)})
    _report(results, args.json)
    return 1 if failed else 0


def cmd_import(args: argparse.Namespace) -> int:
    try:
        spec = find_spec(load_registry(), args.source)
        parser = spec.parser if spec else args.source
        if parser not in SOURCES:
            fail(f"unknown source {args.source!r}; known sources: {', '.join(SOURCES)}")
        if sniff_source(parser, args.path) != parser:  # an OFSI workbook given as "uk": the uk_ofsi list
            parser = sniff_source(parser, args.path)
            spec = find_spec(load_registry(), parser)
        list_id = args.list_id or (spec.id if spec else SOURCES[parser].default_list_id)
        result = _result(list_id, import_files(parser, args.path, list_id))
    except ListError as exc:
        if args.json:
            _report([{"id": args.list_id or args.source, "status": "failed", "error": str(exc)}], True)
        else:
            print(f"orinoco: error: {exc}", file=sys.stderr)
        return 1
    _report([result], args.json)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    lists = load_lists(args, download=False)
    if args.json:
        print(json.dumps([_summary(x) for x in lists], indent=2))
    else:
        for loaded in lists:
            print(_line(loaded))
    return 0


def _result(list_id: str, installed: Installed) -> dict:
    return {
        "id": list_id,
        "status": "updated" if installed.changed else "unchanged",
        "path": str(installed.path),
        "version": installed.loaded.version.to_dict(),
        "skipped_rows": len(installed.loaded.problems),
        "warnings": installed.loaded.warnings,
    }


def _report(results: list[dict], as_json: bool) -> None:
    if as_json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        if r["status"] == "failed":
            print(f"{r['id']}: FAILED, previous version kept: {r['error']}", file=sys.stderr)
        else:
            v = r["version"]
            print(
                f"{r['id']}: {r['status']} (published {v['published'] or '-'}, {v['entities']} entities, "
                f"{v['names']} names, sha256 {v['sha256'][:16]}) in {r['path']}"
            )
