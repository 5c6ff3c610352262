"""``orinoco screen-text FILE``: the listed names mentioned in a text, marked where they stand."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from service.cli.common import add_list_args, fail, load_lists

if TYPE_CHECKING:  # the text room (and numpy) only when the command runs: `orinoco serve` starts faster
    from service.text import Mention


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "screen-text",
        help="find listed names in a text (an article, a message)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("file", help="a UTF-8 text file, or - for standard input")
    add_list_args(parser)
    parser.add_argument("--threshold", type=float, help="alert threshold in [0, 1] (default: the engine's)")
    parser.add_argument("--json", action="store_true", help="print the mentions as JSON instead")
    parser.set_defaults(func=cmd_screen_text)


def read_text(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {name}: {exc}")


def marked(text: str, mentions: list[Mention]) -> str:
    """The text with each mention as [[mention → LIST ID NAME SCORE]]."""
    out, pos = [], 0
    for m in mentions:
        best = m.matches[0]
        out.append(text[pos : m.start])
        out.append(f"[[{m.text} \u2192 {best.list} {best.entity_id} {best.name} {best.score:.2f}]]")
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def cmd_screen_text(args: argparse.Namespace) -> int:
    from service.serving import new_screener
    from service.text import screen_text

    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        fail(f"--threshold must be between 0 and 1, got {args.threshold}")
    text = read_text(args.file)
    screener = new_screener(load_lists(args))
    mentions = screen_text(screener, text, threshold=args.threshold)
    if args.json:
        json.dump(
            {"lists": [asdict(v) for v in screener.versions], "mentions": [asdict(m) for m in mentions]},
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
    else:
        sys.stdout.write(marked(text, mentions))
        if not text.endswith("\n"):
            print()
    return 0
