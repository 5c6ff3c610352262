"""Benchmark and measurement of entity resolution across the real lists (nothing asserted).

Loads OFAC SDN 2021 + UN + UK + AU + CA from ORINOCO_REFERENCE_DIR (as the registry names them),
then prints:
  * the time to load (parse) the lists, to build the index, and to resolve, with the ratios, and
    the resolution again with the full vocabulary scan the neighbour index replaced (the same
    clusters; ``--no-before`` skips it);
  * how many records of each list are in one cluster with a record of another list;
  * the recall of the identifier links when the resolver is not shown any document number
    (names, birth dates and countries only): the share of the pairs linked by a shared
    passport / national ID / IMO / registration number that still end up in one cluster;
  * with ``--sample N``, a seeded random sample of N links, and of N more among the borderline
    ones (linked on name, birth date and country only, under ``BORDERLINE`` points), written to
    a CSV for judging by hand (bench/resolve_sample.csv, judged in bench/resolve_judgement.md).

    /work/venv/bin/python bench/bench_resolve.py [--lists ofac_sdn,un_sc,...] [--sample 40]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from pathlib import Path

from service.engine.screener import Screener
from service.lists import load_source
from service.lists.registry import load_registry
from service.resolve import Resolution, resolve
from service.resolve.report import linked_counts

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = "ofac_sdn,un_sc,uk_ofsi,au_dfat,ca_sema"
BORDERLINE = 1.15  # an exact name and nothing else, or a near name with a birth year


def reference_dir() -> Path:
    return Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")


def pairs_in_clusters(resolution: Resolution) -> set[tuple]:
    return {tuple(sorted((a, b))) for c in resolution.clusters for a in c.members for b in c.members if a < b}


def facts(e) -> str:
    return (
        f"{e.list_id}:{e.id} {e.schema} {e.name!r} dob={[b.date for b in e.birth_dates][:3]} "
        f"nat={sorted(set(e.nationalities + e.citizenships))[:3]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", default=DEFAULT_LISTS, help="registry ids, comma-separated")
    parser.add_argument("--sample", type=int, default=0, help="write this many random links to judge")
    parser.add_argument("--sample-file", default=str(REPO / "bench" / "resolve_sample.csv"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-before", action="store_true", help="skip the full-scan resolution")
    args = parser.parse_args()

    specs = {s.id: s for s in load_registry()}
    ref = reference_dir()
    started = time.perf_counter()
    lists = [load_source(specs[i].parser, ref / specs[i].reference, i) for i in args.lists.split(",")]
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        screener = Screener.from_lists(lists, tmp)
    index_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    resolution = resolve(lists, screener)
    resolve_s, resolve_cpu = time.perf_counter() - started, time.process_time() - cpu
    before = ""
    if not args.no_before:
        started, cpu = time.perf_counter(), time.process_time()
        scanned = resolve(lists, Screener(lists, screener.index, full_scan=True))
        before_s, before_cpu = time.perf_counter() - started, time.process_time() - cpu
        same = [c.to_dict() for c in scanned.clusters] == [c.to_dict() for c in resolution.clusters]
        before = (
            f"\nresolve with the full vocabulary scan (before) {before_s:.2f} s, "
            f"cpu {before_cpu:.2f} s: {before_s / resolve_s:.1f}x the neighbour index's wall time, "
            f"{before_cpu / resolve_cpu:.1f}x its cpu time; same clusters: {same}"
        )
    started = time.perf_counter()
    blind = resolve(lists, screener, use_identifiers=False)
    blind_s = time.perf_counter() - started

    records = sum(lst.version.entities for lst in lists)
    print(f"lists: {', '.join(f'{x.version.id} {x.version.entities}' for x in lists)} ({records} records)")
    print(
        f"load {load_s:.2f} s | index build {index_s:.2f} s | resolve {resolve_s:.2f} s "
        f"({resolve_s / load_s:.1f}x load, {resolve_s / (load_s + index_s):.1f}x load+index) | "
        f"resolve without numbers {blind_s:.2f} s | resolve cpu {resolve_cpu:.2f} s{before}"
    )
    clustered = sum(len(c.members) for c in resolution.clusters)
    print(
        f"clusters: {len(resolution.clusters)} ({clustered} records), {resolution.candidates} candidate "
        f"pairs decided, {resolution.refused} links refused by the merge rules"
    )
    for (a, b), n in sorted(linked_counts(resolution).items()):
        total = next(x.version.entities for x in lists if x.version.id == a)
        print(f"  {a:>9} records also on {b:<9}: {n:5d} of {total} ({100 * n / total:.1f}%)")

    by_id = {
        tuple(sorted((link.a, link.b))) for c in resolution.clusters for link in c.links if link.by_identifier
    }
    found = by_id & pairs_in_clusters(blind)
    print(
        f"identifier links: {len(by_id)}; recovered without document numbers: {len(found)} "
        f"({100 * len(found) / max(1, len(by_id)):.1f}% recall)"
    )

    if args.sample:
        entities = {(e.list_id, e.id): e for lst in lists for e in lst.entities}
        links = sorted((link for c in resolution.clusters for link in c.links), key=lambda x: (x.a, x.b))
        borderline = [x for x in links if x.points < BORDERLINE and not x.by_identifier]
        rng = random.Random(args.seed)
        strata = [
            ("any", rng.sample(links, min(args.sample, len(links)))),
            ("borderline", rng.sample(borderline, min(args.sample, len(borderline)))),
        ]
        with open(args.sample_file, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["n", "stratum", "points", "by_identifier", "a", "b", "evidence"])
            n = 0
            for stratum, chosen in strata:
                for link in chosen:
                    n += 1
                    writer.writerow(
                        [
                            n,
                            stratum,
                            link.points,
                            link.by_identifier,
                            facts(entities[link.a]),
                            facts(entities[link.b]),
                            "; ".join(link.evidence),
                        ]
                    )
        print(
            f"links: {len(links)}, of which borderline (< {BORDERLINE} points, no identifier): "
            f"{len(borderline)}; sample of {n} -> {args.sample_file}"
        )


if __name__ == "__main__":
    main()
