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
import uuid

from service.engine.model import ListVersion
from service.engine.screener import Result
from service.paths import now_iso

TOP_MATCHES = 5  # per query: what the decision was made on; the full answer went to the client
MIN_FREE_BYTES = 1 << 20  # less free space than this on the audit log's disk: /readyz says not ready


class AuditLog:
    """Appends decision records to one file; the descriptor is opened per process (after fork)."""

    def __init__(self, path: str, salt: bytes, clear: bool = False):
        self.path, self.clear = path, clear
        self._salt = salt
        self._fd: int | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.failure: str | None = None  # this process's last failed write, until one succeeds

    def __repr__(self) -> str:  # the salt stays out of any log of the config
        return f"AuditLog({self.path!r}, clear={self.clear})"

    def name_field(self, name: str) -> dict[str, str]:
        if self.clear:
            return {"name": name}
        digest = hmac.new(self._salt, name.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        return {"name_hmac": digest[:32]}

    def screening(
        self,
        request_id: str,
        endpoint: str,
        threshold: float,
        versions: list[ListVersion],
        results: list[Result],
        client: str | None = None,
        score_model: str | None = None,
    ) -> str:
        """Write the record of one screening request (raises OSError if it cannot be made durable);
        its ``audit_id``, the record's key.

        ``request_id`` may be the client's own X-Request-ID, which two requests can share: the key
        is ``audit_id``, made here, unique. ``client`` is the caller's address (behind trusted
        proxies, the forwarded one); ``score_model`` the version of the calibrated score model: a
        score means what it did only under the same model."""
        audit_id = uuid.uuid4().hex
        record = {
            "audit_id": audit_id,
            "request_id": request_id,
            "time": now_iso(),
            "client": client,
            "endpoint": endpoint,
            "threshold": threshold,
            "score_model": score_model,
            "lists": [{"id": v.id, "sha256": v.sha256, "published": v.published} for v in versions],
            "queries": [
                {
                    "id": r.query.id,
                    **self.name_field(r.query.name),
                    "alerts": len(r.matches),
                    "top": [
                        {"list": m.list, "entity_id": m.entity_id, "score": m.score}
                        for m in r.matches[:TOP_MATCHES]
                    ],
                }
                for r in results
            ],
        }
        self.append(json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n")
        return audit_id

    def record(self, record: dict) -> None:
        """Any other auditable event (a reviewer's decision on an alert) as one JSON line."""
        self.append(json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n")

    def append(self, line: str) -> None:
        data = line.encode("ascii")
        with self._lock:
            try:
                fd = self._descriptor()
                written = os.write(fd, data)
                if written != len(data):  # a full disk: the partial line is reported, never completed later
                    raise OSError(f"audit log {self.path}: wrote {written} of {len(data)} bytes")
                os.fsync(fd)
            except OSError as exc:
                self.failure = f"{now_iso()}: {exc.strerror or exc}"
                raise
            self.failure = None

    def health(self) -> str | None:
        """Why records cannot be written now, or None: this process's last write failed, the file
        cannot be opened, or its disk has less than MIN_FREE_BYTES left (any worker sees that)."""
        if self.failure:
            return f"the last audit record could not be written ({self.failure})"
        try:
            with self._lock:
                fd = self._descriptor()
            free = os.statvfs(fd)
        except OSError as exc:
            return f"the audit log cannot be opened: {exc.strerror or exc}"
        if free.f_bavail * free.f_frsize < MIN_FREE_BYTES:
            return f"the audit log's disk is full ({free.f_bavail * free.f_frsize} bytes free)"
        return None

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


def from_settings(path: str | None, clear: bool, salt: str | None) -> AuditLog | None:
    if not path:
        return None
    return AuditLog(path, salt.encode("utf-8") if salt else os.urandom(32), clear)
