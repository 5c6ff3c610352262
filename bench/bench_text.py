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
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import start_server  # noqa: E402 - the sibling benchmark's helper

from service.engine.screener import Screener
from service.lists import load_source
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


def post(url: str, text: str) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


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
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(
            1, Path(tmp) / "server.log", [f"ofac={ofac}"], {"ORINOCO_CACHE_DIR": tmp}, timeout=180
        )
        try:
            post(url + "/v1/screen/text", article)
            for label, body in (("HTTP, the article", article), ("HTTP, repeated", text)):
                seconds, doc = timed(lambda body=body: post(url + "/v1/screen/text", body), args.repeat)
                rows.append(
                    {
                        "path": label,
                        "characters": len(body),
                        "seconds": seconds,
                        "mentions": len(doc["mentions"]),
                    }
                )
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
        print(
            f"| {row['path']} | {row['characters']:,} | {row['seconds']:.3f} | {row['chars_per_s']:,.0f} "
            f"| {row['mentions']} |"
        )


if __name__ == "__main__":
    main()
