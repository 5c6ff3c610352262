"""``orinoco serve``: flags and ORINOCO_* variables, signals as with gunicorn itself, --dev, bad options."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests

WATCHLIST = Path(__file__).parents[1] / "fixtures" / "lists" / "custom" / "watchlist.csv"
OFAC = Path(__file__).parents[1] / "fixtures" / "lists" / "ofac"
LISTS = ["--list", f"custom={WATCHLIST}"]


def test_environment_configures_lists_threshold_and_workers(start_server):
    lists = f"custom={WATCHLIST},ofac={OFAC}"
    server = start_server(
        command=["orinoco", "serve"],
        env={"ORINOCO_LISTS": lists, "ORINOCO_THRESHOLD": "0.42", "ORINOCO_WORKERS": "1"},
    )
    assert [v["id"] for v in server.get("/v1/lists").json()["lists"]] == ["custom", "ofac_sdn"]
    assert server.post("/v1/screen", json={"name": "Jane Doe"}).json()["threshold"] == 0.42
    # one worker: forked at once to answer while the lists load, then again on the loaded lists
    assert server.log().count("Booting worker") == 2


def test_a_flag_wins_over_its_variable(start_server):
    server = start_server(
        *LISTS, "--threshold", "0.9", env={"ORINOCO_THRESHOLD": "0.1", "ORINOCO_LISTS": f"ofac={OFAC}"}
    )
    assert server.post("/v1/screen", json={"name": "Jane Doe"}).json()["threshold"] == 0.9
    assert [v["id"] for v in server.get("/v1/lists").json()["lists"]] == ["custom"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_term_and_int_stop_the_master_cleanly(start_server, sig):
    server = start_server(*LISTS)
    server.signal(sig)
    assert server.proc.wait(timeout=40) == 0
    assert "Shutting down: Master" in server.log()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--threshold", "1.5"], {}, "threshold must be between 0 and 1"),
        (["--list", "nonsense"], {}, "expected SOURCE=PATH"),
        (["--list", "ofac=/nonexistent/folder"], {}, "/nonexistent/folder"),
        ([], {"ORINOCO_WORKERS": "many"}, "ORINOCO_WORKERS='many' is not a valid value"),
        ([], {"ORINOCO_THRESHOLD": "-1"}, "threshold must be between 0 and 1"),
        (["--workers", "1"], {"ORINOCO_LISTS": "un=/nonexistent.xml"}, "/nonexistent.xml"),
    ],
)
def test_bad_options_exit_2_with_a_message(start_server, args, env, message):
    server = start_server(command=["orinoco", "serve", *(args or LISTS)], env=env, ready=False)
    assert server.proc.wait(timeout=60) == 2
    log = server.log()
    assert message in log and "Traceback" not in log


def test_dev_server_loads_in_the_background_and_reloads_on_hup(start_server, tmp_path):
    path = tmp_path / "watchlist.csv"
    path.write_text(WATCHLIST.read_text(encoding="utf-8"), encoding="utf-8")
    server = start_server("--dev", "--list", f"custom={path}")
    before = server.get("/v1/lists").json()["lists"][0]["sha256"]
    assert "Running on" in server.log()  # Flask's development server, not gunicorn
    with path.open("a", encoding="utf-8") as f:
        f.write("C9,Zenobia Newlylisted,person,1,,,,\n")
    server.signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while server.get("/v1/lists").json()["lists"][0]["sha256"] == before:
        assert time.monotonic() < deadline, "the dev server did not reload on SIGHUP"
        time.sleep(0.2)
    assert server.get("/v1/entities/custom/C9").status_code == 200


def test_metrics_survive_a_worker_restart_and_their_directory_goes_with_the_master(start_server, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    server = start_server(*LISTS, workers=2, env={"TMPDIR": str(tmp)})
    for _ in range(5):
        server.post("/v1/screen", json={"name": "Jane Doe"})
    [metrics_dir] = tmp.glob("orinoco-metrics-*")
    assert list(metrics_dir.glob("counter_*.db"))
    server.signal(signal.SIGHUP)  # every worker is replaced
    deadline = time.monotonic() + 60
    while server.log().count("Worker exiting") < 4:  # both old workers are gone (2 went at start-up)
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert metrics_dir.is_dir()
    text = requests.get(server.url + "/metrics", headers={"Connection": "close"}, timeout=30).text
    series = 'orinoco_http_requests_total{endpoint="/v1/screen",method="POST",status="200"}'
    line = next(x for x in text.splitlines() if x.startswith(series))
    assert float(line.rsplit(" ", 1)[1]) == 5.0  # counted by workers that are gone
    assert server.stop() == 0
    assert not metrics_dir.exists()
