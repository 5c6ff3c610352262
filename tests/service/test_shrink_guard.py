"""A reload of a list that lost more than ORINOCO_MAX_SHRINK of its records is refused on the real
gunicorn: OFAC SDN 2021 cut to 60% of its lines (8,976 -> about 5,400 entities, a copy still
running or a full disk) parses, but the served lists stay, and /readyz, /v1/lists and the
orinoco_list_reload_failed metric say why."""

from __future__ import annotations

import os
import shutil
import signal
import time

import requests
from conftest import reference_dir


def _fresh(server, path: str):
    return requests.get(server.url + path, headers={"Connection": "close"}, timeout=30)


def test_a_list_cut_to_60_percent_is_refused_on_reload(start_server, tmp_path):
    source = reference_dir() / "ofac_sdn_2021-07"
    ofac = tmp_path / "ofac"
    shutil.copytree(source, ofac)
    server = start_server("--list", f"ofac={ofac}", workers=2)
    assert _fresh(server, "/v1/lists").json()["lists"][0]["entities"] == 8976
    sdn = ofac / "sdn.csv"
    lines = sdn.read_bytes().splitlines(keepends=True)
    cut = sdn.with_suffix(".tmp")
    cut.write_bytes(b"".join(lines[: len(lines) * 6 // 10]))
    os.replace(cut, sdn)
    server.signal(signal.SIGHUP)
    deadline = time.monotonic() + 90
    while not (error := _fresh(server, "/readyz").json()["reload"]["error"]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert error and "ofac_sdn" in error and "ORINOCO_MAX_SHRINK" in error and "8976" in error
    ready = _fresh(server, "/readyz")
    assert ready.status_code == 200 and ready.json()["lists"][0]["entities"] == 8976
    lists = _fresh(server, "/v1/lists").json()
    assert lists["lists"][0]["entities"] == 8976 and lists["reload"]["error"] == error
    metrics = _fresh(server, "/metrics").text
    assert "orinoco_list_reload_failed 1.0" in metrics
    hit = requests.post(server.url + "/v1/screen", json={"name": "Tareck El Aissami"}, timeout=30).json()
    assert hit["results"][0]["matches"][0]["entity_id"] == "20250"
