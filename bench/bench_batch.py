"""Benchmark of batch screening (``orinoco screen``); nothing is asserted.

One run builds a synthetic customer file (Faker first and last names of seven locales combined
with a seeded numpy choice, written as Parquet) and prints Markdown tables of:

1. names/second of the local engine on the whole file (reading, screening, writing: the real job),
   with the neighbour index and with the full vocabulary scan it replaced (``--no-before`` skips it);
2. names/second of a brute-force baseline, ``rapidfuzz.process.cdist`` Jaro-Winkler of each
   ASCII-folded, token-sorted name against every listed name (timed on a sample, extrapolated);
3. names/second of the Dask engine on a LocalCluster of 1 and of 2 worker processes, and the ratio;
4. on a sample: the names the engine alerts on next to those the baseline alerts on, the baseline's
   threshold set so that it alerts on as many names as the engine.

    /work/venv/bin/python bench/bench_batch.py [--rows N] [--sample N] [--chunk-size N]
"""

from __future__ import annotations

import argparse
import importlib
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from service.batch.dask_engine import DaskEngine, dask_client
from service.batch.job import Engine, JobOptions, run_job
from service.batch.prepare import Columns
from service.batch.screening import LocalEngine
from service.engine.model import ListVersion, LoadedList
from service.engine.normalize import fold, tokenize
from service.engine.screener import Screener
from service.lists import load_source

REPO = Path(__file__).resolve().parents[1]
LOCALES = ("ar_AA", "fa_IR", "es_MX", "ru_RU", "tr_TR", "en_US", "fr_FR")
SEED = 20261129
TARGET = 10_000.0  # names/s, local engine


def customer_names(rows: int, seed: int = SEED) -> list[str]:
    """``rows`` "First Last" names, an equal share per locale, in a seeded random order."""
    rng = np.random.default_rng(seed)
    names = []
    per_locale = np.bincount(rng.integers(0, len(LOCALES), rows), minlength=len(LOCALES))
    for locale, n in zip(LOCALES, per_locale, strict=True):
        person = importlib.import_module(f"faker.providers.person.{locale}").Provider
        firsts = np.asarray(list(dict.fromkeys(person.first_names)))  # some locales weigh names: keys
        lasts = np.asarray(list(dict.fromkeys(person.last_names)))
        names.extend(np.char.add(np.char.add(rng.choice(firsts, n), " "), rng.choice(lasts, n)).tolist())
    return [names[i] for i in rng.permutation(len(names))]


def sorted_fold(name: str) -> str:
    return " ".join(sorted(tokenize(fold(name))))


def brute_force_scores(lists: list[LoadedList], names: list[str]) -> np.ndarray:
    """Each name's best Jaro-Winkler similarity to any listed name or alias."""
    choices = [sorted_fold(n.name) for lst in lists for e in lst.entities for n in e.names()]
    return process.cdist(
        [sorted_fold(n) for n in names],
        choices,
        scorer=JaroWinkler.normalized_similarity,
        dtype=np.float32,
        workers=-1,
    ).max(axis=1)


def timed_job(
    path: Path, out: Path, make_engine: Callable[[], Engine], versions: list[ListVersion], chunk_size: int
) -> list:
    """[names screened, seconds, names/s, names per cpu second of this process] of one whole job,
    the engine's set-up (shipping the Screener to the workers) included. On a shared machine the
    cpu rate of the local engine is the one to compare (Dask's work is in other processes)."""
    options = JobOptions(path, out, out.with_suffix(".rejects.csv"), Columns(("name",), id="id"), chunk_size)
    start, cpu = time.perf_counter(), time.process_time()
    summary = run_job(options, versions, make_engine())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    n = summary.counts.names_screened
    return [n, seconds, n / seconds, n / cpu]


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000, help="names for the baseline and the overlap")
    parser.add_argument("--chunk-size", type=int, default=5_000)
    default_reference = os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists"
    parser.add_argument("--reference", type=Path, default=Path(default_reference))
    parser.add_argument("--no-before", action="store_true", help="skip the full-scan local engine")
    args = parser.parse_args()

    lists = [
        load_source("ofac", args.reference / "ofac_sdn_2021-07"),
        load_source("un", args.reference / "un_sc_2026-02" / "consolidated.xml"),
    ]
    screener = Screener.from_lists(lists)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    start = time.perf_counter()
    names = customer_names(args.rows)
    path = work / "customers.parquet"
    pd.DataFrame({"id": [f"C{i:08d}" for i in range(len(names))], "name": names}).to_parquet(path)
    generated = time.perf_counter() - start
    print(
        f"{args.rows:,} synthetic customers ({len(set(names)):,} distinct names) written in "
        f"{generated:.1f} s; OFAC SDN 2021-07 + UN 2026-02; chunks of {args.chunk_size:,}; "
        f"{os.cpu_count()} CPUs; load average before the run {os.getloadavg()[0]:.1f}\n"
    )

    def fresh() -> Screener:  # every engine starts from the same cold token cache
        return pickle.loads(snapshot)

    snapshot = pickle.dumps(screener)
    local = timed_job(
        path, work / "local.csv", lambda: LocalEngine(fresh(), 10, None), screener.versions, args.chunk_size
    )
    rates = {"local engine (1 process)": local}
    if not args.no_before:
        scan = pickle.dumps(Screener(lists, screener.index, full_scan=True))
        rates["local engine, full vocabulary scan (before)"] = timed_job(
            path,
            work / "scan.csv",
            lambda: LocalEngine(pickle.loads(scan), 10, None),
            screener.versions,
            args.chunk_size,
        )
        same_scan = (work / "scan.csv").read_bytes() == (work / "local.csv").read_bytes()
    rng = np.random.default_rng(SEED)
    sample_rows = np.sort(rng.choice(len(names), min(args.sample, len(names)), replace=False))
    sample = [names[i] for i in sample_rows]
    start = time.perf_counter()
    brute = brute_force_scores(lists, sample)
    seconds = time.perf_counter() - start
    rates[f"brute-force JW cdist, all cores (sample of {len(sample):,}, extrapolated)"] = [
        args.rows,
        seconds * args.rows / len(sample),
        len(sample) / seconds,
        None,
    ]
    for workers in (1, 2):
        label = f"Dask LocalCluster, {workers} worker process{'es' if workers > 1 else ''}"
        with dask_client(workers=workers, memory_limit="2GiB") as client:  # the cluster's start not timed
            rates[label] = timed_job(
                path,
                work / f"dask{workers}.csv",
                lambda c=client: DaskEngine(c, fresh(), 10, None),
                screener.versions,
                args.chunk_size,
            )
    print(
        table(
            ["engine", "names", "seconds", "names/s", f"of the {TARGET:,.0f}/s aim", "names per cpu s"],
            [
                [
                    label,
                    f"{n:,}",
                    f"{sec:.1f}",
                    f"{rate:,.0f}",
                    f"{rate / TARGET:.2f}",
                    f"{per_cpu:,.0f}" if per_cpu and "Dask" not in label else "-",
                ]
                for label, (n, sec, rate, per_cpu) in rates.items()
            ],
        )
    )
    one, two = (rates[k][2] for k in list(rates)[-2:])
    same = all((work / f"dask{w}.csv").read_bytes() == (work / "local.csv").read_bytes() for w in (1, 2))
    print(f"\nDask scaling 1 -> 2 workers: x{two / one:.2f}; output identical to the local engine's: {same}")
    if not args.no_before:
        before = rates["local engine, full vocabulary scan (before)"][2]
        cpu_before = rates["local engine, full vocabulary scan (before)"][3]
        print(
            f"local engine, neighbour index / full scan (before): x{local[2] / before:.2f} wall, "
            f"x{local[3] / cpu_before:.2f} cpu; output identical: {same_scan}"
        )
    print()

    alerts = pd.read_csv(work / "local.csv", dtype=str, keep_default_na=False)
    alerted = set(alerts["input_id"])
    engine_hit = np.array([f"C{i:08d}" in alerted for i in sample_rows])
    n_engine = int(engine_hit.sum())
    cut = float(np.sort(brute)[::-1][n_engine - 1]) if n_engine else 1.01
    brute_hit = brute >= cut
    both = int((engine_hit & brute_hit).sum())
    union = int((engine_hit | brute_hit).sum())
    header = [
        "sample names",
        f"engine alerts (threshold {screener.default_threshold:g})",
        f"brute-force alerts (JW >= {cut:.3f})",
        "alerted by both",
        "Jaccard",
    ]
    jaccard = f"{both / union:.2f}" if union else "-"
    print(table(header, [[f"{len(sample):,}", n_engine, int(brute_hit.sum()), both, jaccard]]))
    print(f"\nload average after the run: {os.getloadavg()[0]:.1f} (shared machine: compare rows, not runs)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
