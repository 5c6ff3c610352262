"""Which Screener answers requests right now, and how a new one replaces it.

A reload builds a complete new Screener first and only then swaps one reference, so every
request sees either the old index or the new one, never a mix; a build that fails leaves the
old one serving and is recorded in ``status`` for /readyz and /v1/lists.

Under gunicorn the master process owns reloads (``service.serving``): workers are forked from
it, so a worker asked to reload signals the master with SIGHUP instead of building its own copy.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from service.api.progress import LoadProgress
from service.engine.screener import Screener
from service.lists import ListError
from service.lists.cache import shrink_problem
from service.paths import now_iso

log = logging.getLogger("service.api.provider")


@dataclass(slots=True)
class LoadStatus:
    loading: bool = False
    last_attempt: str | None = None
    last_success: str | None = None
    error: str | None = None  # of the last attempt; None once a later attempt succeeds

    def to_dict(self) -> dict:
        return {"loading": self.loading, "last_attempt": self.last_attempt,
                "last_success": self.last_success, "error": self.error}


def check_not_shrunk(current: Screener, fresh: Screener) -> None:
    """Refuse a reload where a list lost more than ORINOCO_MAX_SHRINK of its entities or names, as
    the cache refuses such a download: a file cut short (a copy still running, a full disk) can
    still parse. A restart loads it anyway."""
    before = {v.id: {"entities": v.entities, "names": v.names} for v in current.versions}
    for v in fresh.versions:
        if v.id in before:
            problem = shrink_problem(v.id, before[v.id], {"entities": v.entities, "names": v.names})
            if problem:
                raise ListError(f"{problem}: refused, the lists being served stay (restart the server "
                                "to load them anyway)")


class ScreenerProvider:
    """Holds the current Screener; ``build`` makes a fresh one from the configured lists."""

    def __init__(self, build: Callable[[], Screener] | None = None, screener: Screener | None = None,
                 progress: LoadProgress | None = None):
        self._build = build
        self._screener = screener
        self.progress = progress  # what ``build`` reports as it goes, for /readyz
        self.status = LoadStatus(last_success=now_iso() if screener else None)
        self._building = threading.Lock()
        self.master_pid: int | None = None  # set by the gunicorn master that owns reloads
        # called with (old, new) after each successful load, e.g. the monitor's list-delta re-screen
        self.on_lists_loaded: list[Callable[[Screener | None, Screener], None]] = []

    @property
    def screener(self) -> Screener | None:
        return self._screener

    def load(self) -> bool:
        """Build a new Screener and swap it in; on failure keep the current one. True if swapped."""
        if self._build is None:
            raise RuntimeError("this provider has no list loader: it cannot reload")
        with self._building:
            self.status.loading, self.status.last_attempt = True, now_iso()
            if self.progress:
                self.progress.begin("start-up" if self._screener is None else "reload")
            try:
                fresh = self._build()
                if self._screener is not None:
                    check_not_shrunk(self._screener, fresh)
            except ListError as exc:
                self.status.error = str(exc)
                log.error("list load failed, %s: %s", self._kept(), exc)
                return False
            except Exception as exc:  # a bug or MemoryError must not take down the serving index
                self.status.error = f"{type(exc).__name__}: {exc}"
                log.exception("index build failed, %s", self._kept())
                return False
            finally:
                self.status.loading = False
            old, self._screener = self._screener, fresh
            self.status.error, self.status.last_success = None, now_iso()
            log.info("lists loaded: %s", ", ".join(f"{v.id} sha256={v.sha256[:12]}" for v in fresh.versions))
            for listener in self.on_lists_loaded:
                try:
                    listener(old, fresh)
                except Exception:  # the new lists serve regardless; the listener reports its own failure
                    log.exception("a lists-loaded listener failed")
            return True

    def _kept(self) -> str:
        return "keeping the lists already loaded" if self._screener else "no lists loaded"

    def load_in_background(self) -> bool:
        """Start ``load`` in a thread (the dev server); False if a load is already running."""
        if self._building.locked():
            return False
        threading.Thread(target=self.load, name="orinoco-reload", daemon=True).start()
        return True

    @property
    def can_reload(self) -> bool:
        return self._build is not None

    def request_reload(self) -> str:
        """What an admin request triggers: a SIGHUP to the gunicorn master, else a background load."""
        if self.master_pid is not None and self.master_pid != os.getpid():
            os.kill(self.master_pid, signal.SIGHUP)
            return "signalled the master process; workers restart on the new lists once they are loaded"
        if self.load_in_background():
            return "loading the lists in the background"
        return "a reload is already running"
