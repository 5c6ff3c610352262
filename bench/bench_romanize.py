"""What the per-script romanization costs: Latin-only queries must not be slower, and what a
query in another script costs, each next to the same queries without romanization, in one run.

On OFAC SDN 2021-07 + UN 2026-02: 2,000 Latin names (alias_holdout_dev and Latin negatives) and
the 1,200 cross-script queries of ../shared/eval/script, screened in chunks of 500, cold (fresh
Screener: empty token cache) and warm (a Screener that has seen the names); with and without
romanization interleaved, each figure the best of ``--repeat`` runs (the machine is shared).

    python bench/bench_romanize.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from devsplit import eval_dir, read, reference_dir

from service.engine import romanize
from service.engine.index import build_index
from service.engine.screener import Query, Screener
from service.lists import load_source

ALL = romanize.enabled()


def rate(screener: Screener, names: list[str], scripts: set[str]) -> float:
    """Queries per second of one pass over the names with these romanizers enabled."""
    romanize.enable(scripts)
    t = time.perf_counter()
    for i in range(0, len(names), 500):
        screener.screen([Query(n) for n in names[i : i + 500]], threshold=0.5)
    romanize.enable(ALL)
    return len(names) / (time.perf_counter() - t)


def compare(lists, index, names: list[str], repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` rates, off and on interleaved: cold on a fresh Screener (empty token
    cache), warm on one Screener whose cache holds both modes' tokens."""
    out = {"cold off": 0.0, "cold on": 0.0, "warm off": 0.0, "warm on": 0.0}
    warm = Screener(lists, index)
    rate(warm, names, ALL)
    rate(warm, names, set())
    for _ in range(repeat):
        for mode, scripts in (("off", set()), ("on", ALL)):
            out[f"cold {mode}"] = max(out[f"cold {mode}"], rate(Screener(lists, index), names, scripts))
            out[f"warm {mode}"] = max(out[f"warm {mode}"], rate(warm, names, scripts))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ref = reference_dir()
    lists = [
        load_source("ofac", ref / "ofac_sdn_2021-07"),
        load_source("un", ref / "un_sc_2026-02" / "consolidated.xml"),
    ]
    index = build_index(lists)
    latin = [r["query"] for r in read(eval_dir() / "alias_holdout_dev.csv", 1000)]
    latin += [r["query"] for r in read(eval_dir() / "negatives_dev.csv", 3000) if r["query"].isascii()][:1000]
    other = [r["query"] for r in read(eval_dir() / "script" / "alias_holdout_script_dev.csv", 0)]
    print("| queries | romanization | cold q/s | warm q/s | cold ratio | warm ratio |")
    print("|---|---|---|---|---|---|")
    for label, names in ((f"{len(latin):,} Latin", latin), (f"{len(other):,} other scripts", other)):
        r = compare(lists, index, names, args.repeat)
        off_c, off_w, on_c, on_w = r["cold off"], r["warm off"], r["cold on"], r["warm on"]
        print(f"| {label} | off (generic transliteration) | {off_c:,.0f} | {off_w:,.0f} | 1.00 | 1.00 |")
        print(f"| {label} | on | {on_c:,.0f} | {on_w:,.0f} | {on_c / off_c:.2f} | {on_w / off_w:.2f} |")


if __name__ == "__main__":
    main()
