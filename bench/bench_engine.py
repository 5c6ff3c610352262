"""Benchmark of the matching engine in-process (not a test: nothing is asserted).

Machines are noisy and shared, so every absolute figure is printed next to a baseline measured
in the same run (a warm cache load, a brute-force Jaro-Winkler scan, the real lists next to a
synthetic one) and the ratio between them. Five sections, each a Markdown table:

1. index: cold parse + build of OFAC SDN 2021-07 + UN 2026-02, warm load from the on-disk cache,
   and the memory the index takes (array bytes and the RSS growth of building it);
2. single-query latency: one name per ``screen()`` call, cold (fresh Screener) and warm passes, with
   the neighbour index and with the full vocabulary scan it replaced (``Screener(full_scan=True)``),
   next to a brute-force Jaro-Winkler row over every listed name for each query on one thread;
3. batch throughput next to brute-force ``rapidfuzz.process.cdist`` over every listed name;
4. recall@1 / recall@10 of the engine and of that brute-force scan on alias_holdout_dev queries;
5. scale: a synthetic Faker list of ``--synthetic`` names next to OFAC+UN.

    /work/venv/bin/python bench/bench_engine.py [--quick] [--synthetic N] [--json PATH]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from faker import Faker
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from service.engine.index import NameIndex, build_index, cached_index
from service.engine.model import Entity, ListVersion, LoadedList
from service.engine.neighbours import Neighbours
from service.engine.normalize import fold, tokenize
from service.engine.screener import Query, Screener
from service.lists import load_source

REPO = Path(__file__).resolve().parents[1]
OFAC_DIR, UN_FILE = "ofac_sdn_2021-07", "un_sc_2026-02/consolidated.xml"
SEED = 20261129
MEMORY_BUDGET_MB = 300.0
TARGET_QPS, TARGET_P99_MS, TARGET_SCALE_COLD_MS, TARGET_SCALE_WARM_MS = 2_000.0, 5.0, 3.0, 1.0
LOCALES = ("ar_AA", "fa_IR", "es_MX", "ru_RU", "tr_TR", "en_US", "fr_FR", "zh_CN")
COMPANY_SHARE = 0.1  # of the synthetic names; the rest are persons
BATCH_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class Sizes:
    """Sample sizes: the default run fits ~10 minutes on 2 shared cores, ``--quick`` a few."""

    single: int  # names for the single-query latency (half holdout aliases, half negatives)
    batch: int  # names for the batch throughput
    brute: int  # names the brute-force baseline is timed on (then extrapolated)
    recall: int  # holdout aliases for recall@k
    scale_queries: int  # names screened against the synthetic list


FULL = Sizes(single=2_000, batch=10_000, brute=500, recall=1_000, scale_queries=1_000)
QUICK = Sizes(single=400, batch=2_000, brute=200, recall=300, scale_queries=300)


# -- measuring helpers ---------------------------------------------------------------------------


def rss_mb() -> float:
    """Resident set size now (statm), so growth around a step can be read off."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def index_mb(index: NameIndex) -> float:
    """Bytes of the index arrays; object (str) arrays also count their str objects, which
    ``nbytes`` alone (8-byte pointers) would hide."""
    total = 0
    for f in fields(index):
        a = getattr(index, f.name)
        if isinstance(a, Neighbours):
            total += a.nbytes()
            continue
        total += a.nbytes
        if a.dtype == object:
            total += sum(sys.getsizeof(s) for s in a)
    return total / 2**20


def latency(screener: Screener, names: list[str]) -> dict[str, float]:
    """One ``screen()`` call per name: p50/p99 in ms and queries per second over the pass."""
    return timed(lambda name: screener.screen([Query(name)]), names)


def timed(call, names: list[str]) -> dict[str, float]:
    """Wall and cpu time of ``call(name)`` per name. On a shared machine the wall time of a long
    call includes other processes' turns more often than a short one's; the cpu time (this
    process, one thread) does not, so the ratios are read on it."""
    took, cpu = np.empty(len(names)), np.empty(len(names))
    start = time.perf_counter()
    for i, name in enumerate(names):
        t, c = time.perf_counter(), time.process_time()
        call(name)
        took[i], cpu[i] = time.perf_counter() - t, time.process_time() - c
    total = time.perf_counter() - start
    return {
        "p50_ms": float(np.percentile(took, 50) * 1e3),
        "p99_ms": float(np.percentile(took, 99) * 1e3),
        "qps": len(names) / total,
        "cpu_p50_ms": float(np.percentile(cpu, 50) * 1e3),
        "cpu_p99_ms": float(np.percentile(cpu, 99) * 1e3),
    }


def cache_mb(screener: Screener) -> float:
    """Bytes held by the token-match cache: it keeps each token's expanded postings, so its size
    grows with the lists' postings, not only with the number of cached tokens."""
    arrays = ((tm.vocab, tm.sim, tm.var, tm.pos, tm.vsim) for tm in screener._matcher._cache.values())
    return sum(a.nbytes for group in arrays for a in group) / 2**20


def neighbours_mb(index: NameIndex) -> float:
    """Bytes of the neighbour index (signatures, orders, lengths of the three vocabularies)."""
    return sum(x.nbytes() for x in (index.vocab_nb, index.skel_nb, index.ckey_nb)) / 2**20


def cold_warm(
    lists: list[LoadedList], index: NameIndex, names: list[str], full_scan: bool = False
) -> dict[str, dict[str, float]]:
    """Cold: a fresh Screener (empty token-match cache) on its first pass; warm: the second pass.
    ``full_scan``: the vocabulary scan the neighbour index replaced, for the before/after ratio."""
    screener = Screener(lists, index, full_scan=full_scan)
    res = {"cold": latency(screener, names), "warm": latency(screener, names)}
    res["cache"] = {"tokens": len(screener._matcher._cache), "mb": cache_mb(screener)}
    return res


def table(headers: list[str], rows: list[list[object]]) -> str:
    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def section(title: str, body: str) -> None:
    print(f"\n### {title}\n\n{body}", flush=True)


# -- data --------------------------------------------------------------------------------------


def reference_dir() -> Path:
    ref = Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")
    if not (ref / OFAC_DIR).is_dir() or not (ref / UN_FILE).is_file():
        sys.exit(
            f"reference lists not found under {ref} (need {OFAC_DIR}/ and {UN_FILE}); "
            "set ORINOCO_REFERENCE_DIR"
        )
    return ref


def eval_rows(name: str) -> list[dict[str, str]]:
    path = REPO.parent / "shared" / "eval" / name
    if not path.is_file():
        sys.exit(f"evaluation file not found: {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def mixed_names(
    aliases: list[dict[str, str]], negatives: list[dict[str, str]], n: int, rng: random.Random
) -> list[str]:
    """Half holdout aliases (mostly hits), half negatives (innocent customers), shuffled."""
    n_alias = min(n // 2, len(aliases))
    names = [r["query"] for r in rng.sample(aliases, n_alias)]
    names += [r["query"] for r in rng.sample(negatives, n - n_alias)]
    rng.shuffle(names)
    return names


def synthetic_list(n: int, seed: int) -> LoadedList:
    """``n`` Faker names, one entity each: per-locale pools of first/last names and companies
    drawn once, then combined with seeded numpy choices (calling Faker 1M times takes minutes)."""
    Faker.seed(seed)
    rng = np.random.default_rng(seed)
    pools = []
    for loc in LOCALES:
        fake = Faker(loc)
        pools.append(
            (
                sorted({fake.first_name() for _ in range(1_500)}),
                sorted({fake.last_name() for _ in range(1_500)}),
                sorted({fake.company() for _ in range(300)}),
            )
        )
    loc_of = rng.integers(len(LOCALES), size=n)
    company = rng.random(n) < COMPANY_SHARE
    middle = rng.random(n) < 0.3
    draws = rng.integers(1 << 30, size=(n, 3))
    entities = []
    for i in range(n):
        first, last, comp = pools[loc_of[i]]
        a, b, c = draws[i]
        if company[i]:
            name, schema = f"{last[a % len(last)]} {comp[b % len(comp)]}", "Organization"
        else:
            given = f"{first[a % len(first)]} {first[c % len(first)]}" if middle[i] else first[a % len(first)]
            name, schema = f"{given} {last[b % len(last)]}", "Person"
        entities.append(Entity(id=str(i), list_id="synthetic", schema=schema, name=name))
    digest = hashlib.sha256(f"synthetic:{n}:{seed}".encode()).hexdigest()
    version = ListVersion("synthetic", "synthetic", None, digest, n, n, datetime.now(UTC).isoformat())
    return LoadedList(version, entities)


# -- brute-force baseline ----------------------------------------------------------------------


def sorted_fold(name: str) -> str:
    """The baseline's normal form: ASCII-folded, tokens sorted (word order does not matter)."""
    return " ".join(sorted(tokenize(fold(name))))


class BruteForce:
    """Jaro-Winkler of the query against every primary name and alias of every entity."""

    def __init__(self, lists: list[LoadedList]):
        choices, starts, self.keys = [], [], []
        for lst in lists:
            for ent in lst.entities:
                starts.append(len(choices))
                self.keys.append((ent.list_id, ent.id))
                choices.extend(sorted_fold(nm.name) for nm in ent.names())
        self.choices, self.starts = choices, np.asarray(starts, np.int64)

    def scores(self, names: list[str], workers: int = -1) -> np.ndarray:
        """Entity scores (best name of each entity), one row per query."""
        sim = process.cdist(
            [sorted_fold(n) for n in names],
            self.choices,
            scorer=JaroWinkler.normalized_similarity,
            dtype=np.float32,
            workers=workers,
        )
        return np.maximum.reduceat(sim, self.starts, axis=1)

    def top(self, names: list[str], k: int, chunk: int = 250) -> list[list[tuple[str, str]]]:
        out = []
        for start in range(0, len(names), chunk):
            ent = self.scores(names[start : start + chunk])
            best = np.argpartition(-ent, k, axis=1)[:, :k]
            for row, cols in zip(ent, best, strict=True):
                # ties (identical names of different entities) go to the entity listed first
                out.append([self.keys[c] for c in cols[np.lexsort((cols, -row[cols]))]])
        return out


# -- sections ----------------------------------------------------------------------------------


def bench_index(ref: Path) -> tuple[list[LoadedList], NameIndex, dict]:
    t = time.perf_counter()
    ofac = load_source("ofac", ref / OFAC_DIR)
    t_ofac = time.perf_counter() - t
    t = time.perf_counter()
    un = load_source("un", ref / UN_FILE)
    t_un = time.perf_counter() - t
    lists = [ofac, un]

    rss0, t = rss_mb(), time.perf_counter()
    index = build_index(lists)
    t_build = time.perf_counter() - t
    Screener(lists, index)
    t_screener = time.perf_counter() - t
    rss_growth = rss_mb() - rss0

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        cached_index(lists, Path(tmp))
        t_build_save = time.perf_counter() - t
        t = time.perf_counter()
        cached_index(lists, Path(tmp))
        t_load = time.perf_counter() - t
    mem, nb_mem = index_mb(index), neighbours_mb(index)
    res = {
        "neighbours_mb": nb_mem,
        "parse_ofac_s": t_ofac,
        "parse_un_s": t_un,
        "build_index_s": t_build,
        "build_screener_s": t_screener,
        "build_and_save_s": t_build_save,
        "warm_load_s": t_load,
        "index_mb": mem,
        "rss_growth_mb": rss_growth,
        "entities": len(index.entity_ids),
        "names": len(index.name_entity),
        "variants": len(index.var_name),
        "vocab": len(index.vocab),
    }
    rows = [
        ["parse OFAC SDN 2021-07 (cold)", f"{t_ofac:.2f} s", ""],
        ["parse UN 2026-02 (cold)", f"{t_un:.2f} s", ""],
        ["build index, cold (build_index)", f"{t_build:.2f} s", "1.00 (baseline)"],
        [
            "build_index + Screener() (token matcher too), cold",
            f"{t_screener:.2f} s",
            f"{t_screener / t_build:.2f}",
        ],
        [
            "build + write cache (cached_index, empty dir)",
            f"{t_build_save:.2f} s",
            f"{t_build_save / t_build:.2f}",
        ],
        ["warm load from cache (cached_index, hit)", f"{t_load:.3f} s", f"{t_load / t_build:.3f}"],
        ["index arrays in memory", f"{mem:.1f} MB", f"{mem / MEMORY_BUDGET_MB:.3f} of 300 MB"],
        ["of which the neighbour index", f"{nb_mem:.2f} MB", f"{nb_mem / MEMORY_BUDGET_MB:.4f} of 300 MB"],
        [
            "RSS growth building the Screener",
            f"{rss_growth:.1f} MB",
            f"{rss_growth / MEMORY_BUDGET_MB:.3f} of 300 MB",
        ],
    ]
    size = (
        f"{res['entities']:,} entities, {res['names']:,} names, {res['variants']:,} token variants, "
        f"{res['vocab']:,} distinct tokens"
    )
    section(
        "1. Index (OFAC SDN 2021-07 + UN 2026-02)",
        f"{size}.\n\n" + table(["step", "measured", "ratio to cold build"], rows),
    )
    return lists, index, res


def brute_latency(brute: BruteForce, names: list[str]) -> dict[str, float]:
    """The brute-force row of one query at a time on one thread (cdist workers=1), as ``latency``."""
    return timed(lambda name: brute.scores([name], workers=1), names)


def bench_single(lists: list[LoadedList], index: NameIndex, brute: BruteForce, names: list[str]) -> dict:
    res = {
        "index": cold_warm(lists, index, names),
        "full_scan": cold_warm(lists, index, names, full_scan=True),
        "brute": brute_latency(brute, names),
    }
    base = res["brute"]
    rows = []
    for key, label in (
        ("index", "engine, neighbour index"),
        ("full_scan", "engine, full vocabulary scan (before)"),
    ):
        for pas in ("cold", "warm"):
            r = res[key][pas]
            rows.append(
                [
                    f"{label}, {pas}",
                    r["p50_ms"],
                    r["cpu_p50_ms"],
                    r["p99_ms"],
                    round(r["qps"]),
                    f"{base['cpu_p50_ms'] / r['cpu_p50_ms']:.1f}x",
                    f"{base['p50_ms'] / r['p50_ms']:.1f}x",
                ]
            )
    rows.append(
        [
            f"brute-force JW row vs {len(brute.choices):,} names, workers=1",
            base["p50_ms"],
            base["cpu_p50_ms"],
            base["p99_ms"],
            round(base["qps"]),
            "1.0x (baseline)",
            "1.0x (baseline)",
        ]
    )
    cold, before = res["index"]["cold"]["cpu_p50_ms"], res["full_scan"]["cold"]["cpu_p50_ms"]
    warm, warm_before = res["index"]["warm"]["cpu_p50_ms"], res["full_scan"]["warm"]["cpu_p50_ms"]
    section(
        f"2. Single-query latency ({len(names):,} names, one per screen() call, 1 thread)",
        table(
            [
                "pass",
                "p50 ms",
                "p50 ms cpu",
                "p99 ms",
                "queries/s",
                "p50 cpu vs brute force",
                "p50 wall vs brute force",
            ],
            rows,
        )
        + f"\n\nCold p50 (cpu): {before / cold:.1f}x faster with the neighbour index than with the scan; "
        f"warm p50 (cpu) with the index / before: {warm / warm_before:.2f}.",
    )
    return res


def bench_batch(
    lists: list[LoadedList], index: NameIndex, brute: BruteForce, names: list[str], n_brute: int
) -> dict:
    passes = {}
    for full_scan, label in ((False, ""), (True, ", full vocabulary scan (before)")):
        screener = Screener(lists, index, full_scan=full_scan)
        for pas in ("cold", "warm"):
            t = time.perf_counter()
            for start in range(0, len(names), BATCH_CHUNK):
                screener.screen([Query(n) for n in names[start : start + BATCH_CHUNK]])
            passes[pas + label] = len(names) / (time.perf_counter() - t)
    sample = names[:n_brute]
    t = time.perf_counter()
    for start in range(0, len(sample), 250):
        brute.scores(sample[start : start + 250])
    brute_qps = len(sample) / (time.perf_counter() - t)
    rows = [
        [
            f"engine, {pas} (screen() in chunks of {BATCH_CHUNK:,})",
            round(qps),
            f"{len(names) / qps:.1f}",
            f"{qps / brute_qps:.1f}x",
        ]
        for pas, qps in passes.items()
    ]
    rows.append(
        [
            f"brute-force JW cdist vs {len(brute.choices):,} names, workers=-1 "
            f"(timed on {len(sample):,}, extrapolated)",
            round(brute_qps),
            f"{len(names) / brute_qps:.1f}",
            "1.0x (baseline)",
        ]
    )
    section(
        f"3. Batch throughput ({len(names):,} names)",
        table(["method", "queries/s", f"s for {len(names):,}", "speed vs brute force"], rows),
    )
    return {"engine_qps": passes, "brute_qps": brute_qps, "brute_sample": len(sample)}


def bench_recall(
    lists: list[LoadedList], index: NameIndex, brute: BruteForce, queries: list[dict[str, str]]
) -> dict:
    ofac_id = lists[0].version.id
    truth = [(ofac_id, r["entity_id"]) for r in queries]
    names = [r["query"] for r in queries]
    results = Screener(lists, index).screen([Query(n) for n in names], limit=10, threshold=0.0)
    engine = [[(m.list, m.entity_id) for m in r.matches] for r in results]
    base = brute.top(names, 10)

    def recall(ranked: list[list[tuple[str, str]]], k: int) -> float:
        return sum(t in r[:k] for t, r in zip(truth, ranked, strict=True)) / len(truth)

    found = [i for i, (t, r) in enumerate(zip(truth, base, strict=True)) if t in r]
    both = sum(truth[i] in engine[i] for i in found)
    res = {
        "engine_r1": recall(engine, 1),
        "engine_r10": recall(engine, 10),
        "brute_r1": recall(base, 1),
        "brute_r10": recall(base, 10),
        "brute_found": len(found),
        "engine_also": both,
    }
    rows = [
        ["engine (screen, threshold 0)", f"{100 * res['engine_r1']:.1f}", f"{100 * res['engine_r10']:.1f}"],
        [
            "brute-force JW, best name per entity",
            f"{100 * res['brute_r1']:.1f}",
            f"{100 * res['brute_r10']:.1f}",
        ],
    ]
    share = both / len(found) if found else float("nan")
    section(
        f"4. Finding what brute force finds ({len(queries):,} alias_holdout_dev queries vs OFAC+UN)",
        table(["method", "recall@1 %", "recall@10 %"], rows)
        + f"\n\nOf the {len(found):,} queries whose entity brute force has in its top 10, the engine has "
        f"{both:,} in its top 10 too ({100 * share:.1f} %).",
    )
    return res


def bench_scale(
    n: int, real_lists: list[LoadedList], real_index: NameIndex, real: dict, names: list[str]
) -> dict:
    t = time.perf_counter()
    synth = synthetic_list(n, SEED)
    t_gen = time.perf_counter() - t
    rss0, t = rss_mb(), time.perf_counter()
    index = build_index([synth])
    t_build = time.perf_counter() - t
    Screener([synth], index)
    rss_growth = rss_mb() - rss0
    screener_lat = cold_warm([synth], index, names)
    mem = index_mb(index)
    real_lat = cold_warm(real_lists, real_index, names)
    before = {
        "synthetic": cold_warm([synth], index, names, full_scan=True),
        "ofac_un": cold_warm(real_lists, real_index, names, full_scan=True),
    }
    real_cache, synth_cache = real_lat["cache"]["mb"], screener_lat["cache"]["mb"]
    rows = [
        ["names", f"{real['names']:,}", f"{n:,}", f"{n / real['names']:.1f}x"],
        [
            "distinct tokens",
            f"{real['vocab']:,}",
            f"{len(index.vocab):,}",
            f"{len(index.vocab) / real['vocab']:.2f}x",
        ],
        [
            "build index (s)",
            f"{real['build_index_s']:.2f}",
            f"{t_build:.1f}",
            f"{t_build / real['build_index_s']:.1f}x",
        ],
        ["index arrays (MB)", f"{real['index_mb']:.1f}", f"{mem:.1f}", f"{mem / real['index_mb']:.1f}x"],
        [
            "RSS growth building the Screener (MB)",
            f"{real['rss_growth_mb']:.1f}",
            f"{rss_growth:.1f}",
            f"{rss_growth / real['rss_growth_mb']:.1f}x",
        ],
        [
            f"token-match cache after the passes (MB; {len(names):,} names)",
            f"{real_cache:.1f}",
            f"{synth_cache:.1f}",
            f"{synth_cache / real_cache:.1f}x",
        ],
    ]
    for pas in ("cold", "warm"):
        for key, label in (
            ("p50_ms", "p50 ms"),
            ("cpu_p50_ms", "p50 ms cpu"),
            ("p99_ms", "p99 ms"),
            ("qps", "queries/s"),
        ):
            a, b = real_lat[pas][key], screener_lat[pas][key]
            rows.append([f"{pas} {label}", f"{a:,.2f}", f"{b:,.2f}", f"{b / a:.1f}x"])
        a, b = before["ofac_un"][pas]["cpu_p50_ms"], before["synthetic"][pas]["cpu_p50_ms"]
        rows.append(
            [f"{pas} p50 ms cpu, full vocabulary scan (before)", f"{a:,.2f}", f"{b:,.2f}", f"{b / a:.1f}x"]
        )
    section(
        f"5. Scale: synthetic list of {n:,} Faker names vs OFAC+UN ({len(names):,} query names)",
        f"Generating the synthetic entities took {t_gen:.1f} s; peak RSS of the process "
        f"{peak_rss_mb():,.0f} MB; p50 targets: cold {TARGET_SCALE_COLD_MS:.0f} ms, warm "
        f"{TARGET_SCALE_WARM_MS:.0f} ms.\n\n"
        + table(["", "OFAC+UN", "synthetic", "synthetic / OFAC+UN"], rows),
    )
    return {
        "names": n,
        "generate_s": t_gen,
        "build_index_s": t_build,
        "index_mb": mem,
        "rss_growth_mb": rss_growth,
        "vocab": len(index.vocab),
        "synthetic": screener_lat,
        "ofac_un": real_lat,
        "full_scan": before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--synthetic",
        type=int,
        default=None,
        help="names in the synthetic list (default 1,000,000; 100,000 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="smaller samples and synthetic list")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    n_synth = args.synthetic or (100_000 if args.quick else 1_000_000)

    ref = reference_dir()
    aliases, negatives = eval_rows("alias_holdout_dev.csv"), eval_rows("negatives_dev.csv")
    rng = random.Random(SEED)
    started = time.perf_counter()
    print(
        f"bench_engine: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"python {sys.version.split()[0]}, numpy {np.__version__}; seed {SEED}; "
        f"load average {os.getloadavg()[0]:.1f} (other work shares the machine)",
        flush=True,
    )

    lists, index, res_index = bench_index(ref)
    brute = BruteForce(lists)
    res_single = bench_single(lists, index, brute, mixed_names(aliases, negatives, sizes.single, rng))
    batch = [r["query"] for r in aliases] + [r["query"] for r in negatives]
    rng.shuffle(batch)
    res_batch = bench_batch(lists, index, brute, batch[: sizes.batch], sizes.brute)
    res_recall = bench_recall(lists, index, brute, rng.sample(aliases, sizes.recall))
    res_scale = bench_scale(
        n_synth, lists, index, res_index, mixed_names(aliases, negatives, sizes.scale_queries, rng)
    )
    total = time.perf_counter() - started
    print(f"\ntotal {total:.0f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "sizes": asdict(sizes),
                    "seed": SEED,
                    "total_s": total,
                    "index": res_index,
                    "single": res_single,
                    "batch": res_batch,
                    "recall": res_recall,
                    "scale": res_scale,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
