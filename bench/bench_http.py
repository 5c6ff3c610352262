"""Benchmark: the HTTP service under concurrent keep-alive clients (not a test, nothing asserted).

Starts ``orinoco serve`` (gunicorn) on the real OFAC SDN 2021 + UN lists, or uses ``--url``, then
runs each scenario for a fixed time with a pool of client threads, each on its own keep-alive
``http.client`` connection:

  healthz    GET /healthz: the cost of the HTTP stack alone (gunicorn + Flask + the client)
  screen1    POST /v1/screen with one name
  screen100  POST /v1/screen with 100 names

and prints requests/s, names/s and p50/p99 latency per scenario, and each screen scenario's
ratios to /healthz from the same run. The clients run on the same machine as the server, so
on a small machine they compete with it for CPU: compare runs on the same machine only.

    /work/venv/bin/python bench/bench_http.py [--duration 10] [--clients 4] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
FIRST = [
    "Mohammed",
    "Ali",
    "Hassan",
    "Maria",
    "John",
    "Olga",
    "Wei",
    "Fatima",
    "Carlos",
    "Ahmad",
    "Ivan",
    "Yusuf",
    "Elena",
    "Omar",
    "Tareck",
    "Ghazi",
    "Sergei",
    "Aisha",
    "Juan",
    "Li",
]
LAST = [
    "Smith",
    "Al-Rashid",
    "Petrov",
    "Garcia",
    "Nasreddin",
    "Kanaan",
    "Haddad",
    "Ivanova",
    "Zhang",
    "Rahman",
    "El Aissami",
    "Lopez",
    "Khan",
    "Sokolov",
    "Hussein",
    "Chen",
    "Morales",
    "Abdullah",
]
ORGS = ["Trading LLC", "Shipping Company", "Bank", "Holdings Ltd", "Import Export", "Foundation"]


def names(count: int, seed: int) -> list[str]:
    """Deterministic realistic names: people and a few organizations, some of them listed."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if rng.random() < 0.15:
            out.append(f"{rng.choice(LAST)} {rng.choice(ORGS)}")
        else:
            out.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
    return out


@dataclass
class Scenario:
    name: str
    method: str
    path: str
    batch: int  # names per request; 0 for GET /healthz


@dataclass
class Outcome:
    scenario: str
    requests: int
    errors: int
    seconds: float
    rps: float
    names_per_s: float
    p50_ms: float
    p99_ms: float


SCENARIOS = [
    Scenario("healthz", "GET", "/healthz", 0),
    Scenario("screen1", "POST", "/v1/screen", 1),
    Scenario("screen100", "POST", "/v1/screen", 100),
]


def client(
    url: str, scenario: Scenario, deadline: float, seed: int, latencies: list[float], errors: list[int]
) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    bodies = (
        [json.dumps({"names": names(scenario.batch, seed * 1000 + i)}).encode() for i in range(20)]
        if scenario.batch
        else [None]
    )
    headers = {"Content-Type": "application/json"}
    i = 0
    while time.perf_counter() < deadline:
        body = bodies[i % len(bodies)]
        i += 1
        start = time.perf_counter()
        try:
            conn.request(scenario.method, scenario.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()  # reconnects on the next request
            ok = False
        latencies.append(time.perf_counter() - start)
        if not ok:
            errors.append(1)
    conn.close()


def run(url: str, scenario: Scenario, clients: int, duration: float) -> Outcome:
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    deadline = start + duration
    threads = [
        threading.Thread(target=client, args=(url, scenario, deadline, n, latencies, errors))
        for n in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    lat = sorted(latencies) or [0.0]
    done = len(latencies)
    p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return Outcome(
        scenario.name,
        done,
        len(errors),
        round(elapsed, 2),
        round(done / elapsed, 1),
        round(done * scenario.batch / elapsed, 1),
        round(p50 * 1000, 2),
        round(p99 * 1000, 2),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    workers: int,
    log_path: Path,
    lists: list[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> tuple[subprocess.Popen, str]:
    """``orinoco serve`` on a free port with ``lists`` (``--list`` values; default the real OFAC
    SDN 2021 + UN files), its output in ``log_path``; returns once /readyz answers 200."""
    ref = Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")
    if lists is None:
        lists = [f"ofac={ref / 'ofac_sdn_2021-07'}", f"un={ref / 'un_sc_2026-02' / 'consolidated.xml'}"]
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("orinoco")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        *(a for v in lists for a in ("--list", v)),
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"orinoco serve exited:\n{log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"orinoco serve did not become ready in {timeout:.0f} s")


def report(outcomes: list[Outcome], as_json: bool) -> None:
    base = next((o for o in outcomes if o.scenario == "healthz"), None)
    if as_json:
        print(json.dumps({"results": [asdict(o) for o in outcomes]}, indent=2))
        return
    print(
        f"{'scenario':<10} {'requests':>9} {'errors':>6} {'req/s':>9} {'names/s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    for o in outcomes:
        print(
            f"{o.scenario:<10} {o.requests:>9} {o.errors:>6} {o.rps:>9.1f} {o.names_per_s:>9.1f} "
            f"{o.p50_ms:>8.2f} {o.p99_ms:>8.2f}"
        )
    if base and base.rps:
        for o in outcomes:
            if o is not base:
                print(
                    f"{o.scenario} vs healthz: req/s x{o.rps / base.rps:.3f}, "
                    f"p50 x{o.p50_ms / max(base.p50_ms, 1e-9):.1f}, "
                    f"p99 x{o.p99_ms / max(base.p99_ms, 1e-9):.1f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario (default 10)")
    parser.add_argument(
        "--clients", type=int, default=4, help="concurrent keep-alive connections (default 4)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers when starting one (default 2)"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(s.name for s in SCENARIOS),
        help="comma-separated subset of healthz,screen1,screen100",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    wanted = [s for s in SCENARIOS if s.name in args.scenarios.split(",")]
    proc = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if not url:
            proc, url = start_server(args.workers, Path(tmp) / "server.log")
        try:
            run(url, SCENARIOS[1], 1, 1.0)  # warm the token caches of the workers
            outcomes = [run(url, s, args.clients, args.duration) for s in wanted]
        finally:
            if proc:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
    if not args.json:
        where = f"server started here with {args.workers} workers" if proc else "external server"
        print(
            f"# {url}, {args.clients} clients, {args.duration:.0f} s per scenario, {where}, "
            f"{os.cpu_count()} CPUs shared by server and clients"
        )
    report(outcomes, args.json)


if __name__ == "__main__":
    main()
