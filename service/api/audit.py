"""Opt-in audit log of screening decisions: one JSON line per request, never lost on a crash.

With ORINOCO_AUDIT_LOG=PATH every screening request appends one record: the request id, the
time, each query (its name as an HMAC-SHA256 under a salt, or in clear with
ORINOCO_AUDIT_CLEAR=1), the list versions screened against, and the top matches with their
scores. Each record is one ``os.write`` of a whole line on an O_APPEND descriptor, followed by
``fsync``, before the response is sent: concurrent workers never interleave lines, and an
answered request has its record on disk. A record that cannot be written fails the request
(500) rather than answering without one.

The salt is ORINOCO_AUDIT_SALT, else random per server start: the same name then has the same
hash across workers and reloads, and the hashes cannot be reversed by hashing candidate names
without the salt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading

from service.engine.model import ListVersion
from service.engine.screener import Result
from service.paths import now_iso

TOP_MATCHES = 5  # per query: what the decision was made on; the full answer went to the client


class AuditLog:
    """Appends decision records to one file; the descriptor is opened per process (after fork)."""

    def __init__(self, path: str, salt: bytes, clear: bool = False):
        self.path, self.clear = path, clear
        self._salt = salt
        self._fd: int | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # the salt stays out of any log of the config
        return f"AuditLog({self.path!r}, clear={self.clear})"

    def name_field(self, name: str) -> dict[str, str]:
        if self.clear:
            return {"name": name}
        digest = hmac.new(self._salt, name.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        return {"name_hmac": digest[:32]}

    def screening(self, request_id: str, endpoint: str, threshold: float, versions: list[ListVersion],
                  results: list[Result], client: str | None = None) -> None:
        """Write the record of one screening request (raises OSError if it cannot be made durable).

        ``client`` is the caller's address (behind trusted proxies, the forwarded one)."""
        record = {
            "request_id": request_id, "time": now_iso(), "client": client, "endpoint": endpoint,
            "threshold": threshold,
            "lists": [{"id": v.id, "sha256": v.sha256, "published": v.published} for v in versions],
            "queries": [{"id": r.query.id, **self.name_field(r.query.name), "alerts": len(r.matches),
                         "top": [{"list": m.list, "entity_id": m.entity_id, "score": m.score}
                                 for m in r.matches[:TOP_MATCHES]]} for r in results],
        }
        self.append(json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n")

    def record(self, record: dict) -> None:
        """Any other auditable event (a reviewer's decision on an alert) as one JSON line."""
        self.append(json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n")

    def append(self, line: str) -> None:
        data = line.encode("ascii")
        with self._lock:
            fd = self._descriptor()
            written = os.write(fd, data)
            if written != len(data):  # a full disk: the partial line is reported, never completed later
                raise OSError(f"audit log {self.path}: wrote {written} of {len(data)} bytes")
            os.fsync(fd)

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


def from_settings(path: str | None, clear: bool, salt: str | None) -> AuditLog | None:
    if not path:
        return None
    return AuditLog(path, salt.encode("utf-8") if salt else os.urandom(32), clear)
