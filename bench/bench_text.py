"""Benchmark: free-text screening speed, in-process and over HTTP (not a test, nothing asserted).

The shared Iran-Venezuela article, repeated up to 100,000 characters (the endpoint's limit), is
screened against the real OFAC SDN 2021 list: by ``screen_text`` in this process, then by
POST /v1/screen/text on an ``orinoco serve`` (gunicorn, 1 worker) started on a free loopback
port. Prints a Markdown table of characters/second (median of ``--repeat`` runs). A repeated
article repeats its candidate spans, which are screened once each: the single article is
timed too, as the cost of 9,000 characters of distinct text.

    /work/venv/bin/python bench/bench_text.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from service.lists import load_source
from service.screener import Screener
from service.text import screen_text

REPO = Path(__file__).resolve().parents[1]

MAX_CHARS = 100_000


def shared_dir() -> Path:
    ref = os.environ.get("ORINOCO_REFERENCE_DIR")
    return Path(ref).parent if ref else REPO.parent / "shared"


def long_text(article: str, size: int = MAX_CHARS) -> str:
    """The article repeated, cut at the last paragraph break that fits in ``size`` characters."""
    text = (article.rstrip() + "\n\n") * (size // len(article) + 1)
    return text[: text.rfind("\n\n", 0, size)]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, text: str) -> dict:
    request = urllib.request.Request(url, data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def serve(ofac: Path, cache: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    orinoco = Path(sys.executable).with_name("orinoco")
    command = [str(orinoco), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
               "--list", f"ofac={ofac}"]
    proc = subprocess.Popen(command, env={**os.environ, "ORINOCO_CACHE_DIR": cache},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"orinoco serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("orinoco serve was not ready within 180 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead")
    args = parser.parse_args()
    shared = shared_dir()
    ofac = shared / "reference_lists" / "ofac_sdn_2021-07"
    article = (shared / "articles" / "iran-venezuela-2021-01-31.txt").read_text(encoding="utf-8")
    text = long_text(article)
    screener = Screener.from_lists([load_source("ofac", ofac)])
    screen_text(screener, article)  # warm the engine's caches as a server would be
    rows = []
    for label, body in (("in-process, the article", article), ("in-process, repeated", text)):
        seconds, mentions = timed(lambda body=body: screen_text(screener, body), args.repeat)
        rows.append({"path": label, "characters": len(body), "seconds": seconds, "mentions": len(mentions)})
    with tempfile.TemporaryDirectory() as cache:
        proc, url = serve(ofac, cache)
        try:
            post(url + "/v1/screen/text", article)
            for label, body in (("HTTP, the article", article), ("HTTP, repeated", text)):
                seconds, doc = timed(lambda body=body: post(url + "/v1/screen/text", body), args.repeat)
                rows.append({"path": label, "characters": len(body), "seconds": seconds,
                             "mentions": len(doc["mentions"])})
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    for row in rows:
        row["chars_per_s"] = row["characters"] / row["seconds"]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print("| path | characters | median seconds | characters/s | mentions |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['path']} | {row['characters']:,} | {row['seconds']:.3f} | {row['chars_per_s']:,.0f} "
              f"| {row['mentions']} |")


if __name__ == "__main__":
    main()
