"""`orinoco serve --refresh` against a publisher on a local HTTP server (no internet): a changed file is
downloaded, checked and swapped in while keep-alive clients screen without one failed request; a
truncated or half-empty file is refused, the old version keeps serving, and /v1/lists, /readyz and
/metrics say so; a list not confirmed current for too long is reported stale."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from conftest import FIXTURE_LISTS
from lists_support import http_server
from test_api_openapi import check
from test_fault_reload_load import fresh, wait_until
from test_load import load_module

UN = (FIXTURE_LISTS / "un" / "consolidated.xml").read_bytes()
REGISTRY = """
[[list]]
id = "un_sc"
parser = "un"
publisher = "test"
format = "UN XML"
entry = "consolidated.xml"
files = [{{ name = "consolidated.xml", url = "{url}/un/consolidated.xml", required = true }}]
"""


def metric(server, name: str, list_id: str) -> float | None:
    text = requests.get(server.url + "/metrics", timeout=30).text
    m = re.search(rf'^{name}{{list="{list_id}"}} (\S+)$', text, re.MULTILINE)
    return float(m.group(1)) if m else None


@pytest.fixture()
def publisher():
    routes = {"/un/consolidated.xml": (UN, "ok")}
    with http_server(routes) as url:
        yield routes, url


def start(start_server, tmp_path, url: str, *args: str, env: dict | None = None):
    registry = tmp_path / "sources.toml"
    registry.write_text(REGISTRY.format(url=url), encoding="utf-8")
    return start_server(
        *args,
        workers=2,
        env={
            "ORINOCO_SOURCES": str(registry),
            "ORINOCO_RESOLVE": "0",
            "ORINOCO_DOWNLOAD_RETRIES": "1",
            **(env or {}),
        },
    )


def test_refresh_swaps_in_a_new_version_and_refuses_bad_ones_without_a_failed_request(
    start_server, tmp_path, publisher
):
    routes, url = publisher
    server = start(start_server, tmp_path, url, "--refresh", "2s")
    [first] = fresh(server, "/v1/lists")["lists"]
    assert first["id"] == "un_sc" and first["refresh"]["error"] is None
    records = []
    clients = threading.Thread(target=lambda: records.append(load_module().run(server.url, 20, 6)))
    clients.start()
    time.sleep(1)
    changed = UN.replace(b"</CONSOLIDATED_LIST>", b"<!-- republished --></CONSOLIDATED_LIST>")
    routes["/un/consolidated.xml"] = (changed, "ok")  # a new publication
    second = wait_until(
        lambda: (v := fresh(server, "/v1/lists")["lists"][0])["sha256"] != first["sha256"] and v,
        "the new version swapped in",
    )
    assert second["refresh"]["last_change"] is not None
    routes["/un/consolidated.xml"] = (changed[: len(changed) // 2], "ok")  # cut short, yet announced whole
    body = wait_until(
        lambda: (b := fresh(server, "/v1/lists"))["lists"][0]["refresh"]["error"] and b,
        "the refused download",
    )
    assert "not well-formed" in body["lists"][0]["refresh"]["error"]
    assert body["lists"][0]["sha256"] == second["sha256"]  # the good version keeps serving
    assert metric(server, "orinoco_list_refresh_failed", "un_sc") == 1.0
    ready = fresh(server, "/readyz")
    assert ready["status"] == "ready" and "last refresh failed for un_sc" in ready["detail"]
    spec = server.get("/openapi.json").json()  # the refresh fields are documented
    check(spec, "ListsResponse", body)
    check(spec, "Ready", ready)
    clients.join(timeout=60)
    assert not clients.is_alive() and records
    assert records[0].errors == [], records[0].errors[:10]
    assert sum(len(v) for v in records[0].latencies.values()) > 50
    routes["/un/consolidated.xml"] = (changed, "ok")  # the publisher fixes it: the error clears
    wait_until(
        lambda: fresh(server, "/v1/lists")["lists"][0]["refresh"]["error"] is None, "the error cleared"
    )
    assert metric(server, "orinoco_list_refresh_failed", "un_sc") == 0.0
    assert metric(server, "orinoco_list_refresh_age_seconds", "un_sc") < 60


def test_a_half_empty_publication_is_refused(start_server, tmp_path, publisher):
    routes, url = publisher
    server = start(start_server, tmp_path, url, "--refresh", "2s")
    [first] = fresh(server, "/v1/lists")["lists"]
    individuals = list(re.finditer(rb"<INDIVIDUAL>.*?</INDIVIDUAL>\s*", UN, re.DOTALL))
    entities = list(re.finditer(rb"<ENTITY>.*?</ENTITY>\s*", UN, re.DOTALL))
    half = UN[: individuals[0].start()] + UN[individuals[-1].end() :]  # every individual gone
    assert len(individuals) > len(entities)  # so more than half of the records
    routes["/un/consolidated.xml"] = (half, "ok")
    body = wait_until(
        lambda: (b := fresh(server, "/v1/lists"))["lists"][0]["refresh"]["error"] and b,
        "the refused download",
    )
    assert "fewer than the" in body["lists"][0]["refresh"]["error"]
    assert body["lists"][0]["sha256"] == first["sha256"] and body["lists"][0]["entities"] == first["entities"]


def test_a_list_not_confirmed_current_is_stale(start_server, tmp_path, publisher):
    routes, url = publisher
    server = start(start_server, tmp_path, url, "--refresh", "1s", "--max-list-age", "3s")
    routes["/un/consolidated.xml"] = (b"", "missing")  # the publisher is down: every check fails
    ready = wait_until(lambda: (r := fresh(server, "/readyz"))["stale_lists"] and r, "the stale list", 30)
    assert ready["stale_lists"] == ["un_sc"] and "stale lists: un_sc" in ready["detail"]
    assert ready["status"] == "ready"  # an alert, the old version still answers
    assert metric(server, "orinoco_list_stale", "un_sc") == 1.0
    assert "HTTP 404" in fresh(server, "/v1/lists")["lists"][0]["refresh"]["error"]


def test_a_bad_refresh_interval_is_refused_with_its_name(start_server):
    server = start_server("--refresh", "often", ready=False)
    assert server.proc.wait(timeout=60) != 0
    assert "--refresh: 'often' is not a duration" in server.log()


def test_a_list_path_is_re_read_when_its_file_changes(start_server, tmp_path):
    path = tmp_path / "watchlist.csv"
    full = (FIXTURE_LISTS / "custom" / "watchlist.csv").read_bytes()
    path.write_bytes(full)
    server = start_server("--list", f"custom={path}", "--refresh", "1s", env={"ORINOCO_RESOLVE": "0"})
    [first] = fresh(server, "/v1/lists")["lists"]
    assert first["refresh"]["error"] is None
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(full + b"X9,Another Listed Name,person,1,,,,\n")
    tmp.replace(path)
    second = wait_until(
        lambda: (v := fresh(server, "/v1/lists")["lists"][0])["entities"] != first["entities"] and v,
        "the changed file loaded",
    )
    assert second["entities"] == first["entities"] + 1 and second["refresh"]["last_change"]
    body = server.post("/v1/screen", json={"queries": [{"name": "Another Listed Name"}]}).json()
    assert [m["entity_id"] for m in body["results"][0]["matches"]][:1] == ["X9"]
