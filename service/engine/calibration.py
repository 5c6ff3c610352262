"""The calibrated score: the probability that a query and a listed name are the same party.

A logistic model over name-independent features of the alignment that ``scoring.score_rows``
computes (how much weight matched and was missed on each side, token counts, how exactly the
tokens agree, the roles of the matched listed tokens, weak aliases, schemas). It is trained by
``bench/train_score.py`` on the dev split only and shipped as ``score_model.json`` (coefficients
on standardized features, read with numpy: the server needs no scikit-learn). Its version is
named in every response and audit record; an explanation lists each feature's contribution.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from service.engine.model import PERSON, VESSEL
from service.engine.scoring import Alignment

MODEL_FILE = Path(__file__).with_name("score_model.json")
ANY_SCHEMA = -1

# Rules over the model (issue 14): a weak alias, or a vessel/aircraft name for a query that is not
# one, counts only on a (near) complete match of both names; under that, its score is cut.
COMPLETE = 0.9
INCOMPLETE_FACTOR = 0.5
ONE_WORD_COVER = 0.67  # a one-word personal name must explain this share of the query
IDENTICAL_WEIGHT = 2.0  # idf weight an identical name needs to score 1 (more than a legal form)

FEATURES = (
    "blend",  # the weighted Tversky index of the two token sets (scoring.blend)
    "query_coverage",  # share of the query's weight explained
    "name_coverage",  # share of the listed name's weight explained
    "matched_weight",  # log(1 + idf weight matched on the listed side): how rare the agreement is
    "query_missed",  # query weight left unmatched
    "listed_missed",  # listed weight left unmatched
    "query_miss_max",  # the rarest query token left unmatched
    "listed_miss_max",  # the rarest listed token left unmatched
    "both_missed",  # min of the two: each side has a word the other lacks (a different person)
    "query_tokens",
    "listed_tokens",
    "aligned_pairs",
    "exact_share",  # share of aligned pairs spelled identically (after folding)
    "similarity_min",  # the weakest aligned pair
    "structured",  # the list says which words of the name are the surname
    "surname_coverage",  # ...and this share of the surname's weight matched
    "given_only",  # ...but only given names matched
    "one_word",  # the listed name is one word
    "one_word_partial",  # ...and explains only part of the query
    "listed_person",
    "initials",  # the listed variant is initials the engine made of an organization's words
    "initials_person",  # ...matched by a query that is a person's name
    "weak_alias",
    "weak_partial",  # a weak alias, incompletely matched
    "schema_mismatch",  # the query's schema is given and differs (person vs organization)
    "craft_listed",  # a vessel or aircraft name, for a query that is not one
    "craft_partial",  # ...incompletely matched
    "company_form_vs_person",  # the query holds a legal form ("LLC", "S.A.") and the listed party is a person
    "given_similarity",  # the weakest aligned given name of a structured listed name
    "surname_similarity",  # the weakest aligned surname
    "heads_aligned",  # the listed first surname and first given name both aligned ("MADURO MOROS, Nicolas")
    "consonant_keys",  # matched on the consonant keys of an Arabic-script query
    "other_script",  # the query is written in another script: its Latin spellings are guesses
)


@dataclass(frozen=True, slots=True)
class Logit:
    """One logistic model: coefficients on standardized features."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def parts(self, x: np.ndarray) -> np.ndarray:
        out = np.subtract(x, self.mean)  # (x - mean) / scale * coef in place: a batch's x is tens of MB
        out /= self.scale
        out *= self.coef
        return out

    def logit(self, x: np.ndarray) -> np.ndarray:
        """The log-odds of each candidate. ``einsum``, not BLAS: a BLAS product of a few thousand
        rows starts threads that cost more cpu than they save on a busy server."""
        per_unit = self.coef / self.scale
        return np.einsum("ij,j->i", x, per_unit) + (self.intercept - float(self.mean @ per_unit))

    def to_dict(self) -> dict:
        return {
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }


def _logit(d: dict) -> Logit:
    mean, scale, coef = (np.asarray(d[k], np.float64) for k in ("mean", "scale", "coef"))
    return Logit(mean, scale, coef, float(d["intercept"]))


@dataclass(frozen=True, slots=True)
class ScoreModel:
    """Two logistic models over the same features, one version: ``latin`` for names written in
    Latin script and ``script`` for names romanized from another script (``other_script``). Their
    evidence differs in kind (a romanized spelling is a guess), and one model fitted to both bent
    the Latin coefficients: on the dev validation part, the Latin aliases' recall at the 1% point
    was 3 points lower with schemas and 5 names only."""

    version: str
    features: tuple[str, ...]
    latin: Logit
    script: Logit

    def script_rows(self, x: np.ndarray) -> np.ndarray:
        """Which candidates the script part scores: those of queries romanized from another script."""
        return x[:, _F["other_script"]] > 0

    def logit_parts(self, x: np.ndarray) -> np.ndarray:
        """Each feature's contribution to the log-odds (rows of ``x`` are candidates)."""
        out = self.latin.parts(x)
        other = self.script_rows(x)
        if other.any():
            out[other] = self.script.parts(x[other])
        return out

    def intercepts(self, x: np.ndarray) -> np.ndarray:
        return np.where(self.script_rows(x), self.script.intercept, self.latin.intercept)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The probability of each candidate: one product per part (the same sum as ``logit_parts``,
        up to its last bits)."""
        z = self.latin.logit(x)
        other = self.script_rows(x)
        if other.any():
            z[other] = self.script.logit(x[other])
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "features": list(self.features),
            "latin": self.latin.to_dict(),
            "script": self.script.to_dict(),
        }


def model_from_dict(d: dict) -> ScoreModel:
    if tuple(d["features"]) != FEATURES or "latin" not in d or "script" not in d:
        raise ValueError(
            f"score model {d.get('version')!r} is not the engine's: it needs the features "
            f"{list(FEATURES)} and a latin and a script part; retrain with bench/train_score.py"
        )
    return ScoreModel(str(d["version"]), FEATURES, _logit(d["latin"]), _logit(d["script"]))


@cache
def load_model(path: Path = MODEL_FILE) -> ScoreModel:
    return model_from_dict(json.loads(path.read_text(encoding="utf-8")))


def features(
    al: Alignment,
    blend: np.ndarray,
    one_word: np.ndarray,
    initials: np.ndarray,
    w_surname: np.ndarray,
    weak: np.ndarray,
    wanted: np.ndarray,
    listed: np.ndarray,
    consonant: np.ndarray,
    company_form: np.ndarray,
    other_script: np.ndarray,
) -> np.ndarray:
    """The feature matrix (one row per candidate, columns in FEATURES order).

    ``w_surname``: the listed variant's surname weight; ``wanted`` the query's schema index
    (ANY_SCHEMA when none); ``listed`` the listed entity's; ``consonant``: the row is consonant keys;
    ``company_form``: the query holds a legal form; ``other_script``: the query was romanized.
    """
    qc = np.minimum(al.q_matched / np.maximum(al.q_total, 1e-6), 1.0)
    nc = np.minimum(al.c_matched / np.maximum(al.c_total, 1e-6), 1.0)
    q_missed = np.maximum(al.q_total - al.q_matched, 0)
    c_missed = np.maximum(al.c_total - al.c_matched, 0)
    complete = np.minimum(qc, nc)
    structured = w_surname > 0
    surname_cov = np.where(structured, np.minimum(al.c_surname / np.maximum(w_surname, 1e-6), 1), 0)
    given_only = structured & (al.c_given > 1e-6) & (al.c_surname <= 1e-6)
    craft = ((listed >= VESSEL) & (wanted < VESSEL)).astype(np.float32)
    mismatch = (wanted >= 0) & (wanted != listed) & (listed < VESSEL)
    one = one_word.astype(np.float32)
    wk = weak.astype(np.float32)
    cols = (
        blend,
        qc,
        nc,
        np.log1p(al.c_matched),
        q_missed,
        c_missed,
        al.q_miss_max,
        al.c_miss_max,
        np.minimum(al.q_miss_max, al.c_miss_max),
        np.minimum(al.q_tokens, 6),
        np.minimum(al.c_tokens, 6),
        np.minimum(al.pairs, 6),
        al.exact / np.maximum(al.pairs, 1),
        al.sim_min,
        structured,
        surname_cov,
        given_only,
        one,
        one * (1 - qc),
        listed == PERSON,
        initials,
        initials & (wanted == PERSON),
        wk,
        wk * (1 - complete),
        mismatch,
        craft,
        craft * (1 - complete),
        company_form & (listed == PERSON),
        al.given_sim,
        al.surname_sim,
        al.heads >= 2,
        consonant,
        other_script,
    )
    out = np.empty((len(blend), len(cols)))
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def calibrated(model: ScoreModel, x: np.ndarray, schema_given: np.ndarray) -> np.ndarray:
    """The model's probability, 1 for identical names (every token of both, spelled the same, and
    more than a legal form, of the schema asked for (``schema_given``: the query gave one), not a
    weak alias), with the rules applied."""
    identical = (
        (x[:, _F["blend"]] >= 0.9999)
        & (x[:, _F["exact_share"]] >= 1)
        & (x[:, _F["matched_weight"]] >= np.log1p(IDENTICAL_WEIGHT))
        & (x[:, _F["schema_mismatch"]] == 0)
        & ((x[:, _F["craft_listed"]] == 0) | ~schema_given)
        & (x[:, _F["weak_alias"]] == 0)
    )
    return (np.where(identical, 1.0, model.predict(x)) * rule_factor(x)).astype(np.float32)


def rules(x: np.ndarray) -> dict[str, np.ndarray]:
    """The issue-14 rules on top of the model, each a mask of the candidates it cuts: evidence
    that is weak whatever the words' rarity counts only on a (near) complete match."""
    qc, nc = x[:, _F["query_coverage"]], x[:, _F["name_coverage"]]
    partial = np.minimum(qc, nc) < COMPLETE
    return {
        "weak alias not completely matched": (x[:, _F["weak_alias"]] > 0) & partial,
        "vessel or aircraft name not completely matched": (x[:, _F["craft_listed"]] > 0) & partial,
        "only given names of the listed person matched": x[:, _F["given_only"]] > 0,
        "one-word personal name covers little of the query": (x[:, _F["one_word"]] > 0)
        & (x[:, _F["listed_person"]] > 0)
        & (qc < ONE_WORD_COVER),
        "engine-made initials not matched exactly": (x[:, _F["initials"]] > 0)
        & (partial | (x[:, _F["exact_share"]] < 1) | (x[:, _F["initials_person"]] > 0)),
    }


def rule_factor(x: np.ndarray) -> np.ndarray:
    cut = np.zeros(len(x), bool)
    for mask in rules(x).values():
        cut |= mask
    return np.where(cut, INCOMPLETE_FACTOR, 1.0)


_F = {f: i for i, f in enumerate(FEATURES)}
