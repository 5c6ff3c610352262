"""Under load, on the real gunicorn: zero errors in steady state, and a SIGKILLed worker costs at
most the requests that were on its connections at that moment.

The load is bench/load.py (keep-alive clients mixing 1-name and 100-name requests), briefly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FIXTURE_LISTS, REPO

LOAD_SCRIPT = REPO / "bench" / "load.py"
CLIENTS = 8


def load_module():
    spec = importlib.util.spec_from_file_location("bench_load", LOAD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def workers_of(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    if not children.exists():
        pytest.skip("needs Linux /proc to find gunicorn's workers")
    return {int(p) for p in children.read_text().split()}


def wait_for_workers(master: int, count: int, without: int | None = None) -> set[int]:
    """Gunicorn's workers once there are ``count`` of them (none of them ``without``), within 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = workers_of(master)
        if len(workers) == count and without not in workers:
            return workers
        time.sleep(0.1)
    raise AssertionError(f"gunicorn has workers {workers_of(master)}, expected {count} without {without}")


def test_ten_seconds_of_mixed_load_have_zero_errors(server):
    """The CI-sized run of bench/load.py on the real OFAC + UN lists, 2 workers."""
    run = subprocess.run(
        [
            sys.executable,
            str(LOAD_SCRIPT),
            "--url",
            server.url,
            "--duration",
            "10",
            "--clients",
            str(CLIENTS),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    rows = {r["kind"]: r for r in result["rows"]}
    assert result["errors"] == []
    assert rows["screen1"]["requests"] >= 50 and rows["screen100"]["requests"] >= 5, rows
    assert rows["all"]["p99_ms"] < 10_000, rows


@pytest.fixture()
def small_server(start_server):
    return start_server("--list", f"custom={FIXTURE_LISTS / 'custom' / 'watchlist.csv'}", workers=2)


def test_a_sigkilled_worker_is_replaced_and_only_its_in_flight_requests_fail(small_server):
    load = load_module()
    master = small_server.proc.pid
    before = wait_for_workers(master, 2)
    records = []
    thread = threading.Thread(target=lambda: records.append(load.run(small_server.url, 8, CLIENTS)))
    started = time.perf_counter()
    thread.start()
    time.sleep(3)
    victim = min(before)
    killed_at = time.perf_counter()
    os.kill(victim, signal.SIGKILL)
    wait_for_workers(master, 2, without=victim)
    thread.join(timeout=60)
    assert not thread.is_alive() and records
    record = records[0]
    assert small_server.proc.poll() is None
    # Each client loses at most the one request it had on a connection to the dead worker.
    assert len(record.errors) <= CLIENTS, record.errors
    kill_offset = killed_at - started
    assert all(kill_offset - 5 <= when <= kill_offset + 5 for when, _, _ in record.errors), (
        kill_offset,
        record.errors,
    )
    assert sum(len(v) for v in record.latencies.values()) - len(record.errors) > 100
    after = load.run(small_server.url, 1, 2)  # the replacement serves: clean again
    assert after.errors == [] and after.latencies["screen1"]
