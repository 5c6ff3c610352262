"""Options every list-using command shares: ``--list SOURCE=PATH`` and loading what it names."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from service.engine.model import LoadedList
from service.lists import SOURCES, ListError
from service.lists.specs import load_specs, parse_list_spec


def fail(message: str) -> NoReturn:
    """A user error: one clear line on stderr and exit code 2, never a traceback."""
    print(f"orinoco: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def add_list_args(parser: argparse.ArgumentParser) -> None:
    sources = "; ".join(f"{s.name}: {s.help}" for s in SOURCES.values())
    parser.add_argument(
        "--list",
        dest="lists",
        action="append",
        default=[],
        metavar="SOURCE=PATH",
        help=f"load a list (repeatable). SOURCE is one of {sources}. Use SOURCE:ID=PATH to choose the "
        "list id. Without --list: the cached lists, else a download, else the reference files.",
    )


def check_list_args(values: list[str], paths: bool = False) -> None:
    """Exit 2 with a message when a ``--list`` value is malformed or names an unknown source
    (with ``paths``, also when its file or folder does not exist)."""
    try:
        for value in values:
            spec = parse_list_spec(value)
            if paths and not Path(spec.path).expanduser().exists():
                raise ListError(f"{spec.path}: no such file or folder (--list {value})")
    except ListError as exc:
        fail(str(exc))


def load_lists(args: argparse.Namespace, download: bool = True) -> list[LoadedList]:
    """The lists named by ``--list``, or ``default_lists()`` when none; exit 2 with a message on failure."""
    try:
        return load_specs([parse_list_spec(v) for v in getattr(args, "lists", None) or []], download)
    except ListError as exc:
        fail(str(exc))
