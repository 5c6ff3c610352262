"""Bounded cost per request, against the real gunicorn on the real OFAC + UN lists: the issue's
1,000 x 512-character request at threshold 0 is refused (names x tokens), or, with that ceiling
lifted, stopped by the engine's budget within the deadline with the workers' memory bounded;
the threshold floor and its admin override; the match cap; the rate limiter charging names."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from conftest import FIXTURE_LISTS, real_list_args
from lists_support import ofac_2021

from service.api.ratelimit import Rate, RateLimiter

KEY, ADMIN = "cost-test-key-0123456789", "cost-admin-key-9876543210"
DEADLINE = 6.0
BUDGET_LIMITS = ("ORINOCO_MAX_CANDIDATES", "ORINOCO_REQUEST_DEADLINE", "ORINOCO_MAX_MATCHES")


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _hostile_names() -> list[str]:
    """1,000 names of up to 512 characters, each made of listed words."""
    words = sorted(
        {
            w
            for e in ofac_2021().entities
            for a in e.names()
            for w in a.name.replace(",", " ").split()
            if w.isalpha()
        }
    )
    rng = random.Random(23)
    return [" ".join(rng.choice(words) for _ in range(120))[:512].rsplit(" ", 1)[0] for _ in range(1000)]


def _workers_peak_rss_mb(server) -> list[float]:
    """Peak resident memory (VmHWM) of each gunicorn worker: the master's children."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == server.proc.pid and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return peaks


@pytest.fixture(scope="module")
def keyed(start_server):
    return start_server(
        *real_list_args(),
        workers=2,
        env={"ORINOCO_API_KEYS": KEY, "ORINOCO_ADMIN_KEYS": ADMIN, "ORINOCO_MAX_MATCHES": "300"},
    )


@pytest.fixture(scope="module")
def unbounded_size(start_server):
    """No ceiling on names x tokens: only the engine's budget stands between the request and a worker."""
    return start_server(
        *real_list_args(),
        workers=2,
        env={
            "ORINOCO_API_KEYS": KEY,
            "ORINOCO_ADMIN_KEYS": ADMIN,
            "ORINOCO_MAX_TOKENS": "1000000",
            "ORINOCO_REQUEST_DEADLINE": str(DEADLINE),
        },
    )


def test_the_issues_request_is_refused_before_any_engine_work(keyed):
    body = {"names": _hostile_names(), "threshold": 0, "limit": 100}
    started = time.monotonic()
    r = keyed.post("/v1/screen", json=body, headers=_auth(ADMIN))
    assert r.status_code == 413, r.text
    problem = r.json()
    assert problem["limit"] == "ORINOCO_MAX_TOKENS" and problem["field"] == "queries"
    assert "10000" in problem["detail"]
    assert time.monotonic() - started < 10
    # The service answers a normal request at once afterwards.
    ok = keyed.post("/v1/screen", json={"name": "Tareck El Aissami"}, headers=_auth(KEY))
    assert ok.status_code == 200 and ok.json()["results"][0]["matches"]


def test_the_engine_budget_stops_it_within_the_deadline_with_memory_bounded(unbounded_size):
    before = max(_workers_peak_rss_mb(unbounded_size))
    started = time.monotonic()
    r = unbounded_size.post(
        "/v1/screen", json={"names": _hostile_names(), "threshold": 0, "limit": 100}, headers=_auth(ADMIN)
    )
    elapsed = time.monotonic() - started
    assert r.status_code == 422, r.text[:300]
    assert r.json()["limit"] in BUDGET_LIMITS
    assert elapsed < DEADLINE + 10  # the deadline, plus parsing 1,000 names and the last step's slack
    peak = max(_workers_peak_rss_mb(unbounded_size))
    assert peak - before < 1500, f"a worker grew from {before:.0f} MB to {peak:.0f} MB"
    ok = unbounded_size.post("/v1/screen", json={"name": "Faouzi Kanaan"}, headers=_auth(KEY))
    assert ok.status_code == 200 and ok.json()["results"][0]["matches"]


def test_a_threshold_under_the_floor_needs_an_admin_key(keyed):
    r = keyed.post("/v1/screen", json={"name": "Mohammed", "threshold": 0.1}, headers=_auth(KEY))
    assert r.status_code == 400 and r.json()["field"] == "threshold"
    assert r.json()["limit"] == "ORINOCO_MIN_THRESHOLD" and "0.3" in r.json()["detail"]
    text = keyed.post("/v1/screen/text", json={"text": "Mohammed Ali", "threshold": 0}, headers=_auth(KEY))
    assert text.status_code == 400 and text.json()["field"] == "threshold"
    assert keyed.post("/v1/screen", json={"name": "Mohammed", "threshold": 0.3}, headers=_auth(KEY)).ok
    admin = keyed.post(
        "/v1/screen", json={"name": "Mohammed", "threshold": 0.1, "limit": 5}, headers=_auth(ADMIN)
    )
    assert admin.status_code == 200 and len(admin.json()["results"][0]["matches"]) == 5


def test_more_matches_than_the_cap_is_a_422_naming_it(keyed):
    names = ["Mohammed Ali", "Ahmed Hassan", "Abdul Rahman", "Al Qaida", "Hezbollah"] * 10
    r = keyed.post("/v1/screen", json={"names": names, "threshold": 0.0, "limit": 10}, headers=_auth(ADMIN))
    assert r.status_code == 422 and r.json()["limit"] == "ORINOCO_MAX_MATCHES", r.text[:300]
    assert "300" in r.json()["detail"]
    fine = keyed.post("/v1/screen", json={"names": names[:5]}, headers=_auth(KEY))
    assert fine.status_code == 200


def test_the_rate_limiter_charges_names_not_requests(start_server):
    server = start_server(
        "--list",
        f"custom={FIXTURE_LISTS / 'custom' / 'watchlist.csv'}",
        env={"ORINOCO_API_KEYS": KEY, "ORINOCO_RATE_LIMIT": "50/hour"},
    )
    names = {"names": [f"Person Number{i}" for i in range(30)]}
    assert server.post("/v1/screen", json=names, headers=_auth(KEY)).status_code == 200
    second = server.post("/v1/screen", json=names, headers=_auth(KEY))
    assert second.status_code == 429 and second.json()["limit"] == "ORINOCO_RATE_LIMIT"
    assert int(second.headers["Retry-After"]) > 0
    too_big = server.post("/v1/screen", json={"names": ["x y"] * 60}, headers=_auth(KEY))
    assert too_big.status_code == 429 and "split it" in too_big.json()["detail"]
    assert server.post("/v1/screen", json={"name": "Jane Doe"}, headers=_auth(KEY)).status_code == 200


def test_the_bucket_takes_a_requests_names():
    now = [0.0]
    limiter = RateLimiter(Rate(10, 10.0), clock=lambda: now[0])
    assert limiter.take("a", 8) == 0.0
    assert limiter.take("a", 3) == pytest.approx(1.0)  # 2 left, one more second for the third
    assert limiter.take("a", 11) == float("inf")


def test_a_text_of_100000_characters_of_listed_words_at_threshold_0_is_bounded(unbounded_size):
    words = [w.capitalize() for n in _hostile_names()[:200] for w in n.split()]
    text = " ".join(words)[:100_000]
    started = time.monotonic()
    r = unbounded_size.post("/v1/screen/text", json={"text": text, "threshold": 0}, headers=_auth(ADMIN))
    elapsed = time.monotonic() - started
    assert r.status_code in (200, 422), r.text[:300]
    if r.status_code == 422:
        assert r.json()["limit"] in BUDGET_LIMITS
    else:
        assert len(r.content) <= 16 * 1024 * 1024
    assert elapsed < DEADLINE + 10
