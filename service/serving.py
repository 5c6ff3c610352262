"""``orinoco serve`` in production: this process becomes the gunicorn master.

The master binds the port first and forks workers that already answer (/healthz 200, /readyz 503
with the loading progress). Then it loads the lists and builds the index itself (its own SIGHUP,
see ``MasterLoader``), forks new workers, which share that index copy-on-write, and retires the
empty ones. If the first load fails, the master stops with exit status 2 and the reason.

On a later SIGHUP gunicorn calls ``on_reload`` in the master *before* it forks the new workers:
the hook rebuilds the lists and the Screener there, keeps the old one if that fails (the error
is then reported by every worker's /readyz and /v1/lists), and the new workers start on
whichever index the master holds. The old workers keep answering until the new ones are up, so
no request is refused during a reload.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
from collections.abc import Callable
from typing import cast

from gunicorn.app.base import BaseApplication
from gunicorn.config import Config
from gunicorn.errors import HaltServer

from service import settings, worker
from service.api import ApiConfig, ScreenerProvider, create_app
from service.api.progress import LoadProgress
from service.engine.model import LoadedList
from service.engine.screener import Screener
from service.engine.warm import Aside, compile_aside
from service.lists.specs import load_specs, parse_list_spec
from service.monitor import Monitor
from service.monitor.service import Runner
from service.paths import cache_dir
from service.resolve.store import cached_resolution

log = logging.getLogger("service.serving")


Progress = Callable[[int, int], None]


def list_loader(values: list[str]) -> Callable[[Progress | None], list[LoadedList]]:
    """Load the same lists at every reload: the ``--list`` paths again, else the local cache.

    Only the first load may download (reloads read what is there). Raises ListError instead of
    exiting, so a bad file can never stop a running server.
    """
    specs = [parse_list_spec(v) for v in values]
    first = True

    def load(progress: Progress | None = None) -> list[LoadedList]:
        nonlocal first
        download, first = first, False
        return load_specs(specs, download=download, progress=progress)

    return load


def new_screener(
    lists: list[LoadedList],
    default_threshold: float | None = None,
    progress: LoadProgress | None = None,
    aside: Aside | None = None,
) -> Screener:
    """The Screener for these lists, its index read from the cache when their checksums match,
    with the records of the same party on several lists clustered (unless ORINOCO_RESOLVE=0).

    ``default_threshold`` (the configured one; None: the engine's) is applied here, once;
    ``progress`` hears of each phase; ``aside``: the process compiling the scoring loops."""
    options = {} if default_threshold is None else {"default_threshold": default_threshold}
    screener = Screener.from_lists(lists, cache_dir=cache_dir() / "index", **options)
    if aside:
        aside.wait()  # then warm_up reads the compiled loops from numba's cache
    screener.warm_up()  # before the resolver's and gunicorn's forks: compiled once, inherited
    resolve = settings.load().resolve
    if progress:
        progress.phase_done(
            "index",
            f"index ready ({sum(x.version.names for x in lists)} names)",
            "linking" if resolve else None,
        )
    if resolve:
        screener.links = cached_resolution(
            lists, screener, cache_dir() / "resolution", progress.linking if progress else None
        )
        if progress:
            progress.phase_done(
                "linking",
                f"records linked across lists ({len(getattr(screener.links, 'clusters', []))} clusters)",
                None,
            )
    return screener


def screener_builder(
    load: Callable[[Progress | None], list[LoadedList]],
    default_threshold: float | None = None,
    progress: LoadProgress | None = None,
) -> Callable[[], Screener]:
    """What the provider calls to (re)build: load the lists, then the Screener, reporting each phase."""

    def build() -> Screener:
        # The first start after an install compiles the scoring loops meanwhile, on the idle core.
        aside = compile_aside()
        try:
            lists = load(progress.lists_parsed if progress else None)
            if progress:
                sizes = ", ".join(f"{x.version.id} {x.version.entities}" for x in lists)
                progress.phase_done("lists", f"{len(lists)} lists parsed ({sizes} entities)", "index")
            return new_screener(lists, default_threshold, progress, aside)
        finally:
            if aside:
                aside.close()

    return build


class _StopLoading(BaseException):
    """TERM/INT/QUIT while the first load runs: gets past the provider's ``except Exception``."""


class MasterLoader:
    """The master's side of loading, always in its main thread and before gunicorn forks.

    The first load is the arbiter's own SIGHUP, sent once the port is bound: gunicorn forks the
    first workers (they answer 503 with the progress), then handles the signal and calls
    ``on_reload``, which loads; then it forks new workers on the loaded index and retires the
    empty ones. Loading in a thread beside forks is not safe (a lock held by the loading thread
    at the moment of a fork can hang the process), so nothing is forked while lists load.
    """

    def __init__(self, provider: ScreenerProvider):
        self.provider = provider
        self.loaded_once = False

    def when_ready(self, _arbiter) -> None:
        # The first workers inherit a frozen heap: their final collection when the loaded workers
        # replace them (which /readyz waits for) has next to nothing to scan.
        gc.freeze()
        os.kill(os.getpid(), signal.SIGHUP)  # handled once the first workers are forked

    def on_reload(self, arbiter) -> None:
        # Runs in the master between SIGHUP and the fork of the new workers.
        gc.unfreeze()
        # A load allocates millions of objects that all live on (records, names, tokens): the cyclic
        # collector would scan them again and again (a third of the index's cpu) and, in the forked
        # loaders, write to the pages they share with this process.
        # One collection at the end of a reload frees the previous index's cycles; after the first
        # load there is next to nothing to free (a few thousand objects) for half a second's scan.
        gc.disable()
        reload = self.loaded_once
        try:
            if reload:
                self.provider.load()
            else:
                self._first_load()
                if self.provider.progress:
                    self.provider.progress.retire(list(arbiter.WORKERS))  # the empty ones, about to go
        finally:
            gc.enable()
        if reload:
            gc.collect()
        gc.freeze()  # the loaded index stays out of the cyclic GC, so workers do not touch its pages

    def child_exit(self, _arbiter, worker) -> None:
        if self.provider.progress:
            self.provider.progress.exited(worker.pid)

    def _first_load(self) -> None:
        """Load, stopping at once on TERM/INT/QUIT (gunicorn would only see them afterwards)."""
        stopped: list[str] = []  # kept even if some library swallows the exception

        def stop(signum, _frame):
            stopped.append(signal.Signals(signum).name)
            raise _StopLoading(stopped[0])

        stops = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
        previous = {s: signal.signal(s, stop) for s in stops}
        try:
            loaded = self.provider.load()
        except _StopLoading:
            loaded = False
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        if stopped:
            raise HaltServer(f"{stopped[0]} while the lists were loading", 0)
        if not loaded:
            raise HaltServer(f"the lists could not be loaded: {self.provider.status.error}", 2)
        self.loaded_once = True


def attach_monitor(provider: ScreenerProvider) -> Monitor | None:
    """The monitoring store (unless ORINOCO_MONITOR=0), migrated, told of every list load.

    Its list snapshot is synced after every load (the first one included), in the process that
    loads the lists (the gunicorn master); the re-screens themselves run in a worker's runner."""
    if not settings.load().monitor:
        return None
    monitor = Monitor.from_env()
    monitor.start()
    # the swap hook runs in the process that swapped, right after: provider.screener is the new index
    provider.on_swap.append(lambda _event: monitor.lists_loaded(cast(Screener, provider.screener)))
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


def start_worker_runner(monitor: Monitor | None, provider: ScreenerProvider) -> Runner | None:
    """A gunicorn worker's runner; none in the workers forked before the first load: they never
    get the lists (the loaded workers replace them), and /readyz waits for them to exit, which a
    runner would delay by handing its lease back through the monitoring database."""
    return start_runner(monitor, provider) if provider.screener is not None else None


def stop_runners() -> None:
    """On a worker's exit (a reload, a stop): hand the lease over at once rather than when it expires."""
    while _RUNNERS:
        _RUNNERS.pop().stop()


class GunicornServer(BaseApplication):
    """gunicorn run in-process: its options come from here, not from argv or a config file."""

    def __init__(
        self, provider: ScreenerProvider, config: ApiConfig, options: dict, monitor: Monitor | None = None
    ):
        self.provider, self.api_config, self.options, self.monitor = provider, config, options, monitor
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app(self.provider, self.api_config, self.monitor)


def gunicorn_options(
    host: str, port: int, workers: int, loader: MasterLoader, monitor: Monitor | None = None
) -> dict:
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        # gthread with slow clients bounded (service/worker.py): threads keep /healthz and
        # keep-alive connections answered while a worker screens a batch or a client dawdles.
        "worker_class": "service.worker.BoundedThreadWorker",
        "threads": worker.threads(),
        "preload_app": True,
        "timeout": 120,  # a 1,000-name batch at threshold 0 takes seconds on a busy machine
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": "-",  # method, path (no query), status, time, request id: never a name
        "errorlog": "-",
        "logger_class": "service.logs.GunicornLogger",  # JSON lines (ORINOCO_LOG_FORMAT), as the app's
        "proc_name": "orinoco",
        "when_ready": loader.when_ready,
        "on_reload": loader.on_reload,
        "post_fork": lambda _arbiter, _worker: start_worker_runner(monitor, loader.provider),
        "worker_exit": lambda _arbiter, _worker: stop_runners(),
        "child_exit": loader.child_exit,
    }
    if "control_socket_disable" in Config().settings:
        # recent gunicorn opens a control socket at one fixed path per user; reloads here are SIGHUP.
        options["control_socket_disable"] = True
    if os.path.isdir("/dev/shm"):
        options["worker_tmp_dir"] = "/dev/shm"  # heartbeat files off a possibly slow container disk
    return options


def run_gunicorn(
    provider: ScreenerProvider,
    config: ApiConfig,
    host: str,
    port: int,
    workers: int,
    monitor: Monitor | None = None,
) -> int:
    """Serve until gunicorn stops (TERM/INT); HUP reloads the lists. Blocks in the master loop.

    The provider starts empty: the lists load in the master once the port is bound. A first
    load that fails stops the server with exit status 2 (gunicorn's ``HaltServer``).
    """
    provider.master_pid = os.getpid()
    loader = MasterLoader(provider)
    GunicornServer(provider, config, gunicorn_options(host, port, workers, loader, monitor), monitor).run()
    return 0
