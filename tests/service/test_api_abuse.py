"""Abuse controls and what the logs keep: rate limiting (429 + Retry-After), API keys and screened
names never in the server log, and the opt-in audit log (whole JSON lines from several workers).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests
from conftest import FIXTURE_LISTS

from service.api import ApiConfig, create_app
from service.api.audit import AuditLog
from service.api.ratelimit import Rate, RateLimiter, parse_rate
from service.engine.screener import Screener
from service.lists import load_source

WATCHLIST = FIXTURE_LISTS / "custom" / "watchlist.csv"
SECRET_NAME = "Quintillian Xavorsky-Brundlemere"  # appears nowhere but in the requests


@pytest.mark.parametrize(
    ("text", "rate"),
    [("100/minute", Rate(100, 60.0)), ("5/second", Rate(5, 1.0)), (" 1000 / hours ", Rate(1000, 3600.0))],
)
def test_rates_parse(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "100", "0/minute", "-1/minute", "ten/minute", "5/day", "5/"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError, match="100/minute"):
        parse_rate(text)


def test_the_bucket_allows_a_burst_then_one_request_per_interval():
    now = [0.0]
    limiter = RateLimiter(Rate(3, 60.0), clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(20.0)
    assert limiter.take("b") == 0.0  # another client has its own bucket
    now[0] = 19.9
    assert limiter.take("a") == pytest.approx(0.1, abs=1e-6)
    now[0] = 20.0
    assert limiter.take("a") == 0.0


@pytest.fixture(scope="module")
def limited(start_server, api_keys):
    server = start_server(
        "--list",
        f"custom={WATCHLIST}",
        env={"ORINOCO_RATE_LIMIT": "5/minute", "ORINOCO_API_KEYS": ",".join(api_keys)},
    )
    return server


def test_over_the_rate_limit_is_a_429_problem_with_retry_after_per_key(limited, api_keys):
    first, second = ({"X-API-Key": k} for k in api_keys)
    codes = [
        limited.post("/v1/screen", json={"name": "Jane Doe"}, headers=first).status_code for _ in range(5)
    ]
    assert codes == [200] * 5
    refused = limited.post("/v1/screen", json={"name": "Jane Doe"}, headers=first)
    assert refused.status_code == 429 and refused.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 12
    body = refused.json()
    assert body["status"] == 429 and body["type"].endswith("/rate-limited") and "5/minute" in body["detail"]
    assert limited.get("/v1/lists", headers=first).status_code == 429  # every /v1/ route counts
    assert limited.post("/v1/screen", json={"name": "Jane Doe"}, headers=second).status_code == 200
    assert limited.get("/healthz").status_code == 200 and limited.get("/readyz").status_code == 200
    assert api_keys[0] not in limited.log()


def test_a_flood_of_bad_keys_is_limited_by_address_too(limited, api_keys):
    bad = [
        limited.post("/v1/screen", json={"name": "x"}, headers={"X-API-Key": f"guess-{i}"}).status_code
        for i in range(6)
    ]
    assert bad == [401] * 5 + [429]
    good = limited.post("/v1/screen", json={"name": "x"}, headers={"X-API-Key": api_keys[1]})
    assert good.status_code == 200  # the valid key has its own bucket


def test_api_keys_and_screened_names_never_reach_the_log(keyed_server, api_keys):
    wrong = "wrong-key-" + api_keys[0][::-1]
    for headers in (
        {"X-API-Key": api_keys[0]},
        {"Authorization": f"Bearer {api_keys[1]}"},
        {"X-API-Key": wrong},
        {"Authorization": f"Bearer {wrong}"},
    ):
        for body in (
            {"name": SECRET_NAME},
            {"queries": [{"name": SECRET_NAME, "schema": "Nope"}]},
            {"a": {"name": SECRET_NAME}, "b": {"name": SECRET_NAME}},
        ):
            keyed_server.post("/v1/screen", json=body, headers=headers)
            keyed_server.post("/v1/compare", json=body, headers=headers)
    log = keyed_server.log()
    assert "screen request_id=" in log  # the log is written, with counts and the request id only
    for secret in (*api_keys, wrong, SECRET_NAME, SECRET_NAME.split()[1]):
        assert secret not in log


@pytest.fixture(scope="module")
def audited(start_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    server = start_server("--list", f"custom={WATCHLIST}", workers=2, env={"ORINOCO_AUDIT_LOG": str(path)})
    return server, path


def test_audit_records_from_concurrent_workers_are_whole_lines(audited):
    server, path = audited
    ids: list[str] = []
    failures: list[object] = []

    def client(n: int) -> None:
        for i in range(25):  # a new connection each time: the requests spread over both workers
            names = [f"{SECRET_NAME} {n} {i}", "Jane Example Doe"] + ["x" * 500] * (i % 3)
            r = requests.post(
                server.url + "/v1/screen",
                json={"names": names, "threshold": 0.3},
                headers={"Connection": "close"},
                timeout=60,
            )
            (ids.append(r.json()["request_id"]) if r.status_code == 200 else failures.append(r.status_code))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures and len(ids) == 200
    text = path.read_text(encoding="ascii")
    assert text.endswith("\n") and SECRET_NAME not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert sorted(r["request_id"] for r in records) == sorted(ids)
    for record in records:
        assert record["endpoint"] == "/v1/screen" and record["threshold"] == 0.3 and record["time"]
        assert [v["id"] for v in record["lists"]] == ["custom"] and len(record["lists"][0]["sha256"]) == 64
        assert all(len(q["name_hmac"]) == 32 and "name" not in q for q in record["queries"])
        assert record["queries"][1]["top"][0]["entity_id"] == "C1" and record["queries"][1]["alerts"] >= 1
    hashes = {r["queries"][1]["name_hmac"] for r in records}
    assert len(hashes) == 1  # one salt across both workers: the same name, the same hash


def _app(audit: AuditLog):
    return create_app(Screener.from_lists([load_source("custom", WATCHLIST)]), ApiConfig(audit=audit))


def test_audit_in_clear_when_asked(tmp_path):
    path = tmp_path / "audit.jsonl"
    client = _app(AuditLog(str(path), b"salt", clear=True)).test_client()
    assert client.post("/v1/screen", json={"name": SECRET_NAME}).status_code == 200
    (record,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert record["queries"][0]["name"] == SECRET_NAME


def test_no_answer_without_its_audit_record(tmp_path):
    client = _app(AuditLog(str(tmp_path / "missing-folder" / "audit.jsonl"), b"salt")).test_client()
    response = client.post("/v1/screen", json={"name": SECRET_NAME})
    assert response.status_code == 500 and "results" not in response.get_json()
    assert not Path(tmp_path / "missing-folder").exists()


def test_text_screening_is_audited_too(tmp_path):
    path = tmp_path / "audit.jsonl"
    client = _app(AuditLog(str(path), b"salt")).test_client()
    text = f"{SECRET_NAME} paid Jane Example Doe of Example Holdings Ltd on Monday."
    response = client.post("/v1/screen/text", json={"text": text})
    assert response.status_code == 200
    (record,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert record["endpoint"] == "/v1/screen/text"
    assert record["request_id"] == response.get_json()["request_id"]
    mentions = response.get_json()["mentions"]
    assert {m["text"] for m in mentions} >= {"Jane Example Doe"}
    assert [q["id"] for q in record["queries"]] == [f"{m['start']}-{m['end']}" for m in mentions]
    assert all(q["top"] and "name" not in q for q in record["queries"])
    assert "Jane" not in path.read_text()


def test_readyz_reports_an_audit_log_that_cannot_be_written(start_server, tmp_path):
    # /dev/full opens, then every write fails with ENOSPC: a full disk.
    server = start_server("--list", f"custom={WATCHLIST}", env={"ORINOCO_AUDIT_LOG": "/dev/full"})
    assert server.get("/readyz").json()["audit"] == {"ok": True, "error": None}
    failed = server.post("/v1/screen", json={"name": "Jane Doe"})
    assert failed.status_code == 500
    ready = server.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    assert "could not be written" in ready.json()["audit"]["error"]
    # A folder that does not exist: no worker can open the file.
    client = _app(AuditLog(str(tmp_path / "gone" / "audit.jsonl"), b"salt")).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "cannot be opened" in ready.get_json()["audit"]["error"]
