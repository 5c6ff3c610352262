"""Options every list-using command shares: ``--list SOURCE=PATH`` and loading what it names."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from service.lists import SOURCES, ListError, load_source
from service.lists.cache import default_lists
from service.model import LoadedList


def fail(message: str) -> NoReturn:
    """A user error: one clear line on stderr and exit code 2, never a traceback."""
    print(f"orinoco: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def add_list_args(parser: argparse.ArgumentParser) -> None:
    sources = "; ".join(f"{s.name}: {s.help}" for s in SOURCES.values())
    parser.add_argument(
        "--list", dest="lists", action="append", default=[], metavar="SOURCE=PATH",
        help=f"load a list (repeatable). SOURCE is one of {sources}. Use SOURCE:ID=PATH to choose the "
             "list id. Without --list: the cached lists, else a download, else the reference files.")


def parse_list_arg(value: str) -> tuple[str, str | None, str]:
    """"custom:firm=lists/firm.csv" -> ("custom", "firm", "lists/firm.csv")."""
    spec, sep, path = value.partition("=")
    source, _, list_id = spec.strip().partition(":")
    if not sep or not source or not path.strip():
        fail(f"--list {value!r}: expected SOURCE=PATH, SOURCE one of {', '.join(SOURCES)}")
    if source not in SOURCES:
        fail(f"--list {value!r}: unknown source {source!r}; known sources: {', '.join(SOURCES)}")
    return source, list_id.strip() or None, path.strip()


def load_lists(args: argparse.Namespace, download: bool = True) -> list[LoadedList]:
    """The lists named by ``--list``, or ``default_lists()`` when none; exit 2 with a message on failure."""
    values = getattr(args, "lists", None) or []
    try:
        if not values:
            return default_lists(download=download)
        loaded = [load_source(source, path, list_id) for source, list_id, path in map(parse_list_arg, values)]
    except ListError as exc:
        fail(str(exc))
    ids = [x.version.id for x in loaded]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        fail(f"list id {', '.join(duplicates)} given twice: use SOURCE:ID=PATH to name each list")
    return loaded
