"""The cross-script evaluation in-process: ``evaluate.py alias --split script_dev`` without HTTP.

Each query is a name in Arabic, Chinese, Hebrew, Korean or Russian script that must find its Latin
form among the 12,000 Latin names of ``../shared/eval/script/index_script.csv``; the threshold is
the score at which 1% of the (sampled) negatives alert. Same metrics and sample as evaluate.py
(tie-aware recall@1/@10, recall at the 1% alert rate), per script.

    python bench/script_eval.py [--max-neg 5000] [--rules all|none|SCRIPT,...] [--variant NAME]

``--rules`` switches romanizers off to show what each adds (``bench/README.md`` has the table):
``none`` is the generic transliteration alone, ``han,hangul`` only those two on top of it.
``--variant`` swaps one romanizer for a library alone, to weigh it against the written rules:
``hangul-library`` (korean-romanizer's Revised Romanization, with sound changes across
syllables; ``pip install korean-romanizer``), ``han-pinyin`` (pypinyin's joined pinyin alone, no
Wade-Giles, surnames or transcription reading), ``cyrillic-wikipedia`` (iuliia's one scheme).
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from devsplit import SCHEMA, eval_dir, read

from service.engine import romanize
from service.engine.romanize import cyrillic, han
from service.engine.screener import Query, Screener
from service.lists import load_source


def rank(best: dict[str, float], target: str) -> tuple[float, float, float]:
    """Tie-aware (score, recall@1, recall@10) of the target among the returned entities."""
    s = best.get(target)
    if s is None:
        return 0.0, 0.0, 0.0
    g = sum(v > s for v in best.values())
    t = sum(v == s for v in best.values()) - 1
    return s, min(max((1 - g) / (t + 1), 0.0), 1.0), min(max((10 - g) / (t + 1), 0.0), 1.0)


def best_scores(screener: Screener, rows: list[dict], kind: str) -> list[dict[str, float]]:
    out = []
    for i in range(0, len(rows), 500):
        chunk = rows[i : i + 500]
        res = screener.screen(
            [Query(r["query"], SCHEMA.get(r[kind], "Any")) for r in chunk], limit=10, threshold=0.0
        )
        out += [{m.entity_id: m.score for m in x.matches} for x in res]
    return out


def evaluate(screener: Screener, max_neg: int) -> list[tuple[str, int, float, float, float]]:
    """Rows (subset, queries, recall@1, recall@10, recall@1% alerts), as evaluate.py prints them."""
    data = eval_dir() / "script"
    neg = read(data / "negatives_script_dev.csv", max_neg)
    neg_max = np.sort([max(b.values(), default=0.0) for b in best_scores(screener, neg, "kind")])[::-1]
    thr = float(neg_max[int(0.01 * len(neg_max))])
    rows = read(data / "alias_holdout_script_dev.csv", 0)
    found = best_scores(screener, rows, "schema")
    ranks = [rank(b, r["entity_id"]) for b, r in zip(found, rows, strict=True)]
    groups: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for r, x in zip(rows, ranks, strict=True):
        groups["all"].append(x)
        groups[r["script"]].append(x)
    table = []
    for name, xs in groups.items():
        s, r1, r10 = map(np.array, zip(*xs, strict=True))
        table.append((name, len(xs), 100 * r1.mean(), 100 * r10.mean(), 100 * (s > thr).mean()))
    print(f"threshold at 1% of {len(neg_max)} negatives: {thr:.4f}")
    return table


def _korean_romanizer(word: str) -> list[str]:
    from korean_romanizer.romanizer import Romanizer

    return [Romanizer(word).romanize().lower()]


def _pinyin_only(word: str) -> list[str]:
    return ["".join(han._pinyin(word))]


def _wikipedia_only(word: str) -> list[str]:
    return [cyrillic._ascii(cyrillic.iuliia.WIKIPEDIA.translate(word))]


VARIANTS = {
    "hangul-library": ("hangul", _korean_romanizer),
    "han-pinyin": ("han", _pinyin_only),
    "cyrillic-wikipedia": ("cyrillic", _wikipedia_only),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-neg", type=int, default=5000)
    ap.add_argument("--rules", default="all", help="all, none, or a comma-separated list of romanizers")
    ap.add_argument("--variant", choices=sorted(VARIANTS), help="one romanizer replaced by a library alone")
    args = ap.parse_args()
    if args.variant:
        script, fn = VARIANTS[args.variant]
        romanize._SCRIPTS[script] = (romanize._SCRIPTS[script][0], fn)
        print(f"variant: {args.variant}")
    if args.rules != "all":
        romanize.enable(set() if args.rules == "none" else set(args.rules.split(",")))
    screener = Screener.from_lists([load_source("custom", eval_dir() / "script" / "index_script.csv")])
    print(f"romanizers: {', '.join(sorted(romanize.enabled())) or 'none'}")
    print("| subset | queries | recall@1 | recall@10 | recall@1% alerts |\n|---|---|---|---|---|")
    for name, n, r1, r10, ra in evaluate(screener, args.max_neg):
        print(f"| {name} | {n} | {r1:.1f} | {r10:.1f} | {ra:.1f} |")


if __name__ == "__main__":
    main()
