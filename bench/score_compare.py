"""What each feature of the calibrated score adds, on the dev validation part.

    python bench/train_score.py --jellyfish --dump /tmp/features.npz --out /tmp/model.json
    python bench/score_compare.py /tmp/features.npz [--swap] [--without] [--boosting]

Each model is fitted as ``train_score.py`` fits the shipped one (the same training rows: every
positive and each query's ten highest-blend negatives; a ``latin`` part on the Latin-script
queries' candidates and a ``script`` part on all) and scored as the engine scores (identical
names 1, the rules' cuts, consonant-key rows the plain blend). The metric is the operating
point's, in each mode: on the validation negatives (evaluate.py's sample of dev negatives with
each row's schema, then names only; those with no candidate at all are left out), the score
over which 1% of them alert; then the share of validation aliases (ent_num % 4 == 2) sent the
same way whose own entry scores over it. A change is printed with the 5th and 95th percentiles
of the same change over 1,000 paired resamples of the validation queries: the validation split
holds some 1,700 aliases a mode, and a point is ~17 of them. ``--swap`` validates on the other
half of the dev split instead (a second estimate).

Columns of the dump past ``calibration.FEATURES`` are candidate features (``train_score.py
--jellyfish`` dumps ``jellyfish_pairs.PAIR_FIGURES`` there): each is added alone to the model's
features, then all of them. ``--without`` also refits without each of the model's features,
``--boosting`` fits gradient boosting on them (scikit-learn).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_score import SEED, fit, hardest  # noqa: E402

from service.engine.calibration import FEATURES, identical, rule_factor  # noqa: E402


def modes(qid: np.ndarray, n: int, m: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per mode, (the aliases' rows, the negatives' rows): train_score numbers the queries aliases
    with schema, aliases names only, negatives with schema, negatives names only, script."""
    return {
        "schema": ((qid < n), (qid >= 2 * n) & (qid < 2 * n + m)),
        "names only": ((qid >= n) & (qid < 2 * n), (qid >= 2 * n + m) & (qid < 2 * (n + m))),
    }


def recall_at_1pct(p: np.ndarray, y: np.ndarray, val: np.ndarray, qid: np.ndarray, aliases, negatives):
    """Recall of the validation aliases (their own entry) over the 1% point of the negatives, and
    the same on ``BOOT`` resamples of both (the same resamples for every model: paired)."""
    neg = val & negatives
    best = np.zeros(int(qid.max()) + 1)
    np.maximum.at(best, qid[neg], p[neg])
    nb = best[np.unique(qid[neg])]
    pos = p[val & aliases & (y == 1)]
    rng = np.random.default_rng(SEED)
    ni = np.vstack([np.arange(len(nb)), rng.integers(0, len(nb), (BOOT, len(nb)))])
    pi = np.vstack([np.arange(len(pos)), rng.integers(0, len(pos), (BOOT, len(pos)))])
    k = int(0.01 * len(nb))
    thr = -np.partition(-nb[ni], k, axis=1)[:, k]  # the (k+1)-th highest of each resample
    return 100 * (pos[pi] > thr[:, None]).mean(axis=1)


BOOT = 1000


def engine_scores(X: np.ndarray, y: np.ndarray, val: np.ndarray, qid: np.ndarray, cols: list[int], n, m):
    """Fit the two parts on columns ``cols`` of ``X`` as train_score.py does, then score every row
    as the engine does."""
    base = X[:, : len(FEATURES)]
    train = hardest(base[:, FEATURES.index("blend")], y, qid, 10) & ~val
    other = base[:, FEATURES.index("other_script")] > 0
    Z = X[:, cols]
    latin, script = fit(Z, y, train & ~other), fit(Z, y, train)
    z = latin.logit(Z)
    z[other] = script.logit(Z[other])
    p = np.where(identical(base, qid_schema(qid, n, m)), 1.0, 1.0 / (1.0 + np.exp(-z))) * rule_factor(base)
    return np.where(base[:, FEATURES.index("consonant_keys")] > 0, base[:, FEATURES.index("blend")], p)


def qid_schema(qid: np.ndarray, n: int, m: int) -> np.ndarray:
    """The rows of queries sent with their schema (the identical-name rule reads it)."""
    return (qid < n) | ((qid >= 2 * n) & (qid < 2 * n + m))


def swapped(val: np.ndarray, qid: np.ndarray, n: int, m: int) -> np.ndarray:
    """The other validation half of the dev split: the aliases and script queries of entities
    ent_num % 4 == 0 (train_score validates on those of % 4 == 2; dev entries are even), and
    5,000 dev negatives drawn (fixed seed) from those it trains on."""
    neg = (qid >= 2 * n) & (qid < 2 * (n + m))
    j = (qid - 2 * n) % m  # the negative's line, in both modes
    held = np.zeros(m, bool)
    held[np.unique(j[neg & val])] = True
    new = np.zeros(m, bool)
    new[np.random.default_rng(SEED).permutation(np.flatnonzero(~held))[:5000]] = True
    return np.where(neg, new[j], ~val)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dump", type=Path)
    ap.add_argument("--without", action="store_true", help="also refit without each model feature")
    ap.add_argument("--boosting", action="store_true", help="also fit gradient boosting")
    ap.add_argument(
        "--swap", action="store_true", help="validate on the other dev half (see swapped): a second estimate"
    )
    args = ap.parse_args()
    d = np.load(args.dump)
    X, y, val, qid = d["X"], d["y"], d["val"].astype(bool), d["qid"]
    n, m = int(d["n_alias"]), int(d["n_neg"])
    if args.swap:
        val = swapped(val, qid, n, m)
    k = len(FEATURES)
    extra = [str(e) for e in d["extra"]] if "extra" in d else []
    X = X[:, : k + len(extra)]
    ms = modes(qid, n, m)

    def row(label: str, p: np.ndarray, ref: list[np.ndarray] | None = None) -> list[np.ndarray]:
        r = [recall_at_1pct(p, y, val, qid, *ms[mode]) for mode in ms]
        cells = [f"{v[0]:.1f}" for v in r]
        if ref:
            for c, (v, b) in enumerate(zip(r, ref, strict=True)):
                lo, hi = np.percentile(v[1:] - b[1:], [5, 95])
                cells[c] += f" ({v[0] - b[0]:+.1f}; {lo:+.1f} to {hi:+.1f})"
        print(f"| {label} | " + " | ".join(cells) + " |")
        return r

    print(
        "| model | recall@1% with schema (change; 90% of resamples) | names only (change; 90%) |"
        "\n|---|---|---|"
    )
    blend = X[:, FEATURES.index("blend")]
    row("plain blend", np.where(identical(X[:, :k], qid_schema(qid, n, m)), 1.0, blend))
    ref = row("logistic, the model's features", engine_scores(X, y, val, qid, list(range(k)), n, m))
    for j, name in enumerate(extra):
        row(f"+ {name}", engine_scores(X, y, val, qid, [*range(k), k + j], n, m), ref)
    if extra:
        row("+ all of them", engine_scores(X, y, val, qid, list(range(X.shape[1])), n, m), ref)
    if args.without:
        for i, f in enumerate(FEATURES):
            row(f"without {f}", engine_scores(X, y, val, qid, [j for j in range(k) if j != i], n, m), ref)
    if args.boosting:
        from sklearn.ensemble import HistGradientBoostingClassifier

        train = hardest(blend, y, qid, 10) & ~val
        gb = HistGradientBoostingClassifier(max_iter=300, max_leaf_nodes=31, random_state=SEED)
        w = np.where(y == 1, 0.5 / y[train].mean(), 0.5 / (1 - y[train].mean()))
        gb.fit(X[train, :k], y[train], sample_weight=w[train])
        row("gradient boosting, the model's features", gb.predict_proba(X[:, :k])[:, 1], ref)


if __name__ == "__main__":
    main()
