"""How far a list load has got: lists parsed, index built, records linked, each phase timed.

The gunicorn master loads the lists while its workers already answer /readyz, so the master
writes its progress to an anonymous shared memory map created before the workers are forked,
and every worker reads it from there. One writer (the loading thread); readers retry a torn read
(a sequence number, odd while a write is under way).
"""

from __future__ import annotations

import json
import logging
import mmap
import struct
import threading
import time

log = logging.getLogger("service.loading")

_HEADER = struct.Struct("<QI")  # sequence number, length of the JSON that follows
_SIZE = 1 << 16


class LoadProgress:
    """Written by the process that loads, read by it and by every process forked after ``__init__``."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, _SIZE)  # MAP_SHARED | MAP_ANONYMOUS: shared with forked children
        self._lock = threading.Lock()
        self._sequence = 0
        self._state: dict = {}
        self._started = self._phase_started = time.monotonic()

    def begin(self, what: str) -> None:
        """A load starts (``what``: "start-up" or "reload")."""
        with self._lock:
            self._started = self._phase_started = time.monotonic()
            self._state = {
                "load": what,
                "phase": "lists",
                "started_monotonic": self._started,
                "lists": {"parsed": 0, "total": None},
                "index": "pending",
                "linking": {"done": 0, "total": None},
                "phases": [],
                "done": False,
            }
            self._publish()

    def lists_parsed(self, done: int, total: int) -> None:
        self._set("lists", {"parsed": done, "total": total})

    def linking(self, done: int, total: int) -> None:
        self._set("linking", {"done": done, "total": total})

    def phase_done(self, phase: str, detail: str, following: str | None) -> None:
        """Log the phase with its duration and move on to ``following`` (None: the load is over)."""
        with self._lock:
            now = time.monotonic()
            seconds = round(now - self._phase_started, 2)
            self._phase_started = now
            self._state["phases"].append({"phase": phase, "seconds": seconds})
            if phase == "index":
                self._state["index"] = "built"
            self._state["phase"] = following or "done"
            self._state["done"] = following is None
            self._publish()
        log.info(
            "%s: %s in %.1f s%s",
            self._state.get("load", "load"),
            detail,
            seconds,
            "" if following else f" (total {now - self._started:.1f} s)",
        )

    def retire(self, pids: list[int]) -> None:
        """The workers forked before the lists were loaded: until every one has exited, a request
        may still reach one of them (and get a 503), so /readyz stays 503 meanwhile."""
        self._set("retiring", sorted(pids))

    def exited(self, pid: int) -> None:
        with self._lock:
            if pid in self._state.get("retiring", []):
                self._state["retiring"] = [p for p in self._state["retiring"] if p != pid]
                self._publish()

    def _set(self, key: str, value) -> None:
        with self._lock:
            if self._state:
                self._state[key] = value
                self._publish()

    def _publish(self) -> None:
        data = json.dumps(self._state).encode()[: _SIZE - _HEADER.size]
        self._sequence += 1  # odd: a write is under way
        _HEADER.pack_into(self._memory, 0, self._sequence, 0)
        self._memory[_HEADER.size : _HEADER.size + len(data)] = data
        self._sequence += 1
        _HEADER.pack_into(self._memory, 0, self._sequence, len(data))

    def snapshot(self) -> dict | None:
        """The latest progress as /readyz shows it, from any process; None before any load began."""
        for _ in range(100):
            sequence, length = _HEADER.unpack_from(self._memory, 0)
            if sequence == 0:
                return None
            if sequence % 2:
                time.sleep(0.001)
                continue
            data = self._memory[_HEADER.size : _HEADER.size + length]
            if _HEADER.unpack_from(self._memory, 0)[0] == sequence:
                state = json.loads(data)
                started = state.pop("started_monotonic")
                if not state["done"]:
                    state["elapsed_seconds"] = round(time.monotonic() - started, 1)
                return state
        return None
