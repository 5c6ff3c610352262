"""Scheduled list refresh for ``orinoco serve --refresh 6h`` (``ORINOCO_REFRESH``).

Every interval the refresher checks each served list for a new version: lists served from the
cache are downloaded again (``update_list``: conditional GET, retries, parse and shrink checks, an
atomic swap in the cache, the last good version kept); lists given with ``--list`` are re-read when
a file under their path changed. When one changed, it asks for a reload (``reload``: SIGHUP to the
gunicorn master, which rebuilds the index while the old workers keep answering, then swaps).

What it saw goes to a small JSON status file (``ORINOCO_REFRESH_STATUS``, set by the server) that
every worker reads for /v1/lists, /readyz and /metrics: per list the last attempt, last success,
last error, and whether the list is stale (not confirmed current for longer than ``max_age``: an
alert, not a silent state). The refresher itself runs in one process (the master).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from service.lists.cache import ListCache, update_list
from service.lists.errors import ListError
from service.lists.registry import ListSpec, load_registry
from service.lists.specs import ListSpec as PathSpec
from service.paths import now_iso

log = logging.getLogger(__name__)

STATUS_ENV = "ORINOCO_REFRESH_STATUS"
DEFAULT_MAX_AGE = 48 * 3600.0
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """ "6h" -> 21600.0; "90s", "30m", "1d", "300" (seconds). ValueError naming the value otherwise."""
    m = _INTERVAL.match(text or "")
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration: use e.g. 30m, 6h, 1d or seconds")
    return float(m.group(1)) * _UNIT[m.group(2).lower()]


@dataclass(slots=True)
class ListRefresh:
    """One list's refresh record (what /v1/lists shows under ``refresh``)."""

    last_attempt: str | None = None
    last_success: str | None = None  # the list was confirmed current (a new version or unchanged)
    last_change: str | None = None  # a new version was installed
    error: str | None = None  # of the last attempt; None once one succeeds
    stale: bool = False


@dataclass(slots=True)
class RefreshStatus:
    interval_seconds: float
    max_age_seconds: float
    started_at: str = field(default_factory=now_iso)
    lists: dict[str, ListRefresh] = field(default_factory=dict)
    last_run: str | None = None
    next_run: str | None = None


class Refresher:
    """Checks the lists every ``interval`` seconds in a daemon thread; ``run_once`` is one round.

    ``targets`` maps a list id to a check: it returns True when a new version is in place (to be
    loaded by ``reload``), False when the current one stands, and raises ListError on a failure.
    """

    def __init__(
        self,
        targets: dict[str, Callable[[], bool]],
        reload: Callable[[], object],
        interval: float,
        status_path: Path,
        max_age: float = DEFAULT_MAX_AGE,
    ):
        self.targets, self.reload, self.interval = targets, reload, interval
        self.status_path = Path(status_path)
        self.status = RefreshStatus(interval, max_age, lists={k: ListRefresh() for k in targets})
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write()

    def run_once(self) -> bool:
        """Check every list; ask for one reload if any changed. True if a reload was asked for."""
        changed = []
        for list_id, check in self.targets.items():
            record = self.status.lists[list_id]
            record.last_attempt = now_iso()
            try:
                if check():
                    changed.append(list_id)
                    record.last_change = record.last_attempt
                record.last_success, record.error = record.last_attempt, None
            except ListError as exc:
                record.error = str(exc)
                log.error("refresh of %s failed, the current version keeps serving: %s", list_id, exc)
            except Exception as exc:  # a bug must not end the schedule: it is reported like a bad file
                record.error = f"{type(exc).__name__}: {exc}"
                log.exception("refresh of %s failed", list_id)
        self.status.last_run = now_iso()
        self._mark_stale()
        self._write()
        if changed:
            log.info("refresh: new versions of %s, reloading", ", ".join(changed))
            self.reload()
        return bool(changed)

    def _mark_stale(self) -> None:
        now = datetime.now(UTC)
        for list_id, record in self.status.lists.items():
            since = record.last_success or self.status.started_at
            record.stale = (now - _parse(since)).total_seconds() > self.status.max_age_seconds
            if record.stale:
                log.warning("list %s is stale: not confirmed current since %s", list_id, since)

    def _write(self) -> None:
        """The status file, replaced atomically (workers read it at any moment)."""
        tmp = self.status_path.with_name(f".{self.status_path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(asdict(self.status)), encoding="utf-8")
            os.replace(tmp, self.status_path)
        except OSError as exc:
            log.error("cannot write the refresh status %s: %s", self.status_path, exc)

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.run_once()
                self.status.next_run = _later(self.interval)
                self._write()

        self.status.next_run = _later(self.interval)
        self._write()
        self._thread = threading.Thread(target=loop, name="orinoco-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _later(seconds: float) -> str:
    stamp = datetime.now(UTC).timestamp() + seconds
    return datetime.fromtimestamp(stamp, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def cache_targets(
    list_ids: list[str], timeout: float, cache: ListCache | None = None, specs: list[ListSpec] | None = None
) -> dict[str, Callable[[], bool]]:
    """Checks for lists served from the cache: download the registry entry of each again."""
    by_id = {s.id: s for s in (specs if specs is not None else load_registry())}
    targets: dict[str, Callable[[], bool]] = {}
    for list_id in list_ids:
        spec = by_id.get(list_id)
        if spec is not None and spec.archived:
            log.info("refresh: %s is archived (no longer published): not refreshed", list_id)
            continue
        if spec is None:
            log.warning("refresh: %s is not in the list registry (imported by hand?): not refreshed", list_id)
            continue
        # mypy cannot infer a lambda whose default argument binds the loop variable
        targets[list_id] = lambda spec=spec: update_list(spec, cache, timeout).changed  # type: ignore[misc]
    return targets


def path_targets(specs: list[PathSpec], list_ids: list[str]) -> dict[str, Callable[[], bool]]:
    """Checks for ``--list SOURCE=PATH`` lists (``list_ids``: the ids they loaded as, in order): True
    when a file under PATH changed (size, modification time)."""
    targets: dict[str, Callable[[], bool]] = {}
    for spec, list_id in zip(specs, list_ids, strict=True):
        seen = {"stamp": _fingerprint(Path(spec.path))}

        def check(spec: PathSpec = spec, seen: dict = seen) -> bool:
            now = _fingerprint(Path(spec.path))
            if not now:
                raise ListError(f"{spec.path}: no longer there; the loaded version keeps serving")
            changed, seen["stamp"] = now != seen["stamp"], now
            return changed

        targets[list_id] = check
    return targets


def _fingerprint(path: Path) -> tuple:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    try:
        return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    except OSError:
        return ()


def read_status(path: str | None = None) -> dict | None:
    """The refresh status a worker reports, each list's ``age_seconds`` (since it was last confirmed
    current) and ``stale`` computed now; None when refresh is off or the file is unreadable."""
    path = path or os.environ.get(STATUS_ENV)
    if not path:
        return None
    try:
        status = json.loads(Path(path).read_text(encoding="utf-8"))
        now = datetime.now(UTC)
        for record in status["lists"].values():
            since = _parse(record["last_success"] or status["started_at"])
            record["age_seconds"] = round((now - since).total_seconds(), 1)
            record["stale"] = record["age_seconds"] > status["max_age_seconds"]
        return status
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
