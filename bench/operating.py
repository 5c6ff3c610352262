"""The real operating point in-process: evaluate.py's `operating` task without HTTP.

Loads the six real reference lists once (OFAC SDN 2021-07 without the dev split's held-out
aliases, written by ``evaluate.py holdout-lists`` to /tmp/holdout-dev), with the cross-list
resolution, then screens the dev negatives and held-out aliases at threshold 0 and reports
what `operating` reports: the alert rate at the screener's default threshold, recall there
and at the real 1% point, in both modes (each row's schema / names only). For iterating on
the scorer; the README's figures come from evaluate.py against a running service.

    python bench/operating.py [--no-schema] [--max-queries 2000 --max-neg 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devsplit import SCHEMA, eval_dir, read, reference_dir  # noqa: E402

from service.engine.screener import Query, Result, Screener  # noqa: E402
from service.lists.specs import load_specs, parse_list_spec  # noqa: E402
from service.resolve.store import cached_resolution  # noqa: E402

HOLDOUT = Path(os.environ.get("ORINOCO_HOLDOUT_DIR", "/tmp/holdout-dev"))
OTHER = [
    "ofac_cons=ofac_cons_2025-12",
    "un=un_sc_2026-02/consolidated.xml",
    "uk=uk_ofsi_2025-04/ConList.xlsx",
    "au=au_dfat_2024-11/regulation8_consolidated.xlsx",
    "ca=ca_sema_2020-04/sema-lmes.xml",
]
HARD = 80.0


def real_lists():
    specs = [parse_list_spec(f"ofac={HOLDOUT}")]
    specs += [parse_list_spec(f"{s.split('=')[0]}={reference_dir() / s.split('=')[1]}") for s in OTHER]
    return load_specs(specs, download=False)


def operating_screener(cache: Path) -> Screener:
    lists = real_lists()
    screener = Screener.from_lists(lists, cache_dir=cache / "index")
    screener.links = cached_resolution(lists, screener, cache / "resolution")
    return screener


def party_best(results: list[Result]) -> list[dict]:
    """Per query: {(list, entity_id): best score}, linked records counting too (as evaluate.py)."""
    out = []
    for r in results:
        best: dict = {}
        for m in r.matches:
            keys = [(m.list, m.entity_id)] + [(x["list"], str(x["entity_id"])) for x in m.also_listed_on]
            for k in keys:
                best[k] = max(best.get(k, 0.0), m.score)
        out.append(best)
    return out


def measure(screener: Screener, no_schema: bool, max_queries: int, max_neg: int, show: int = 0) -> dict:
    negs = read(eval_dir() / "negatives_dev.csv", max_neg)
    nq = [Query(r["query"], "Any" if no_schema else SCHEMA.get(r["kind"], "Any")) for r in negs]
    res = screener.screen(nq, threshold=0.0)
    nbest = party_best(res)
    neg_max = np.array([max(b.values(), default=0.0) for b in nbest])
    thr_default = screener.default_threshold
    rate = float((neg_max > thr_default).mean())
    v = np.sort(neg_max)[::-1]
    thr1 = float(v[int(0.01 * len(v))])
    rows = read(eval_dir() / "alias_holdout_dev.csv", max_queries)
    qs = [Query(r["query"], "Any" if no_schema else SCHEMA.get(r["schema"], "Any")) for r in rows]
    s = np.array(
        [
            b.get(("ofac_sdn", r["entity_id"]), 0.0)
            for b, r in zip(party_best(screener.screen(qs, threshold=0.0)), rows, strict=True)
        ]
    )
    hard = np.array([float(r.get("difficulty") or 100) < HARD for r in rows])
    out = {
        "alerts": 100 * rate,
        "thr1": thr1,
        "rec_def": 100 * float((s > thr_default).mean()),
        "rec_def_hard": 100 * float((s[hard] > thr_default).mean()),
        "rec_1": 100 * float((s > thr1).mean()),
        "rec_1_hard": 100 * float((s[hard] > thr1).mean()),
    }
    if show:
        top = sorted(range(len(negs)), key=lambda i: -neg_max[i])[:show]
        for i in top:
            m = res[i].matches[0]
            print(f"  NEG {neg_max[i]:.3f} {negs[i]['query']!r} -> {m.list}:{m.entity_id} {m.matched_name!r}")
        missed = [i for i in range(len(rows)) if s[i] <= thr_default][:show]
        for i in missed:
            print(f"  MISS {s[i]:.3f} {rows[i]['query']!r} ({rows[i]['schema']}) ent {rows[i]['entity_id']}")
    return out


def choose_threshold(screener: Screener, budget: float = 0.01) -> float:
    """The default threshold: the lowest score at which at most ``budget`` of ALL dev negatives
    alert, with each row's schema and with names only (the higher of the two points)."""
    negs = read(eval_dir() / "negatives_dev.csv", 0)
    points = []
    for no_schema in (False, True):
        qs = [Query(r["query"], "Any" if no_schema else SCHEMA.get(r["kind"], "Any")) for r in negs]
        results = screener.screen(qs, threshold=0.0)
        best = np.array([max(b.values(), default=0.0) for b in party_best(results)])
        v = np.sort(best)[::-1]
        points.append(float(v[int(budget * len(v))]))
        mode = "names only" if no_schema else "each row schema"
        print(f"{mode}: {len(v)} negatives, 1% point {points[-1]:.4f}")
    return max(points)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-schema", action="store_true")
    ap.add_argument("--both", action="store_true")
    ap.add_argument("--max-queries", type=int, default=2000)
    ap.add_argument("--max-neg", type=int, default=5000)
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument(
        "--choose-threshold",
        action="store_true",
        help="print the default threshold: the 1%% point of all dev negatives, both modes",
    )
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("ORINOCO_CACHE_DIR", "/tmp/cache-14")))
    args = ap.parse_args()
    t0 = time.perf_counter()
    screener = operating_screener(args.cache)
    print(f"loaded in {time.perf_counter() - t0:.0f} s; default threshold {screener.default_threshold}")
    if args.choose_threshold:
        print(f"default threshold at the 1% budget: {choose_threshold(screener):.4f}")
        return
    for no_schema in [False, True] if args.both else [args.no_schema]:
        t0 = time.perf_counter()
        m = measure(screener, no_schema, args.max_queries, args.max_neg, args.show)
        print(
            f"{'no schema' if no_schema else 'schema   '}: alerts@default {m['alerts']:.2f}% | "
            f"recall@default {m['rec_def']:.1f} / hard {m['rec_def_hard']:.1f} | 1% point {m['thr1']:.4f} "
            f"recall@1% {m['rec_1']:.1f} / hard {m['rec_1_hard']:.1f} ({time.perf_counter() - t0:.0f} s)"
        )


if __name__ == "__main__":
    main()
