"""Load test: the real gunicorn under a fixed-time mix of 1-name and 100-name screening requests.

Starts ``orinoco serve`` on the real OFAC SDN 2021 + UN lists on a free 127.0.0.1 port (or uses
``--url``), then runs ``--clients`` threads, each on its own keep-alive ``http.client``
connection, for ``--duration`` seconds. Each request is a 100-name batch with probability
``--batch-share``, else one name. A failed request (no answer, or a status other than 200) is
an error; the client then reconnects. Reports throughput, p50/p99/p99.9 latency and the
errors, each with its time since the start (so a fault injected meanwhile can be matched to
them). tests/test_load.py runs it briefly in CI and requires zero errors.

    /work/venv/bin/python bench/load.py [--duration 30] [--clients 8] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import names, start_server  # noqa: E402 - the sibling benchmark's helpers

KINDS = {"screen1": 1, "screen100": 100}


@dataclass
class Record:
    """What the clients saw, shared by all of them (appends are atomic under the GIL)."""

    start: float = field(default_factory=time.perf_counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: list[tuple[float, str, str]] = field(default_factory=list)  # (seconds in, kind, what)


@dataclass
class Row:
    kind: str
    requests: int
    errors: int
    rps: float
    names_per_s: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float


def _bodies(batch: int, seed: int) -> list[bytes]:
    return [
        json.dumps(
            {"names": names(batch, seed * 1000 + i)} if batch > 1 else {"name": names(1, seed * 1000 + i)[0]}
        ).encode()
        for i in range(20)
    ]


def client(url: str, deadline: float, seed: int, batch_share: float, record: Record) -> None:
    """One keep-alive connection sending the mix until the deadline; reconnects after a failure."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    rng = random.Random(seed)
    bodies = {kind: _bodies(batch, seed) for kind, batch in KINDS.items()}
    headers = {"Content-Type": "application/json"}
    while time.perf_counter() < deadline:
        kind = "screen100" if rng.random() < batch_share else "screen1"
        started = time.perf_counter()
        try:
            conn.request("POST", "/v1/screen", body=rng.choice(bodies[kind]), headers=headers)
            response = conn.getresponse()
            response.read()
            problem = None if response.status == 200 else f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            problem = f"{type(exc).__name__}: {exc}"
        record.latencies[kind].append(time.perf_counter() - started)
        if problem:
            record.errors.append((round(started - record.start, 3), kind, problem))
    conn.close()


def run(url: str, duration: float, clients: int, batch_share: float = 0.1, seed: int = 1) -> Record:
    record = Record()
    deadline = record.start + duration
    threads = [
        threading.Thread(target=client, args=(url, deadline, seed + n, batch_share, record))
        for n in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return record


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


def summarize(record: Record, duration: float) -> list[Row]:
    rows = []
    groups = {**record.latencies, "all": [x for lat in record.latencies.values() for x in lat]}
    for kind, latencies in groups.items():
        ordered = sorted(latencies)
        batch = {"all": None, **KINDS}[kind]
        names_done = (
            sum(len(record.latencies[k]) * b for k, b in KINDS.items())
            if batch is None
            else len(ordered) * batch
        )
        errors = sum(1 for e in record.errors if kind in ("all", e[1]))
        rows.append(
            Row(
                kind,
                len(ordered),
                errors,
                round(len(ordered) / duration, 1),
                round(names_done / duration, 1),
                round(_percentile(ordered, 0.5), 1),
                round(_percentile(ordered, 0.99), 1),
                round(_percentile(ordered, 0.999), 1),
                round(ordered[-1] * 1000 if ordered else 0.0, 1),
            )
        )
    return rows


def table(rows: list[Row]) -> str:
    """The result as a Markdown table (as in the README's Reliability section)."""
    lines = [
        "| requests | count | errors | req/s | names/s | p50 ms | p99 ms | p99.9 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.kind} | {r.requests} | {r.errors} | {r.rps} | {r.names_per_s} | {r.p50_ms} | "
        f"{r.p99_ms} | {r.p999_ms} | {r.max_ms} |"
        for r in rows
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="load this running server (127.0.0.1) instead of starting one")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument(
        "--clients", type=int, default=8, help="concurrent keep-alive connections (default 8)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers when starting one (default 2)"
    )
    parser.add_argument(
        "--batch-share", type=float, default=0.1, help="share of requests that screen 100 names (default 0.1)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output, errors included")
    args = parser.parse_args()
    proc = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if not url:
            proc, url = start_server(args.workers, Path(tmp) / "server.log")
        try:
            run(url, 1.0, 1)  # warm the workers' token caches
            record = run(url, args.duration, args.clients, args.batch_share)
        finally:
            if proc:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
    rows = summarize(record, args.duration)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "errors": record.errors}, indent=2))
        return
    where = f"server started here with {args.workers} workers" if proc else "external server"
    print(
        f"# {url}: {args.clients} clients for {args.duration:.0f} s, {args.batch_share:.0%} 100-name "
        f"requests, {where}, {os.cpu_count()} CPUs shared by server and clients\n"
    )
    print(table(rows))
    for when, kind, what in record.errors[:20]:
        print(f"error at {when:.3f} s ({kind}): {what}")


if __name__ == "__main__":
    main()
