"""What a new user meets first: ``orinoco serve`` with an empty cache and no ``--list``.

The port answers at once (/healthz 200, /readyz 503 with the loading progress) while the master
loads the six reference lists, then /readyz turns 200 for good; a second server on the same port
fails at once with a clear message.
"""

from __future__ import annotations

import subprocess
import time

import pytest
import requests
from conftest import ORINOCO, reference_dir, server_env

from service.lists.registry import DEFAULT_REGISTRY

REFERENCE_LISTS = ("ofac_sdn_2021-07", "ofac_cons_2025-12", "un_sc_2026-02", "au_dfat_2024-11",
                   "ca_sema_2020-04", "uk_ofsi_2025-04")


def offline_registry(tmp_path) -> str:
    """The shipped registry with every URL on a closed local port: downloads fail at once, as offline."""
    text = DEFAULT_REGISTRY.read_text(encoding="utf-8")
    path = tmp_path / "sources.toml"
    path.write_text(text.replace('url = "https://', 'url = "http://127.0.0.1:9/'), encoding="utf-8")
    return str(path)


def poll(url: str) -> tuple[int, dict] | None:
    try:
        response = requests.get(url, timeout=2)
    except requests.ConnectionError:
        return None
    return response.status_code, response.json()


def test_the_port_answers_at_once_and_readyz_shows_progress_until_ready(start_server, tmp_path):
    if not all((reference_dir() / name).exists() for name in REFERENCE_LISTS):
        pytest.skip(f"the six reference lists are not all under {reference_dir()}")
    started = time.monotonic()
    server = start_server(env={"ORINOCO_SOURCES": offline_registry(tmp_path)}, ready=False, workers=2)
    first_answer = None
    seen: list[tuple[float, int, dict]] = []
    while time.monotonic() - started < 300:
        assert server.proc.poll() is None, server.log()[-3000:]
        health = poll(server.url + "/healthz")
        if health is not None:
            assert health[0] == 200
            first_answer = first_answer or time.monotonic() - started
            status, body = poll(server.url + "/readyz")
            seen.append((time.monotonic() - started, status, body))
            if status == 200:
                break
        time.sleep(0.25)
    assert first_answer is not None and first_answer < 2.0, f"first answer after {first_answer} s"
    assert seen[-1][1] == 200 and seen[-1][2]["status"] == "ready"
    assert len(seen[-1][2]["lists"]) == 6
    loading = [body for _, status, body in seen if status == 503]
    assert loading, "never saw /readyz 503 while loading"
    assert all(body["status"] == "loading" and body["progress"]["load"] == "start-up" for body in loading)
    assert {b["progress"]["phase"] for b in loading} >= {"linking"}
    assert any(b["progress"]["lists"] == {"parsed": 6, "total": 6} for b in loading)
    assert any(0 < (b["progress"]["linking"]["done"] or 0) < (b["progress"]["linking"]["total"] or 0)
               for b in loading), "no linking progress n of m seen"
    # once ready, ready for good (the empty workers are retired, never asked again)
    for _ in range(10):
        again = requests.get(server.url + "/readyz", headers={"Connection": "close"}, timeout=5)
        assert again.status_code == 200
    log = server.log()
    for phase in ("6 lists parsed", "index ready", "records linked across lists"):
        assert f"start-up: {phase}" in log and " s" in log.split(f"start-up: {phase}")[1].splitlines()[0]

    # a second server on the same port: a clear error at once, before loading anything
    second_started = time.monotonic()
    port = server.url.rsplit(":", 1)[1]
    second = subprocess.run([str(ORINOCO), "serve", "--host", "127.0.0.1", "--port", port],
                            env=server_env(tmp_path), capture_output=True, text=True, timeout=30)
    assert time.monotonic() - second_started < 2.0
    assert second.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is already in use" in second.stderr
    assert "Traceback" not in second.stderr


def test_a_first_load_that_fails_stops_the_server_with_the_reason(start_server, tmp_path):
    bad = tmp_path / "watchlist.csv"
    bad.write_text("this is not,a watchlist\n", encoding="utf-8")
    server = start_server("--list", f"custom={bad}", ready=False)
    assert server.proc.wait(timeout=60) == 2
    log = server.log()
    assert "the lists could not be loaded" in log and "lacks the column" in log and "Traceback" not in log
