"""Which per-token transliteration key should the index use? Our written skeleton rules
(service.engine.normalize.skeleton) against jellyfish's phonetic codes, on the dev alias evaluation.

    python bench/phonetic_compare.py [--max-queries 2000 --max-neg 5000]

Each key replaces the skeleton in the index and the token matcher for one run; the rest of
the engine is unchanged. Reported: recall at the 1% alert rate (and that threshold).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import jellyfish
from devsplit import alias_recall, dev_index

import service.engine.index as index
import service.engine.scoring as scoring
from service.engine.normalize import skeleton
from service.engine.screener import Screener


def _code(fn: Callable[[str], str]) -> Callable[[str], str]:
    """A jellyfish code of a token; tokens it cannot encode (digits) keep their own spelling."""

    def key(token: str) -> str:
        return (fn(token).lower() or token) if token.isalpha() else token

    return key


KEYS: dict[str, Callable[[str], str]] = {
    "written rules (service.engine.normalize.skeleton)": skeleton,
    "jellyfish metaphone": _code(jellyfish.metaphone),
    "jellyfish nysiis": _code(jellyfish.nysiis),
    "jellyfish soundex": _code(jellyfish.soundex),
    "jellyfish match_rating_codex": _code(jellyfish.match_rating_codex),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-queries", type=int, default=2000)
    ap.add_argument("--max-neg", type=int, default=5000)
    args = ap.parse_args()
    lists = [dev_index()]
    print("| token key | dev alias recall@1% alerts | threshold |\n|---|---|---|")
    for name, key in KEYS.items():
        index.skeleton = scoring.skeleton = key
        thr, recall = alias_recall(Screener(lists, index.build_index(lists)), args.max_queries, args.max_neg)
        print(f"| {name} | {recall:.1f} | {thr:.3f} |")


if __name__ == "__main__":
    main()
