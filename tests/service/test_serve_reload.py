"""Lists reload without downtime on a real gunicorn: SIGHUP, a bad file, POST /v1/admin/reload."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

WATCHLIST = Path(__file__).parents[1] / "fixtures" / "lists" / "custom" / "watchlist.csv"
NEW_ROW = "C9,Zenobia Newlylisted,person,1,,,,added in version 2\n"


def replace_file(path: Path, text: str) -> None:
    """Like an operator's deploy: write aside, then rename over the old file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def wait_for(predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def fresh_get(server, path: str, headers: dict) -> dict:
    """A new connection each time, so that successive calls reach different workers."""
    return requests.get(server.url + path, headers=headers | {"Connection": "close"}, timeout=30).json()


def served_sha(server, headers) -> str:
    return fresh_get(server, "/v1/lists", headers)["lists"][0]["sha256"]


def wait_for_version(server, headers, old: str) -> str:
    """Until the old workers are gone: 8 answers in a row from new workers, all on one new version."""

    def settled():
        shas = {served_sha(server, headers) for _ in range(8)}
        return len(shas) == 1 and old not in shas and shas.pop()

    return wait_for(settled, "every worker on the new list version")


def top_entity(server, auth) -> str | None:
    query = {"name": "Zenobia Newlylisted", "threshold": 0.3}  # the floor with API keys
    body = requests.post(
        server.url + "/v1/screen", json=query, headers=auth | {"Connection": "close"}, timeout=30
    ).json()
    matches = body["results"][0]["matches"]
    return matches[0]["entity_id"] if matches else None


class Hammer(threading.Thread):
    """Screens continuously on new connections; records every failure."""

    def __init__(self, server, headers):
        super().__init__(daemon=True)
        self.server, self.headers = server, headers
        self.stop, self.ok, self.failures = threading.Event(), 0, []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                r = requests.post(
                    self.server.url + "/v1/screen",
                    json={"name": "Jane Doe"},
                    headers=self.headers | {"Connection": "close"},
                    timeout=30,
                )
                if r.status_code == 200:
                    self.ok += 1
                else:
                    self.failures.append(r.status_code)
            except requests.RequestException as exc:
                self.failures.append(repr(exc))


@pytest.fixture(scope="module")
def reloadable(start_server, tmp_path_factory, api_keys):
    folder = tmp_path_factory.mktemp("lists")
    path = folder / "watchlist.csv"
    shutil.copyfile(WATCHLIST, path)
    server = start_server("--list", f"custom={path}", workers=2, env={"ORINOCO_API_KEYS": api_keys[0]})
    return server, path, {"X-API-Key": api_keys[0]}


def test_sighup_swaps_in_a_new_list_version_without_refusing_requests(reloadable):
    server, path, auth = reloadable
    old = served_sha(server, auth)
    master = server.proc.pid
    hammer = Hammer(server, auth)
    hammer.start()
    time.sleep(0.5)
    replace_file(path, WATCHLIST.read_text(encoding="utf-8") + NEW_ROW)
    server.signal(signal.SIGHUP)
    wait_for_version(server, auth, old)
    time.sleep(0.5)
    hammer.stop.set()
    hammer.join()
    assert hammer.failures == [] and hammer.ok > 0
    assert server.proc.poll() is None and server.proc.pid == master
    assert top_entity(server, auth) == "C9"
    assert fresh_get(server, "/v1/lists", auth)["reload"]["error"] is None


def test_a_corrupt_file_keeps_the_old_version_serving_and_is_reported(reloadable):
    server, path, auth = reloadable
    before = served_sha(server, auth)
    replace_file(path, "this is not,a watchlist\nat all\n")
    server.signal(signal.SIGHUP)
    ready = wait_for(
        lambda: (r := fresh_get(server, "/readyz", {}))["reload"]["error"] and r,
        "the reload error in /readyz",
    )
    assert ready["status"] == "ready"
    assert "lacks the column" in ready["reload"]["error"] and str(path) in ready["reload"]["error"]
    assert requests.get(server.url + "/readyz", timeout=30).status_code == 200  # still serving
    lists = fresh_get(server, "/v1/lists", auth)
    assert lists["lists"][0]["sha256"] == before and "lacks the column" in lists["reload"]["error"]
    assert top_entity(server, auth) == "C9"
    metrics = requests.get(server.url + "/metrics", timeout=30).text
    assert "orinoco_list_reload_failed 1.0" in metrics


def test_admin_reload_over_http_loads_the_fixed_file_and_clears_the_error(reloadable):
    server, path, auth = reloadable
    before = served_sha(server, auth)
    replace_file(path, WATCHLIST.read_text(encoding="utf-8"))
    close = {"Connection": "close"}  # earlier reloads retired the workers a pooled connection knew
    assert requests.post(server.url + "/v1/admin/reload", headers=close, timeout=30).status_code == 401
    response = requests.post(server.url + "/v1/admin/reload", headers=auth | close, timeout=30)
    assert response.status_code == 202 and "signalled" in response.json()["status"]
    wait_for_version(server, auth, before)
    assert fresh_get(server, "/v1/lists", auth)["reload"]["error"] is None
    gone = requests.get(
        server.url + "/v1/entities/custom/C9", headers=auth | {"Connection": "close"}, timeout=30
    )
    assert gone.status_code == 404  # version 1 again: C9 is gone
