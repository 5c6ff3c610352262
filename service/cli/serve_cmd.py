"""``orinoco serve``: the screening API under gunicorn (or Flask's dev server with ``--dev``).

Every flag has an ORINOCO_* environment variable; a flag wins over its variable.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar, overload

from werkzeug.serving import WSGIRequestHandler

from service import settings
from service.cli.common import add_list_args, check_list_args, fail

if TYPE_CHECKING:
    from service.api import ApiConfig, ScreenerProvider

DEFAULT_HOST, DEFAULT_PORT = settings.DEFAULT_HOST, settings.DEFAULT_PORT
T = TypeVar("T")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the screening HTTP API (gunicorn)", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", help=f"address to listen on (ORINOCO_HOST, default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, help=f"port (ORINOCO_PORT, default {DEFAULT_PORT})")
    parser.add_argument(
        "--workers", type=int, help="worker processes (ORINOCO_WORKERS, default: the CPU count)"
    )
    parser.add_argument(
        "--threshold", help="default match threshold in [0, 1] (ORINOCO_THRESHOLD, default: the engine's)"
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="Flask's development server: one process, lists loaded in the background",
    )
    parser.add_argument(
        "--refresh",
        help="check the lists for new versions this often, e.g. 6h, 30m "
        "(ORINOCO_REFRESH; default: never, SIGHUP reloads)",
    )
    parser.add_argument(
        "--max-list-age",
        help="a list not confirmed current for longer is reported stale "
        "in /readyz and metrics (ORINOCO_MAX_LIST_AGE, default 48h)",
    )
    add_list_args(parser)
    parser.epilog = "Lists also from ORINOCO_LISTS, e.g. 'ofac=DIR,un=FILE'; API keys from ORINOCO_API_KEYS."
    parser.set_defaults(func=cmd_serve)


@overload
def _duration(flag: str | None, name: str, env: str, value: str | None, default: float) -> float: ...
@overload
def _duration(flag: str | None, name: str, env: str, value: str | None, default: None) -> float | None: ...
def _duration(
    flag: str | None, name: str, env: str, value: str | None, default: float | None
) -> float | None:
    """The flag's duration, else the setting's (``value``, from ``env``), else ``default``."""
    from service.lists.refresh import parse_duration

    raw = flag if flag is not None else value
    if raw is None:
        return default
    try:
        return parse_duration(raw)
    except ValueError as exc:
        fail(f"{name if flag is not None else env}: {exc}")


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        env = settings.load()  # every ORINOCO_* setting checked now: a bad one exits 2 naming it
    except settings.SettingsError as exc:
        fail(str(exc))
    host = args.host if args.host is not None else env.host
    port = args.port if args.port is not None else env.port
    workers = args.workers if args.workers is not None else env.workers or _cpu_count()
    if not 0 <= port <= 65535 or workers < 1:
        fail(f"invalid port {port} or worker count {workers}")
    if not args.lists:
        args.lists = [v.strip() for v in env.lists.split(",") if v.strip()]
    check_list_args(args.lists, paths=True)  # a malformed --list or a missing path: exit 2 before binding
    if not args.dev:
        try:
            check_port_free(host, port)  # at once, not after gunicorn's five one-second retries
        except OSError as exc:
            fail(exc.strerror or str(exc))
    from service.lists.refresh import DEFAULT_MAX_AGE

    refresh = _duration(args.refresh, "--refresh", "ORINOCO_REFRESH", env.refresh, None)
    max_age = _duration(
        args.max_list_age, "--max-list-age", "ORINOCO_MAX_LIST_AGE", env.max_list_age, DEFAULT_MAX_AGE
    )
    if not args.dev and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _private_metrics_dir()

    # Imported only now: prometheus_client reads PROMETHEUS_MULTIPROC_DIR when first imported.
    from service.api import ScreenerProvider
    from service.api.config import from_env, parse_threshold
    from service.api.progress import LoadProgress
    from service.serving import list_loader, run_gunicorn, screener_builder

    try:
        config = from_env()
        if args.threshold is not None:
            config = replace(config, default_threshold=parse_threshold(args.threshold))
    except ValueError as exc:
        fail(str(exc))
    progress = LoadProgress()  # before gunicorn forks: its workers read the master's progress
    build = screener_builder(list_loader(args.lists), config.default_threshold, progress)
    provider = ScreenerProvider(build=build, progress=progress)
    if args.dev:
        if refresh:
            _start_refresh(args.lists, refresh, max_age, provider.load_in_background)
        return _run_dev(provider, config, host, port)
    if refresh:  # the master refreshes; SIGHUP to itself reloads (its workers keep answering meanwhile)
        _start_refresh(args.lists, refresh, max_age, lambda: os.kill(os.getpid(), signal.SIGHUP))
    return run_gunicorn(provider, config, host, port, workers, _monitor(provider))


def _monitor(provider: ScreenerProvider):
    """The monitoring store, or exit 2 with a message when its settings or database are wrong."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.serving import attach_monitor

    try:
        return attach_monitor(provider)
    except (ValueError, SQLAlchemyError) as exc:
        fail(f"monitoring store: {str(exc).splitlines()[0]}")


def _start_refresh(
    list_args: list[str], interval: float, max_age: float, reload: Callable[[], object]
) -> None:
    """The scheduled refresh (service/lists/refresh.py): ``--list`` paths are re-read when their files
    change, lists from the cache are downloaded again; its status file is shared with the workers."""
    from pathlib import Path

    from service.lists import SOURCES, sniff_source
    from service.lists.cache import ListCache
    from service.lists.refresh import STATUS_ENV, Refresher, cache_targets, path_targets
    from service.lists.registry import load_registry
    from service.lists.specs import parse_list_spec

    if list_args:
        specs = [parse_list_spec(v) for v in list_args]
        ids = [s.list_id or SOURCES[sniff_source(s.source, s.path)].default_list_id for s in specs]
        targets = path_targets(specs, ids)
    else:
        # the lists the cache holds; on a first start (empty cache) every registry list still open
        ids = ListCache().list_ids() or [s.id for s in load_registry() if not s.archived]
        targets = cache_targets(ids, timeout=60.0)
    folder = tempfile.mkdtemp(prefix="orinoco-refresh-")
    master = os.getpid()
    atexit.register(lambda: shutil.rmtree(folder, ignore_errors=True) if os.getpid() == master else None)
    os.environ[STATUS_ENV] = str(Path(folder) / "status.json")  # the workers read it
    Refresher(targets, reload, interval, Path(os.environ[STATUS_ENV]), max_age).start()


def check_port_free(host: str, port: int) -> None:
    """Raise OSError at once if the address cannot be bound (gunicorn would retry for 5 s, then exit).

    A race with another process after this check still ends in gunicorn's own error.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise OSError(
                    exc.errno,
                    f"cannot listen on {host}:{port}: the port is already in use "
                    "(another server runs on it: stop it or choose --port)",
                ) from None
            raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _private_metrics_dir() -> None:
    """Where gunicorn's workers share metrics; set before prometheus_client is first imported.

    Removed when the master exits; forked workers run the same exit handlers, hence the pid check.
    """
    path = tempfile.mkdtemp(prefix="orinoco-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    master = os.getpid()
    atexit.register(lambda: shutil.rmtree(path, ignore_errors=True) if os.getpid() == master else None)


class _PathOnlyLog(WSGIRequestHandler):
    """Werkzeug's request log line without the query string (as gunicorn's in service.serving):
    a shared /ui/screen URL carries the screened name."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        self.log("info", '"%s %s %s" %s %s', self.command, path, self.request_version, code, size)


def _run_dev(provider: ScreenerProvider, config: ApiConfig, host: str, port: int) -> int:
    from service.api import create_app
    from service.serving import start_runner

    monitor = _monitor(provider)
    start_runner(monitor, provider)
    provider.load_in_background()  # /readyz answers 503 until the index is built
    signal.signal(signal.SIGHUP, lambda *_: provider.load_in_background())
    app = create_app(provider, config, monitor)
    app.run(host=host, port=port, threaded=True, request_handler=_PathOnlyLog)
    return 0
