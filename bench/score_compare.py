"""What each feature of the calibrated score adds, on the dev validation part.

    python bench/train_score.py --dump /tmp/features.npz --out /tmp/model.json
    python bench/score_compare.py /tmp/features.npz

The metric is the operating point's: on the validation negatives (evaluate.py's sample of dev
negatives, each row's schema and names only), the score over which 1% of queries alert; then the
share of validation aliases (ent_num % 4 == 2) whose own entry scores over it. Logistic
regression with all features, without each one, and (for comparison) gradient boosting.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_score import SEED  # noqa: E402

from service.engine.calibration import FEATURES  # noqa: E402


def recall_at_1pct(p: np.ndarray, y: np.ndarray, val: np.ndarray, qid: np.ndarray, n_alias: int) -> float:
    neg_q = val & (qid >= 2 * n_alias)
    best = np.zeros(int(qid.max()) + 1)
    np.maximum.at(best, qid[neg_q], p[neg_q])
    queries = np.unique(qid[neg_q])
    v = np.sort(best[queries])[::-1]
    thr = v[int(0.01 * len(v))]
    pos = val & (y == 1)
    return 100 * float((p[pos] > thr).mean())


def fit_lr(X, y, w, train):
    mean, scale = X[train].mean(0), X[train].std(0)
    scale[scale < 1e-9] = 1
    lr = LogisticRegression(C=1.0, max_iter=5000, random_state=SEED).fit(
        (X[train] - mean) / scale, y[train], sample_weight=w[train]
    )
    return lambda Z: lr.predict_proba((Z - mean) / scale)[:, 1]


def main() -> None:
    d = np.load(sys.argv[1])
    X, y, val, qid, n_alias = d["X"], d["y"], d["val"].astype(bool), d["qid"], int(d["n_alias"])
    train = ~val
    w = np.where(y == 1, 0.5 / y[train].mean(), 0.5 / (1 - y[train].mean()))
    blend = X[:, FEATURES.index("blend")]
    print(f"plain blend: recall@1% {recall_at_1pct(blend, y, val, qid, n_alias):.1f}")
    full = recall_at_1pct(fit_lr(X, y, w, train)(X), y, val, qid, n_alias)
    print(f"logistic, all features: {full:.1f}")
    for i, f in enumerate(FEATURES):
        keep = [j for j in range(len(FEATURES)) if j != i]
        r = recall_at_1pct(fit_lr(X[:, keep], y, w, train)(X[:, keep]), y, val, qid, n_alias)
        print(f"  without {f:18s} {r:.1f} ({r - full:+.1f})")
    gb = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, max_leaf_nodes=31, random_state=SEED)
    gb.fit(X[train], y[train], sample_weight=w[train])
    print(f"gradient boosting: {recall_at_1pct(gb.predict_proba(X)[:, 1], y, val, qid, n_alias):.1f}")


if __name__ == "__main__":
    main()
