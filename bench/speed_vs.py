"""Single-query latency and batch throughput of this checkout next to another one, in one run.

    git archive <commit> | tar -x -C /tmp/base      # the checkout to compare with
    python bench/speed_vs.py --other /tmp/base [--rounds 2] [--customers 30000]

Each round times both trees in child processes (same lists: OFAC SDN 2021-07 + UN 2026-02, each
with its own warm index cache), alternating so that a busy machine slows both alike, and prints
the ratios (this / other). Queries: dev held-out aliases and dev negatives, mixed, fixed seed;
with ``--customers N``, also ``orinoco screen``'s path (``screen_queries``, chunks of 5,000, a cold
token cache) on N synthetic customers made as ``bench_batch.py`` makes them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, random, sys, time, csv, os
# an editable install's import hook would win over PYTHONPATH and time this checkout twice
sys.meta_path = [f for f in sys.meta_path if "editable" not in type(f).__module__.lower()]
from pathlib import Path
import service
assert Path(service.__file__).is_relative_to(os.environ["PYTHONPATH"]), service.__file__
from service.lists import load_source
from service.engine.screener import Query, Screener
ref, ev, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
lists = [load_source("ofac", ref / "ofac_sdn_2021-07"),
         load_source("un", ref / "un_sc_2026-02/consolidated.xml")]
screener = Screener.from_lists(lists, cache_dir=cache)
rows = [r["query"] for r in csv.DictReader(open(ev / "alias_holdout_dev.csv", encoding="utf-8"))]
rows += [r["query"] for r in csv.DictReader(open(ev / "negatives_dev.csv", encoding="utf-8"))]
names = random.Random(7).sample(rows, 2300)
screener.screen([Query(n) for n in names[:50]])  # warm-up
single = names[50:300]
t, c = time.perf_counter(), time.process_time()
for n in single:
    screener.screen([Query(n)])
t_single, c_single = (time.perf_counter() - t) / len(single), (time.process_time() - c) / len(single)
batch = names[300:]
t, c = time.perf_counter(), time.process_time()
for i in range(0, len(batch), 100):
    screener.screen([Query(n) for n in batch[i:i + 100]])
qps, cpu_qps = len(batch) / (time.perf_counter() - t), len(batch) / (time.process_time() - c)
out = {"single_ms": 1000 * t_single, "batch_qps": qps,
       "single_cpu_ms": 1000 * c_single, "batch_cpu_qps": cpu_qps}
if len(sys.argv) > 4:  # orinoco screen's path (screen_queries, chunks of 5,000) on synthetic customers
    import pandas as pd
    from service.batch.screening import screen_queries
    customers = open(sys.argv[4], encoding="utf-8").read().splitlines()
    fresh = Screener(lists, screener.index)  # a cold token cache, as a new job starts with
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(customers), 5000):
        part = customers[i:i + 5000]
        frame = pd.DataFrame({"input_id": [str(k) for k in range(i, i + len(part))], "input_name": part,
                              "schema": "Any", "birth_date": "", "country": "", "identifiers": ""})
        screen_queries(fresh, frame, 10, None)
    out["customers_qps"] = len(customers) / (time.perf_counter() - t)
    out["customers_cpu_qps"] = len(customers) / (time.process_time() - c)
print(json.dumps(out))
"""


def run(tree: Path, cache: Path, ref: Path, ev: Path, customers: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(ref),
            str(ev),
            str(cache),
            *([str(customers)] if customers else []),
        ],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser()
    ap.add_argument("--other", type=Path, required=True, help="the checkout to compare with")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--customers", type=int, default=0, help="also time orinoco screen's path on N bench_batch customers"
    )
    ap.add_argument("--reference", type=Path, default=repo.parent / "shared" / "reference_lists")
    args = ap.parse_args()
    ev = args.reference.parent / "eval"
    with tempfile.TemporaryDirectory() as tmp:
        caches = {"this": Path(tmp) / "this", "other": Path(tmp) / "other"}
        trees = {"this": repo, "other": args.other.resolve()}
        customers = None
        if args.customers:
            sys.path.insert(0, str(repo / "bench"))
            from bench_batch import customer_names

            customers = Path(tmp) / "customers.txt"
            customers.write_text("\n".join(customer_names(args.customers)), encoding="utf-8")
        for name in trees:  # build both indexes before timing
            run(trees[name], caches[name], args.reference, ev)
        got: dict[str, list[dict]] = {"this": [], "other": []}
        for _ in range(args.rounds):
            for name in ("other", "this"):
                got[name].append(run(trees[name], caches[name], args.reference, ev, customers))
    best = {
        n: {
            k: (min if k.endswith("_ms") else max)(r[k] for r in rs)
            for k in (
                "single_ms",
                "single_cpu_ms",
                "batch_qps",
                "batch_cpu_qps",
                "customers_qps",
                "customers_cpu_qps",
            )
            if k in rs[0]
        }
        for n, rs in got.items()
    }
    print("| measure | this | other | ratio (this / other) |\n|---|---|---|---|")
    s, o = best["this"], best["other"]
    for key, label in (("single_ms", "wall"), ("single_cpu_ms", "cpu")):
        print(
            f"| single query, ms {label} (lower is better) | {s[key]:.2f} | {o[key]:.2f} | "
            f"{s[key] / o[key]:.2f}x |"
        )
    for key, label in (("batch_qps", "wall"), ("batch_cpu_qps", "cpu")):
        print(
            f"| batch of 100, names/s {label} (higher is better) | {s[key]:.0f} | {o[key]:.0f} | "
            f"{s[key] / o[key]:.2f}x |"
        )
    for key, label in (("customers_qps", "wall"), ("customers_cpu_qps", "cpu")):
        if key in s:
            print(
                f"| orinoco screen's path, {args.customers:,} synthetic customers, names/s {label} | "
                f"{s[key]:.0f} | {o[key]:.0f} | {s[key] / o[key]:.2f}x |"
            )


if __name__ == "__main__":
    main()
