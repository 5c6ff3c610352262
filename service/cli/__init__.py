"""The ``orinoco`` command: a thin layer that parses arguments and calls the library.

Each sub-command lives in its own module and registers itself with ``add_parser``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from service import logs
from service.cli import export_cmd, lists_cmd, monitor_cmd, resolve_cmd, screen_cmd, serve_cmd, text_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orinoco", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (lists_cmd, serve_cmd, screen_cmd, text_cmd, resolve_cmd, export_cmd, monitor_cmd):
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:  # JSON lines for the server (its log goes to a collector), text for a person at a terminal
        fmt = logs.log_format("json" if args.command == "serve" else "text")
    except ValueError as exc:
        print(f"orinoco: error: {exc}", file=sys.stderr)
        return 2
    logs.configure(logging.DEBUG if args.verbose else logging.INFO, fmt)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
