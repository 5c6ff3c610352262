"""The dev alias evaluation in-process: the same metric as ../shared/eval/evaluate.py alias.

For comparing variants of the engine quickly (no HTTP); the README's figures come from
evaluate.py against a running service.
"""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import numpy as np

from service.engine.model import LoadedList
from service.engine.screener import Query, Screener
from service.lists import load_source

REPO = Path(__file__).resolve().parents[1]
SCHEMA = {
    "person": "Person",
    "organization": "Organization",
    "company": "Organization",
    "vessel": "Vessel",
    "aircraft": "Aircraft",
}
SAMPLE_SEED = 20240601  # evaluate.py's, so the samples are the same rows


def reference_dir() -> Path:
    return Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")


def eval_dir() -> Path:
    return reference_dir().parent / "eval"


def read(path: Path, n: int) -> list[dict]:
    """The rows of a CSV, or evaluate.py's fixed-seed sample of n of them."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    if not n or n >= len(rows):
        return rows
    return [rows[i] for i in sorted(random.Random(SAMPLE_SEED).sample(range(len(rows)), n))]


def dev_index() -> LoadedList:
    return load_source("custom", eval_dir() / "index_dev.csv")


def alias_recall(screener: Screener, max_queries: int = 2000, max_neg: int = 5000) -> tuple[float, float]:
    """(threshold at a 1% alert rate on the negatives, recall of the alias queries above it)."""
    neg = read(eval_dir() / "negatives_dev.csv", max_neg)
    best = [
        max((m.score for m in r.matches), default=0.0)
        for r in screener.screen(
            [Query(r["query"], SCHEMA.get(r["kind"], "Any")) for r in neg], threshold=0.0
        )
    ]
    thr = float(np.sort(best)[::-1][int(0.01 * len(best))])
    rows = read(eval_dir() / "alias_holdout_dev.csv", max_queries)
    res = screener.screen([Query(r["query"], SCHEMA.get(r["schema"], "Any")) for r in rows], threshold=0.0)
    found = [
        any(m.entity_id == r["entity_id"] and m.score > thr for m in x.matches)
        for r, x in zip(rows, res, strict=True)
    ]
    return thr, 100 * float(np.mean(found))
