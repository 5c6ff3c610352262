"""What the per-script romanization costs: Latin-only queries must not be slower, and what a
query in another script costs, each next to the same queries without romanization, in one run.

On OFAC SDN 2021-07 + UN 2026-02: 2,000 Latin names (alias_holdout_dev and Latin negatives) and
the 1,200 cross-script queries of ../shared/eval/script, screened in chunks of 500, cold (fresh
Screener: empty token cache) and warm (second pass); each figure is the best of ``--repeat`` runs.

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


def timed(lists, index, names: list[str], scripts: set[str]) -> tuple[float, float]:
    """(cold, warm) queries per second with these romanizers enabled."""
    romanize.enable(scripts)
    screener = Screener(lists, index)
    out = []
    for _ in range(2):
        t = time.perf_counter()
        for i in range(0, len(names), 500):
            screener.screen([Query(n) for n in names[i: i + 500]], threshold=0.5)
        out.append(len(names) / (time.perf_counter() - t))
    romanize.enable(ALL)
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ref = reference_dir()
    lists = [load_source("ofac", ref / "ofac_sdn_2021-07"),
             load_source("un", ref / "un_sc_2026-02" / "consolidated.xml")]
    index = build_index(lists)
    latin = [r["query"] for r in read(eval_dir() / "alias_holdout_dev.csv", 1000)]
    latin += [r["query"] for r in read(eval_dir() / "negatives_dev.csv", 3000) if r["query"].isascii()][:1000]
    other = [r["query"] for r in read(eval_dir() / "script" / "alias_holdout_script_dev.csv", 0)]
    print("| queries | romanization | cold q/s | warm q/s | cold ratio | warm ratio |")
    print("|---|---|---|---|---|---|")
    for label, names in ((f"{len(latin):,} Latin", latin), (f"{len(other):,} other scripts", other)):
        off, on = [], []
        for _ in range(args.repeat):  # interleaved, so that load from elsewhere hits both alike
            off.append(timed(lists, index, names, set()))
            on.append(timed(lists, index, names, ALL))
        off_c, off_w = max(x[0] for x in off), max(x[1] for x in off)
        on_c, on_w = max(x[0] for x in on), max(x[1] for x in on)
        print(f"| {label} | off (generic transliteration) | {off_c:,.0f} | {off_w:,.0f} | 1.00 | 1.00 |")
        print(f"| {label} | on | {on_c:,.0f} | {on_w:,.0f} | {on_c / off_c:.2f} | {on_w / off_w:.2f} |")


if __name__ == "__main__":
    main()
