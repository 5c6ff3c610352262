"""The review inbox in the web UI, in-process on the monitoring store (SQLite): open alerts listed,
one alert with its match explained and its history, a decision with a reason (written to the
history and the audit log), refused without the review scope or the CSRF token; a customer page."""

from __future__ import annotations

import json

import pytest
from monitor_support import WATCHLIST_V1, fresh_database, screener_for, write_watchlist
from test_ui_app import log_in, token

from service.api import ApiConfig, create_app
from service.api.audit import AuditLog
from service.monitor import Monitor
from service.monitor.records import parse_customer

REVIEWER, SCREENER = "inbox-reviewer-key-0123", "inbox-screen-key-0123"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ORINOCO_SECRET_KEY", "a-fixed-secret-for-the-test")
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path))
    screener = screener_for(write_watchlist(tmp_path / "w.csv", dict(WATCHLIST_V1)))
    monitor = Monitor(fresh_database("sqlite", tmp_path))
    monitor.lists_loaded(screener)
    monitor.put_customers(
        [parse_customer({"id": "cust-7", "names": ["Zorander Quillfeather"], "birth_date": "1970"})], screener
    )
    config = ApiConfig(
        api_keys=(REVIEWER, SCREENER),
        key_scopes=(frozenset({"screen", "review"}), frozenset({"screen"})),
        audit=AuditLog(str(tmp_path / "audit.log"), b"salt"),
    )
    return create_app(screener, config, monitor)


def test_the_inbox_lists_explains_and_records_a_decision(app, tmp_path):
    client = app.test_client()
    assert client.get("/ui/alerts").status_code == 403  # the login form first
    log_in(client, REVIEWER)
    inbox = client.get("/ui/alerts")
    assert inbox.status_code == 200 and "cust-7" in inbox.text and "watch W1" in inbox.text
    page = client.get("/ui/alerts/1")
    assert page.status_code == 200 and "Why it matched" in page.text and "zorander" in page.text
    assert "Zorander Quillfeather" in page.text and "new match" in page.text  # the customer and the history
    refused = client.post(
        "/ui/alerts/1/decide", data={"decision": "cleared", "reason": "x", "reviewer": "ana"}
    )
    assert refused.status_code == 400  # no CSRF token
    empty = client.post(
        "/ui/alerts/1/decide",
        data={"decision": "cleared", "reason": "", "reviewer": "ana", "csrf_token": token(page.text)},
    )
    assert empty.status_code == 400 and "needs a reason" in empty.text
    done = client.post(
        "/ui/alerts/1/decide",
        data={
            "decision": "cleared",
            "reason": "born 1990, not him",
            "reviewer": "ana",
            "csrf_token": token(page.text),
        },
    )
    assert done.status_code == 302 and done.headers["Location"] == "/ui/alerts/1"
    after = client.get("/ui/alerts/1").text
    assert "Alert #1: cleared" in after and "born 1990, not him" in after
    assert "cust-7" not in client.get("/ui/alerts?status=open").text
    assert "born 1990, not him" in client.get("/ui/customers/cust-7").text
    audit = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert [(r["event"], r["alert_id"], r["reviewer"]) for r in audit] == [("alert.decision", 1, "ana")]


def test_a_key_without_the_review_scope_reads_but_cannot_decide(app):
    client = app.test_client()
    log_in(client, SCREENER)
    page = client.get("/ui/alerts/1")
    assert page.status_code == 200 and "lacks the <strong>review</strong> scope" in page.text
    refused = client.post(
        "/ui/alerts/1/decide",
        data={"decision": "cleared", "reason": "r", "reviewer": "bo", "csrf_token": token(page.text)},
    )
    assert refused.status_code == 403
    assert "Alert #1: open" in client.get("/ui/alerts/1").text
    assert (
        client.get("/ui/alerts/999").status_code == 404
        and client.get("/ui/customers/nobody").status_code == 404
    )
