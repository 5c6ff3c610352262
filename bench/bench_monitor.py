"""Benchmark of ongoing monitoring (``service.monitor``); nothing is asserted.

One run, on the real OFAC SDN 2021 + UN 2026 lists and a synthetic book (Faker names of seven
locales, as bench_batch.py):

1. import N customers with ``orinoco monitor import``'s code path (CSV, chunked): rows/s;
2. screen the whole book against the whole lists (what a full re-screen costs): names/s, seconds;
3. change ~100 listed records (an alias and a birth date each, as a list update does), then
   time the delta re-screen: the snapshot sync, the book read in id order and pre-filtered against
   an index of the delta's records (``Screener.may_match``, exact), the few customers left screened
   against those records only, the alerts written. Target: at most 60 s; printed against step 2.

    /work/venv/bin/python bench/bench_monitor.py [--customers N] [--delta N] [--database-url URL]

``--keep FILE`` copies the SQLite store as screened in full (before the delta) to FILE, with that
run's figures beside it (FILE.json); ``--from FILE`` runs step 3 alone on a copy of such a store
(the delta's code measured again on the same book), printing the full screening as recorded there.
"""

from __future__ import annotations

import argparse
import copy
import csv
import gc
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from bench_batch import SEED, customer_names
from sqlalchemy import func, select

from service.engine.model import Name
from service.engine.screener import Screener
from service.lists import load_source
from service.monitor import Monitor, alerts, rescreen
from service.monitor.db import Database
from service.monitor.importer import ImportColumns, import_file
from service.monitor.models import OPEN, Alert, Customer, RescreenJob
from service.monitor.records import record_hashes
from service.paths import cache_dir, reference_dir

TARGET_SECONDS = 60.0


def changed_lists(lists, count: int, seed: int = SEED):
    """The same lists with ``count`` records changed: one alias added, the birth date moved."""
    rng = random.Random(seed)
    out, picked = [], []
    people = [
        (li, i) for li, lst in enumerate(lists) for i, e in enumerate(lst.entities) if e.schema == "Person"
    ]
    chosen = set(rng.sample(people, count))
    for li, lst in enumerate(lists):
        entities = list(lst.entities)
        for i, e in enumerate(entities):
            if (li, i) in chosen:
                e = copy.deepcopy(e)
                e.aliases.append(Name(e.name.replace(",", "") + " Jr"))
                for b in e.birth_dates:
                    b.date = str(int(b.date[:4]) + 1) + b.date[4:]
                entities[i] = e
                picked.append((e.list_id, e.id))
        version = copy.copy(lst.version)
        version.sha256 = "bench-delta-" + version.sha256[:40]
        out.append(type(lst)(version, entities))
    return out, picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--delta", type=int, default=100)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="copy the SQLite store screened in full to this file")
    parser.add_argument("--from", dest="source", type=Path, help="a store kept by --keep: the delta only")
    parser.add_argument(
        "--verify", action="store_true", help="then screen every customer against the delta: the same alerts?"
    )
    args = parser.parse_args()
    if args.database_url and (args.keep or args.source):
        parser.error("--keep and --from copy a SQLite store: not with --database-url")
    work = Path(tempfile.mkdtemp(prefix="orinoco-bench-monitor-"))
    if args.source:
        copy_store(args.source, work / "book.sqlite3")
    ref = reference_dir()
    lists = [
        load_source("ofac", str(ref / "ofac_sdn_2021-07")),
        load_source("un", str(ref / "un_sc_2026-02" / "consolidated.xml")),
    ]
    screener = Screener.from_lists(lists, cache_dir=cache_dir() / "index")
    settle()
    monitor = Monitor(Database(args.database_url or f"sqlite:///{work / 'book.sqlite3'}"), chunk=args.chunk)
    monitor.start()
    monitor.lists_loaded(screener)
    monitor.work(screener)  # the first snapshot (no customer yet), or none if the store has it
    if args.source:
        full = json.loads(args.source.with_suffix(args.source.suffix + ".json").read_text())
    else:
        full = full_screening(args, monitor, screener, work)
        if args.keep:
            monitor.db.dispose()
            copy_store(work / "book.sqlite3", args.keep)
            args.keep.with_suffix(args.keep.suffix + ".json").write_text(json.dumps(full))
    delta(args, monitor, lists, screener, full, work)


def settle() -> None:
    """What ``orinoco serve`` does after each load (``serving.on_reload``): the loaded index leaves
    the cyclic collector's view, which then only walks what the screening makes."""
    gc.collect()
    gc.freeze()


def copy_store(source: Path, target: Path) -> None:
    """A SQLite store with its write-ahead log if one is left (the engine closed, it should not be)."""
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + "-wal"))


def full_screening(args, monitor: Monitor, screener: Screener, work: Path) -> dict:
    """Steps 1 and 2: the book imported and screened in full; their figures."""
    names = customer_names(args.customers)
    book = work / "customers.csv"
    with book.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name"])
        writer.writerows((f"c{i:08d}", n) for i, n in enumerate(names))
    t = time.perf_counter()
    summary = import_file(monitor, book, ImportColumns("id", ("name",)), work / "rejects.csv", args.chunk)
    t_import = time.perf_counter() - t

    t = time.perf_counter()
    screened = monitor.screen_pending(screener, chunk=args.chunk)
    t_full = time.perf_counter() - t
    with monitor.db.transaction() as s:
        alerts_full = s.scalar(select(func.count()).select_from(Alert))
    return {
        "customers": args.customers,
        "imported": summary.imported,
        "rejected": summary.rejected,
        "t_import": t_import,
        "screened": screened,
        "t_full": t_full,
        "alerts_full": alerts_full,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def delta(args, monitor: Monitor, lists, screener: Screener, full: dict, work: Path) -> None:
    """Step 3: ~100 listed records changed and the book re-screened against them; the table."""
    new_lists, _ = changed_lists(lists, args.delta)
    t = time.perf_counter()
    new = Screener.from_lists(new_lists)  # the reload's index build, not part of the re-screen
    settle()
    t_index = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    job_id = monitor.lists_loaded(new)
    while monitor.work(new):
        pass
    t_delta, cpu_delta, load = time.perf_counter() - t, time.process_time() - cpu, os.getloadavg()[0]
    with monitor.db.transaction() as s:
        job = s.get(RescreenJob, job_id)
        done, records, opened = job.customers_done, len(job.records), job.alerts_opened
        checked, keys = job.customers_checked, [tuple(k) for k in job.records]

    imported, t_import = full["imported"], full["t_import"]
    screened, t_full = full["screened"], full["t_full"]
    print(
        f"\n## Monitoring: {full['customers']:,} synthetic customers, OFAC SDN 2021 + UN 2026 "
        f"({len(screener.entities):,} records), {monitor.db.engine.dialect.name}\n"
    )
    print("| step | measured | rate |")
    print("|---|---:|---:|")
    print(
        f"| import ({imported:,} customers, {full['rejected']} rejected) | {t_import:.1f} s | "
        f"{imported / t_import:,.0f} rows/s |"
    )
    print(
        f"| full screening of the book ({screened:,} customers, {full['alerts_full']:,} alerts) "
        f"| {t_full:.1f} s | "
        f"{screened / t_full:,.0f} names/s |"
    )
    print(f"| index build of the changed lists (the reload, not the re-screen) | {t_index:.1f} s | |")
    print(
        f"| delta re-screen: {records} changed records, {checked:,} customers pre-filtered, {done:,} "
        f"screened, {opened} alerts opened | **{t_delta:.1f} s** ({cpu_delta:.1f} s cpu, load {load:.1f}) "
        f"| {checked / t_delta:,.0f} customers/s |"
    )
    print(
        f"\nDelta re-screen vs full re-screen {'of the kept store' if args.source else 'in the same run'}: "
        f"{t_delta:.1f} s vs {t_full:.1f} s "
        f"({t_full / t_delta:.1f}x faster); target {TARGET_SECONDS:.0f} s: "
        f"{'met' if t_delta <= TARGET_SECONDS else 'NOT met'}. Work files in {work}"
    )
    if args.source:
        print(
            f"(Import and full screening as measured at {full['when']} by the run that kept {args.source}.)"
        )
    if args.verify:
        verify(monitor, new, keys)


def verify(monitor: Monitor, screener: Screener, keys: list[tuple[str, str]]) -> None:
    """Every customer screened against the delta's records, without the pre-filter: the open alerts
    on those records must be exactly its matches (the pre-filter is exact)."""
    t = time.perf_counter()
    part, hashes, scope = screener.subset(keys), record_hashes(screener), set(keys)
    expected, cursor, n = set(), "", 0
    while True:
        with monitor.db.transaction() as s:
            book = s.execute(
                select(
                    Customer.id,
                    Customer.names,
                    Customer.schema,
                    Customer.birth_date,
                    Customer.country,
                    Customer.name_rows,
                    Customer.rows_format,
                )
                .where(Customer.active.is_(True), Customer.id > cursor)
                .order_by(Customer.id)
                .limit(20000)
            ).all()
        if not book:
            break
        hits = alerts.screen(part, book, hashes, rescreen._prepared(book))
        expected |= {(cid, key) for cid, found in hits.items() for key in found}
        cursor, n = book[-1].id, n + len(book)
    with monitor.db.transaction() as s:
        got = {
            (a.customer_id, (a.list_id, a.entity_id))
            for a in s.scalars(select(Alert).where(Alert.status == OPEN))
            if (a.list_id, a.entity_id) in scope
        }
    print(
        f"\nVerification: {n:,} customers screened against the delta's {len(keys)} records without the "
        f"pre-filter in {time.perf_counter() - t:.0f} s: {len(expected)} matches, {len(got)} open alerts on "
        f"those records: {'the same' if got == expected else f'DIFFERENT ({len(expected - got)} missing)'}"
    )


if __name__ == "__main__":
    main()
