"""Benchmark: parse OFAC SDN 2021-07 + UN 2026-02 from the raw files (not a test, nothing asserted).

Prints the cold parse (first in a fresh process) and the best warm parse, next to the time
``pandas.read_csv`` needs just to read the same OFAC files (no joins, no remarks parsing), and
the ratio. If ``service.engine.screener.Screener.from_lists`` exists, also times building the index.

    /work/venv/bin/python bench/bench_lists.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd

from service.engine.model import LoadedList
from service.lists import load_source

REPO = Path(__file__).resolve().parents[1]
OFAC_FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
OFAC_DIR, UN_FILE = "ofac_sdn_2021-07", "un_sc_2026-02/consolidated.xml"


def reference_dir() -> Path:
    return Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")


def parse_both(ref: Path) -> tuple[float, list[LoadedList]]:
    start = time.perf_counter()
    lists = [load_source("ofac", ref / OFAC_DIR), load_source("un", ref / UN_FILE)]
    return time.perf_counter() - start, lists


def pandas_read(ref: Path) -> float:
    start = time.perf_counter()
    for name in OFAC_FILES:
        pd.read_csv(ref / OFAC_DIR / name, header=None, encoding="latin-1", dtype=str, keep_default_na=False)
    return time.perf_counter() - start


def index_build(lists: list[LoadedList]) -> float | None:
    try:
        from service.engine.screener import Screener
    except ImportError:
        return None
    if not hasattr(Screener, "from_lists"):
        return None
    start = time.perf_counter()
    Screener.from_lists(lists)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm repetitions (best is reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    ref = reference_dir()
    cold, lists = parse_both(ref)
    repeats = range(max(1, args.repeat))
    warm = min(parse_both(ref)[0] for _ in repeats)
    pandas_s = min(pandas_read(ref) for _ in repeats)
    ofac_only = min(_time(lambda: load_source("ofac", ref / OFAC_DIR)) for _ in repeats)
    result = {
        "entities": {x.version.id: x.version.entities for x in lists},
        "names": {x.version.id: x.version.names for x in lists},
        "cold_parse_ofac_un_s": round(cold, 3),
        "warm_parse_ofac_un_s": round(warm, 3),
        "warm_parse_ofac_s": round(ofac_only, 3),
        "pandas_read_ofac_s": round(pandas_s, 3),
        "ofac_parse_over_pandas_read": round(ofac_only / pandas_s, 2),
        "index_build_s": _round(index_build(lists)),
    }
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:<28} {value}")


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    main()
