"""Webhook delivery against a local receiver: the signature verifies, a failed attempt is retried
with backoff and logged, a receiver that never answers ends as failed, and settings are checked."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from monitor_support import WATCHLIST_V1, fresh_database, screener_for, write_watchlist
from sqlalchemy import select

from service.monitor.models import Delivery
from service.monitor.records import parse_customer
from service.monitor.service import Monitor
from service.monitor.webhook import Webhook, deliver_due, from_settings, sign


class Receiver(ThreadingHTTPServer):
    def __init__(self, fail_first: int):
        self.fail_first, self.calls = fail_first, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((dict(self.headers), body, self.path))
                self.send_response(503 if len(outer.calls) <= outer.fail_first else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def receiver():
    r = Receiver(fail_first=1)
    yield r
    r.shutdown()


def test_deliveries_are_signed_retried_and_logged(tmp_path, receiver):
    hook = Webhook(receiver.url, b"s3cret", timeout=5, max_attempts=3, backoff=0.0)
    monitor = Monitor(fresh_database("sqlite", tmp_path), hook)
    screener = screener_for(write_watchlist(tmp_path / "w.csv", dict(WATCHLIST_V1)))
    monitor.lists_loaded(screener)
    monitor.put_customers([parse_customer({"id": "c1", "names": ["Zorander Quillfeather"]})], screener)
    assert deliver_due(monitor.db, hook) == 1  # answered 503: to be retried
    with monitor.db.transaction() as s:
        d = s.scalars(select(Delivery)).one()
        assert (d.status, d.attempts, d.last_status) == ("pending", 1, 503)
    assert deliver_due(monitor.db, hook) == 1
    with monitor.db.transaction() as s:
        d = s.scalars(select(Delivery)).one()
        assert (d.status, d.attempts, d.last_status) == ("delivered", 2, 200) and d.delivered_at
    headers, body, path = receiver.calls[-1]
    assert path == "/hook" and headers["X-Orinoco-Event"] == "alert.opened"
    expected = (
        "sha256="
        + hmac.new(
            b"s3cret", headers["X-Orinoco-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
    )
    assert headers["X-Orinoco-Signature"] == expected == sign(b"s3cret", headers["X-Orinoco-Timestamp"], body)
    event = json.loads(body)
    assert event["customer_id"] == "c1" and event["entity_id"] == "W1" and "Zorander" not in body.decode()
    assert deliver_due(monitor.db, hook) == 0  # nothing left


def test_backoff_waits_and_an_unreachable_receiver_ends_failed(tmp_path):
    hook = Webhook("http://127.0.0.1:9/unreachable", b"k", timeout=1, max_attempts=2, backoff=3600.0)
    monitor = Monitor(fresh_database("sqlite", tmp_path), hook)
    screener = screener_for(write_watchlist(tmp_path / "w.csv", dict(WATCHLIST_V1)))
    monitor.lists_loaded(screener)
    monitor.put_customers([parse_customer({"id": "c1", "names": ["Zorander Quillfeather"]})], screener)
    assert deliver_due(monitor.db, hook) == 1
    assert deliver_due(monitor.db, hook) == 0  # the next attempt is an hour away
    with monitor.db.transaction() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.status == "pending" and d.last_error and d.last_status is None
        d.next_attempt_at = d.created_at  # the hour has passed
    assert deliver_due(monitor.db, hook) == 1
    with monitor.db.transaction() as s:
        assert s.scalars(select(Delivery)).one().status == "failed"


def test_settings_are_checked():
    assert from_settings("", None) is None
    with pytest.raises(ValueError, match="SECRET"):
        from_settings("https://bank.example/hook", None)
    with pytest.raises(ValueError, match="http"):
        from_settings("ftp://bank.example/hook", "k")
    assert "topsecretvalue" not in repr(from_settings("https://bank.example/hook", "topsecretvalue"))
