"""Benchmark: what a new user waits for. ``orinoco serve`` with no ``--list`` and an empty cache,
offline (every download URL on a closed local port), so the six reference snapshots are loaded;
then a second start on the same cache, then a SIGHUP reload of the same lists (not a test).

Prints, for each: seconds to the first /healthz answer, to /readyz 200, the cpu seconds the
server used until ready, the load average, and the load phases (lists parsed, index, linking) as
/readyz reported them; then the warm start and the reload as a ratio of the cold start measured in
the same run.

With ``--baseline CMD`` (another checkout's ``orinoco``), cold starts of the baseline and of this
checkout alternate ``--rounds`` times first, each on its own empty cache; the medians are printed
with this checkout's ratio to the baseline, and the clusters both resolved are compared whole.
``--fresh-numba`` gives each of those cold starts an empty numba cache (``NUMBA_CACHE_DIR``): the
first start after an install, which compiles the engine's loops.

    python bench/bench_startup.py [--port 8870] [--workers 2] [--baseline CMD --rounds 3 [--fresh-numba]]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from service.lists.registry import DEFAULT_REGISTRY

ORINOCO = Path(sys.executable).with_name("orinoco")


def wait(url: str, deadline: float, proc: subprocess.Popen) -> tuple[float | None, float, dict]:
    """(seconds to the first answer, seconds to ready, the last /readyz body) from now."""
    started, first = time.monotonic(), None
    body: dict = {}
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"orinoco serve exited with {proc.returncode}")
        try:
            response = requests.get(url + "/readyz", timeout=2)
        except requests.ConnectionError:
            time.sleep(0.05)
            continue
        first = first if first is not None else time.monotonic() - started
        body = response.json()
        if response.status_code == 200:
            return first, time.monotonic() - started, body
        time.sleep(0.1)
    raise SystemExit("not ready in time")


def cpu_seconds(pid: int) -> float:
    """User + system cpu of a process and of its children it has waited for (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def phases(body: dict) -> str:
    done = (body.get("progress") or {}).get("phases") or []
    return ", ".join(f"{p['phase']} {p['seconds']:.1f} s" for p in done)


def clusters(cache: Path) -> list | None:
    """The clusters a server resolved into ``cache`` (None if it wrote none)."""
    found = sorted((cache / "resolution").glob("clusters-*.json"))
    return json.loads(found[-1].read_text(encoding="utf-8"))["clusters"] if found else None


def cold_start(
    command: list[str], env: dict, url: str, log: Path
) -> tuple[float | None, float, str, float, float]:
    """(first answer, ready, phases, cpu, load average at launch) of one start, then stopped."""
    load = os.getloadavg()[0]
    started = time.monotonic()
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        first, ready, body = wait(url, started + 600, proc)
        return first, ready, phases(body), cpu_seconds(proc.pid), load
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def against_baseline(args, tmp: Path, registry: Path, url: str, command: list[str]) -> None:
    """Cold starts of the baseline and of this checkout, alternating, each on an empty cache."""
    base = [*args.baseline.split(), *command[1:]]
    runs: dict[str, list] = {"baseline": [], "this checkout": []}
    found: dict[str, list | None] = {}
    for n in range(args.rounds):
        for label, cmd in (("baseline", base), ("this checkout", command)):
            cache = tmp / f"cold-{label.split()[0]}-{n}"
            env = {**os.environ, "ORINOCO_CACHE_DIR": str(cache), "ORINOCO_SOURCES": str(registry)}
            env.pop("ORINOCO_LISTS", None)
            if args.fresh_numba:
                env["NUMBA_CACHE_DIR"] = str(tmp / f"numba-{label.split()[0]}-{n}")
            runs[label].append(cold_start(cmd, env, url, tmp / "server.log"))
            found[label] = clusters(cache)
    what = "cold start, no numba cache" if args.fresh_numba else "cold start, empty cache"
    print(f"{what:28} {'first answer':>12} {'ready':>8} {'cpu':>8} {'load':>5}  phases")
    for label, rows in runs.items():
        for first, ready, done, cpu, load in rows:
            print(f"{label:28} {first or 0:11.2f}s {ready:7.1f}s {cpu:7.1f}s {load:5.1f}  {done}")
    medians = {
        label: (statistics.median(r[1] for r in rows), statistics.median(r[3] for r in rows))
        for label, rows in runs.items()
    }
    (b_ready, b_cpu), (t_ready, t_cpu) = medians["baseline"], medians["this checkout"]
    print(
        f"medians of {args.rounds}: baseline ready {b_ready:.1f} s, cpu {b_cpu:.1f} s; this checkout ready "
        f"{t_ready:.1f} s ({b_ready / t_ready:.2f}x faster), cpu {t_cpu:.1f} s ({b_cpu / t_cpu:.2f}x less)"
    )
    same = found["baseline"] is not None and found["baseline"] == found["this checkout"]
    print(f"clusters: {len(found['this checkout'] or [])}, identical to the baseline's: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8870)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--orinoco", default=str(ORINOCO), help="the command to start (another checkout)")
    parser.add_argument("--baseline", help="another checkout's orinoco command, to compare cold starts with")
    parser.add_argument("--rounds", type=int, default=3, help="cold starts of each, with --baseline")
    parser.add_argument(
        "--fresh-numba",
        action="store_true",
        help="with --baseline: each cold start with an empty numba cache",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    registry = tmp / "sources.toml"
    registry.write_text(
        DEFAULT_REGISTRY.read_text(encoding="utf-8").replace('url = "https://', 'url = "http://127.0.0.1:9/'),
        encoding="utf-8",
    )
    env = {**os.environ, "ORINOCO_CACHE_DIR": str(tmp / "cache"), "ORINOCO_SOURCES": str(registry)}
    env.pop("ORINOCO_LISTS", None)
    url = f"http://127.0.0.1:{args.port}"
    command = [args.orinoco, "serve", "--port", str(args.port), "--workers", str(args.workers)]
    if args.baseline:
        against_baseline(args, tmp, registry, url, command)
        print()
    rows = []
    for label in ("cold start (empty cache)", "warm start (same cache)"):
        load = os.getloadavg()[0]
        started = time.monotonic()
        with (tmp / "server.log").open("ab") as log:
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            first, ready, body = wait(url, started + 600, proc)
            rows.append((label, first, ready, phases(body), cpu_seconds(proc.pid), load))
            if label.startswith("warm"):
                before = requests.get(url + "/v1/lists", timeout=10).json()["lists"][0]["loaded_at"]
                load = os.getloadavg()[0]
                hup = time.monotonic()
                proc.send_signal(signal.SIGHUP)
                while (
                    requests.get(url + "/v1/lists", headers={"Connection": "close"}, timeout=10).json()[
                        "lists"
                    ][0]["loaded_at"]
                    == before
                ):
                    time.sleep(0.1)
                body = requests.get(url + "/readyz", timeout=10).json()
                rows.append(
                    ("SIGHUP reload (same lists)", None, time.monotonic() - hup, phases(body), None, load)
                )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    cold = rows[0][2]
    print(f"{'what':28} {'first answer':>12} {'ready':>8} {'x cold':>7} {'cpu':>8} {'load':>5}  phases")
    for label, first, ready, done, cpu, load in rows:
        first_text = f"{first:.2f} s" if first is not None else "-"
        cpu_text = f"{cpu:.1f}s" if cpu is not None else "-"
        print(
            f"{label:28} {first_text:>12} {ready:7.1f}s {ready / cold:7.2f} {cpu_text:>8} {load:5.1f}  {done}"
        )
    print(
        "(cpu: seconds of cpu the server's master used until ready, with its finished children: "
        "the forked loaders and the retired first workers; load: the 1-minute load average at launch, "
        "on a shared machine read wall next to it and to cpu)"
    )
    print(f"(logs in {tmp / 'server.log'})")


if __name__ == "__main__":
    main()
