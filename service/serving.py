"""``orinoco serve`` in production: this process becomes the gunicorn master.

The index is built once in the master (``preload_app``) and workers are forked from it, so
they share its memory copy-on-write. On SIGHUP gunicorn calls ``on_reload`` in the master
*before* it forks the new workers: the hook rebuilds the lists and the Screener there, keeps
the old one if that fails (the error is then reported by every worker's /readyz and
/v1/lists), and the new workers start on whichever index the master holds. The old workers
keep answering until the new ones are up, so no request is refused during a reload.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.config import Config

from service.api import ApiConfig, ScreenerProvider, create_app
from service.engine.model import LoadedList
from service.engine.screener import Screener
from service.lists.specs import load_specs, parse_list_spec
from service.monitor import Monitor
from service.monitor.service import Runner
from service.paths import cache_dir
from service.resolve.store import cached_resolution

log = logging.getLogger("service.serving")

# The path without its query string (%(U)s, not the request line %(r)s): a shared /ui/screen URL
# carries the screened name in its query, and names are never logged.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


def list_loader(values: list[str]) -> Callable[[], list[LoadedList]]:
    """Reload the same lists as at start: the ``--list`` paths again, else the local cache.

    Raises ListError instead of exiting, so a bad file can never stop a running server.
    """
    specs = [parse_list_spec(v) for v in values]

    def load() -> list[LoadedList]:
        return load_specs(specs, download=False)

    return load


def new_screener(lists: list[LoadedList], default_threshold: float | None = None) -> Screener:
    """The Screener for these lists, its index read from the cache when their checksums match,
    with the records of the same party on several lists clustered (unless ORINOCO_RESOLVE=0).

    ``default_threshold`` (the configured one; None: the engine's) is applied here, once."""
    options = {} if default_threshold is None else {"default_threshold": default_threshold}
    screener = Screener.from_lists(lists, cache_dir=cache_dir() / "index", **options)
    if os.environ.get("ORINOCO_RESOLVE", "1").strip() != "0":
        screener.links = cached_resolution(lists, screener, cache_dir() / "resolution")
    return screener


def screener_builder(load: Callable[[], list[LoadedList]],
                     default_threshold: float | None = None) -> Callable[[], Screener]:
    return lambda: new_screener(load(), default_threshold)


def attach_monitor(provider: ScreenerProvider) -> Monitor | None:
    """The monitoring store (unless ORINOCO_MONITOR=0), migrated, told of every list load.

    Its list snapshot is synced here for the lists already loaded and then after each reload, in
    the process that loads them (the gunicorn master); the re-screen itself runs in a worker."""
    if os.environ.get("ORINOCO_MONITOR", "1").strip() == "0":
        return None
    monitor = Monitor.from_env()
    monitor.start()
    provider.on_lists_loaded.append(lambda _old, new: monitor.lists_loaded(new))
    if provider.screener is not None:
        monitor.lists_loaded(provider.screener)
    return monitor


_RUNNERS: list[Runner] = []  # this process's (a worker's) background runner


def start_runner(monitor: Monitor | None, provider: ScreenerProvider) -> Runner | None:
    """The background re-screens and deliveries of this process (one process at a time works)."""
    if monitor is None:
        return None
    runner = Runner(monitor, lambda: provider.screener)
    runner.start()
    _RUNNERS.append(runner)
    return runner


def stop_runners() -> None:
    """On a worker's exit (a reload, a stop): hand the lease over at once rather than when it expires."""
    while _RUNNERS:
        _RUNNERS.pop().stop()


class GunicornServer(BaseApplication):
    """gunicorn run in-process: its options come from here, not from argv or a config file."""

    def __init__(self, provider: ScreenerProvider, config: ApiConfig, options: dict,
                 monitor: Monitor | None = None):
        self.provider, self.api_config, self.options, self.monitor = provider, config, options, monitor
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app(self.provider, self.api_config, self.monitor)


def gunicorn_options(host: str, port: int, workers: int, provider: ScreenerProvider,
                     monitor: Monitor | None = None) -> dict:
    def on_reload(_arbiter) -> None:
        # Runs in the master between SIGHUP and the fork of the new workers.
        gc.unfreeze()
        provider.load()
        gc.collect()
        gc.freeze()

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        # Threads keep /healthz and keep-alive connections answered while a worker screens a batch;
        # the engine itself runs one request at a time per worker (see routes_screen).
        "worker_class": "gthread",
        "threads": 4,
        "preload_app": True,
        "timeout": 120,  # a 1,000-name batch at threshold 0 takes seconds on a busy machine
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": "-",  # request line, status, time, request id: names are in bodies, never logged
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "proc_name": "orinoco",
        "on_reload": on_reload,
        "post_fork": lambda _arbiter, _worker: start_runner(monitor, provider),
        "worker_exit": lambda _arbiter, _worker: stop_runners(),
    }
    if "control_socket_disable" in Config().settings:
        # recent gunicorn opens a control socket at one fixed path per user; reloads here are SIGHUP.
        options["control_socket_disable"] = True
    if os.path.isdir("/dev/shm"):
        options["worker_tmp_dir"] = "/dev/shm"  # heartbeat files off a possibly slow container disk
    return options


def run_gunicorn(provider: ScreenerProvider, config: ApiConfig, host: str, port: int, workers: int,
                 monitor: Monitor | None = None) -> int:
    """Serve until gunicorn stops (TERM/INT); HUP reloads the lists. Blocks in the master loop."""
    provider.master_pid = os.getpid()
    gc.freeze()  # the loaded index stays out of the cyclic GC, so workers do not touch its pages
    GunicornServer(provider, config, gunicorn_options(host, port, workers, provider, monitor), monitor).run()
    return 0
