"""Which transliterator should fold() use? anyascii, unidecode and ICU's Any-Latin, measured.

Two measurements per transliterator, in one run:
- cross-script: every UN name given in its original script (Arabic, Cyrillic, ...) screened
  against the UN list stripped of those original-script aliases, so only the romanized names
  can find it: recall@1 per script, and the share that also alerts at the default threshold;
- the dev alias evaluation (../shared/eval, the in-process equivalent of evaluate.py alias):
  recall at the 1% alert rate, which the transliteration of the non-Latin negatives moves.

    python bench/translit_compare.py [--max-queries 2000 --max-neg 5000]

unidecode and PyICU are optional: a missing one is reported and skipped.
"""

from __future__ import annotations

import argparse
import unicodedata
from collections import defaultdict
from dataclasses import replace

import numpy as np
from devsplit import alias_recall, dev_index, reference_dir

import service.engine.normalize as normalize
from service.engine.model import LoadedList
from service.engine.screener import Query, Screener
from service.lists import load_source


def transliterators() -> dict:
    """name -> function(str) -> str, for each library that is installed."""
    from anyascii import anyascii

    found = {"anyascii": anyascii}
    try:
        from unidecode import unidecode

        found["unidecode"] = unidecode
    except ImportError:
        print("unidecode not installed: skipped")
    try:
        import icu

        found["icu Any-Latin"] = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII").transliterate
    except ImportError:
        print("PyICU not installed: skipped")
    return found


def script_of(text: str) -> str:
    letter = next((c for c in text if c.isalpha()), "?")
    return unicodedata.name(letter, "UNKNOWN").split()[0]


def cross_script(un: LoadedList) -> dict[str, tuple[int, float, float]]:
    """Per script: (names, % whose entity ranks first, % whose entity alerts at the default threshold)."""
    stripped, queries = [], []
    for e in un.entities:
        queries += [(a.name, e.id) for a in e.aliases if a.kind == "original_script"]
        stripped.append(replace(e, aliases=[a for a in e.aliases if a.kind != "original_script"]))
    screener = Screener.from_lists([LoadedList(un.version, stripped)])
    results = screener.screen([Query(q) for q, _ in queries], limit=1, threshold=0.0)
    hits: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for (q, e), r in zip(queries, results, strict=True):
        first = bool(r.matches) and r.matches[0].entity_id == e
        hits[script_of(q)].append((first, first and r.matches[0].score > screener.default_threshold))
    return {
        s: (len(h), 100 * float(np.mean([f for f, _ in h])), 100 * float(np.mean([a for _, a in h])))
        for s, h in hits.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-queries", type=int, default=2000)
    ap.add_argument("--max-neg", type=int, default=5000)
    args = ap.parse_args()
    un = load_source("un", reference_dir() / "un_sc_2026-02" / "consolidated.xml")
    print(
        "| transliterator | cross-script recall@1 by script (names) | ...alerting at the default threshold "
        "| dev alias recall@1% alerts |"
    )
    print("|---|---|---|---|")
    for name, fn in transliterators().items():
        normalize.transliterate = fn
        scripts = cross_script(un)
        thr, recall = alias_recall(Screener.from_lists([dev_index()]), args.max_queries, args.max_neg)
        cells = ", ".join(f"{s.title()} {r:.1f}% ({n})" for s, (n, r, _) in sorted(scripts.items()))
        alerts = ", ".join(f"{s.title()} {a:.1f}%" for s, (_, _, a) in sorted(scripts.items()))
        print(f"| {name} | {cells} | {alerts} | {recall:.1f} (threshold {thr:.3f}) |")


if __name__ == "__main__":
    main()
