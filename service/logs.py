"""How Orinoco logs: one JSON object per line (python-json-logger) with the request id on every
line written while a request is handled, or plain text for a person at a terminal.

``ORINOCO_LOG_FORMAT`` chooses (``json`` or ``text``); ``orinoco serve`` defaults to JSON, the other
commands to text. Screened names never reach a log line in either format: messages carry counts
and ids, and the access log records the path without its query string.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from gunicorn.glogging import Logger as GunicornBaseLogger
from pythonjsonlogger.json import JsonFormatter

from service import settings

REQUEST_ID: ContextVar[str | None] = ContextVar("orinoco_request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_FIELDS = {"asctime": "time", "levelname": "level", "name": "logger"}


class _RequestId(logging.Filter):
    """Puts the id of the request being handled (if any) on the record, for the JSON line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


def log_format(default: str) -> str:
    """ORINOCO_LOG_FORMAT, else ``default``; ValueError (SettingsError) naming it when wrong."""
    return settings.load().log_format or default


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields=_FIELDS)
    return logging.Formatter(TEXT_FORMAT)


def configure(level: int, fmt: str) -> None:
    """The root logger: one stderr handler in ``fmt``, the request id filled in."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(_RequestId())
    logging.basicConfig(level=level, handlers=[handler], force=True)


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's error and access logs in the configured format; an access line is the method,
    the path without its query (a shared /ui/screen URL carries a name), status, size, time and
    request id."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        fmt = log_format("json")
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter(fmt))
                handler.addFilter(_RequestId())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {
            "remote": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "status": atoms["s"],
            "bytes": atoms["b"],
            "ms": atoms["M"],
            "request_id": atoms.get("{x-request-id}o"),
        }
        self.access_log.info(
            '%(remote)s "%(method)s %(path)s" %(status)s %(bytes)s %(ms)sms request_id=%(request_id)s',
            fields,
            extra=fields,
        )
