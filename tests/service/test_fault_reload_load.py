"""SIGHUP reloads under keep-alive load (bench/load.py's clients): no request fails, whether the new
files load or are truncated; a truncated file keeps the old version, and the API says so.

tests/test_serve_reload.py covers the same on one client opening a new connection per request;
this one keeps 8 connections alive across the worker restarts, as a production client pool does.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import pytest
import requests
from conftest import FIXTURE_LISTS
from test_load import load_module

from service.api import ApiConfig, ScreenerProvider, create_app
from service.engine.screener import Screener
from service.lists import load_source


def fresh(server, path: str) -> dict:
    return requests.get(server.url + path, headers={"Connection": "close"}, timeout=30).json()


def wait_until(predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture()
def ofac_server(start_server, tmp_path):
    folder = tmp_path / "ofac"
    shutil.copytree(FIXTURE_LISTS / "ofac", folder)
    return start_server("--list", f"ofac={folder}", workers=2), folder


def replace(path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_reloads_under_keep_alive_load_fail_no_request(ofac_server):
    server, folder = ofac_server
    sdn = folder / "sdn.csv"
    original = sdn.read_bytes()
    first = fresh(server, "/v1/lists")["lists"][0]["sha256"]
    records = []
    thread = threading.Thread(target=lambda: records.append(load_module().run(server.url, 12, 8)))
    thread.start()
    time.sleep(2)
    replace(sdn, original.replace(b"NORTHERN STAR", b"NORTHERN STAR II"))  # a new, good version
    server.signal(signal.SIGHUP)
    second = wait_until(
        lambda: (sha := fresh(server, "/v1/lists")["lists"][0]["sha256"]) != first and sha, "the new version"
    )
    time.sleep(2)
    replace(sdn, original[: len(original) // 2])  # a truncated file, as a broken download leaves
    server.signal(signal.SIGHUP)
    ready = wait_until(lambda: (r := fresh(server, "/readyz"))["reload"]["error"] and r, "the reload error")
    thread.join(timeout=60)
    assert not thread.is_alive() and records
    record = records[0]
    assert record.errors == [], record.errors[:10]
    assert sum(len(v) for v in record.latencies.values()) > 100
    assert ready["status"] == "ready" and "truncated" in ready["reload"]["error"]
    lists = fresh(server, "/v1/lists")
    assert lists["lists"][0]["sha256"] == second and "truncated" in lists["reload"]["error"]


def test_a_reload_that_lost_most_entities_is_refused(tmp_path):
    """A custom CSV cut short still parses (its last row skipped): the entity count gives it away."""
    path = tmp_path / "watchlist.csv"
    full = (FIXTURE_LISTS / "custom" / "watchlist.csv").read_bytes()
    path.write_bytes(full)
    provider = ScreenerProvider(build=lambda: Screener.from_lists([load_source("custom", path)]))
    assert provider.load()
    served = provider.screener
    path.write_bytes(full[: full.index(b"\nC2,")])  # only C1's rows left: 1 entity of 4
    assert load_source("custom", path).version.entities == 1
    assert not provider.load() and provider.screener is served
    client = create_app(provider, ApiConfig()).test_client()
    for route in ("/readyz", "/v1/lists"):
        assert "75% fewer than the 4 of the current one" in client.get(route).get_json()["reload"]["error"]
    path.write_bytes(full)
    assert provider.load() and client.get("/readyz").get_json()["reload"]["error"] is None
