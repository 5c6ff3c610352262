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
from service.engine.model import ListVersion
from service.engine.screener import Screener
from service.lists import ListError
from service.lists.cache import shrink_problem
from service.paths import now_iso

log = logging.getLogger("service.api.provider")


@dataclass(frozen=True, slots=True)
class SwapEvent:
    """A new index went live: the version of each list before and after (None: not loaded then).
    Where work that follows a list change hooks in (``ScreenerProvider.on_swap``), e.g. re-screening
    the customers against what was added; it runs in the process that swapped."""

    old: dict[str, ListVersion | None]
    new: dict[str, ListVersion | None]

    def changed(self) -> list[str]:
        """The ids of the lists whose version changed, appeared or went."""
        return sorted(
            k
            for k in self.old.keys() | self.new.keys()
            if ((o := self.old.get(k)) and o.sha256) != ((n := self.new.get(k)) and n.sha256)
        )


@dataclass(slots=True)
class LoadStatus:
    loading: bool = False
    last_attempt: str | None = None
    last_success: str | None = None
    error: str | None = None  # of the last attempt; None once a later attempt succeeds

    def to_dict(self) -> dict:
        return {
            "loading": self.loading,
            "last_attempt": self.last_attempt,
            "last_success": self.last_success,
            "error": self.error,
        }


def check_not_shrunk(current: Screener, fresh: Screener) -> None:
    """Refuse a reload where a list lost more than ORINOCO_MAX_SHRINK of its entities or names, as
    the cache refuses such a download (a file cut short, a copy still running, a full disk, can
    still parse), or went missing. A restart loads it anyway."""
    before = {v.id: {"entities": v.entities, "names": v.names} for v in current.versions}
    gone = sorted(before.keys() - {v.id for v in fresh.versions})
    if gone:  # e.g. a refresh that put one list in an empty cache while the others came from elsewhere
        raise ListError(
            f"{', '.join(gone)}: served now but missing from the new lists: refused "
            "(restart the server to drop a list)"
        )
    for v in fresh.versions:
        if v.id in before:
            problem = shrink_problem(v.id, before[v.id], {"entities": v.entities, "names": v.names})
            if problem:
                raise ListError(
                    f"{problem}: refused, the lists being served stay (restart the server "
                    "to load them anyway)"
                )


class ScreenerProvider:
    """Holds the current Screener; ``build`` makes a fresh one from the configured lists."""

    def __init__(
        self,
        build: Callable[[], Screener] | None = None,
        screener: Screener | None = None,
        progress: LoadProgress | None = None,
    ):
        self._build = build
        self._screener = screener
        self.progress = progress  # what ``build`` reports as it goes, for /readyz
        self.status = LoadStatus(last_success=now_iso() if screener else None)
        self._building = threading.Lock()
        self._again = threading.Event()  # a reload was asked for while a load ran
        self.master_pid: int | None = None  # set by the gunicorn master that owns reloads
        self.on_swap: list[Callable[[SwapEvent], object]] = []  # called after each successful swap

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
            self._announce(old, fresh)
            return True

    def _announce(self, old: Screener | None, fresh: Screener) -> None:
        before = {v.id: v for v in old.versions} if old else {}
        after = {v.id: v for v in fresh.versions}
        ids = before | after
        event = SwapEvent({k: before.get(k) for k in ids}, {k: after.get(k) for k in ids})
        for hook in self.on_swap:
            try:
                hook(event)
            except Exception:  # a failing hook must not undo or block the swap
                log.exception("swap hook %r failed", hook)

    def _kept(self) -> str:
        return "keeping the lists already loaded" if self._screener else "no lists loaded"

    def load_in_background(self) -> bool:
        """Start ``load`` in a thread (the dev server); False if a load is already running, which
        then loads once more when done: the files may have changed after it read them (a SIGHUP
        sent while the first load announced its lists was lost before)."""
        if self._building.locked():
            self._again.set()
            return False
        threading.Thread(target=self._load_until_asked_no_more, name="orinoco-reload", daemon=True).start()
        return True

    def _load_until_asked_no_more(self) -> None:
        self._again.clear()
        self.load()
        while self._again.is_set():
            self._again.clear()
            self.load()

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
        return "a reload is already running; the lists are loaded once more when it ends"
