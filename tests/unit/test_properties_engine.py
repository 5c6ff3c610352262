"""Properties of the normalizer and the scorer over any Unicode input, adversarial text included.

What is checked, precisely:
- ``fold`` never raises, yields lower-case ASCII, and is idempotent: fold(fold(x)) == fold(x).
- ``name_variants`` yields tokens of [a-z0-9] only (what the index stores), and is stable: the
  variants of the first variant's tokens joined by spaces start with that same variant.
- ``Screener.compare(a, b)`` is in [0, 1]; it is 1 for a name of distinct tokens compared with
  itself; it does not depend on token order. It is NOT symmetric in (a, b) by design (a Tversky
  score: missing listed tokens cost less than extra query tokens), so symmetry is not asserted.
- ``Screener.screen`` never raises and returns scores in [0, 1].
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from service.engine.model import Entity, ListVersion, LoadedList
from service.engine.name_parts import LEGAL_FORMS, LEGAL_PHRASES, PARTICLES, STOPWORDS, TITLES
from service.engine.normalize import acronyms, fold, name_variants, skeleton
from service.engine.screener import Query, Screener

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKEN = re.compile(r"[a-z0-9]+")

# Characters that attack a text pipeline: controls, bidi overrides and isolates, zero-width
# joiners, BOM, combining marks, surrogate-free astral emoji, RTL and CJK letters, fullwidth forms.
HOSTILE = (
    "\x00\x01\x1b\x7f\u0085\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202d\u202e\u2066\u2067"
    "\u2069\ufeff\u0301\u0308\u0327\u036f\u20dd\U0001f600\U0001f3f3\ufe0f\u200d\U0001f308"
    "\u0645\u062d\u0645\u062f\u05d0\u4e60\u8fd1\u5e73\uac00\uff21\uff41\u00df\u0130\u0131\ufb01"
)
hostile_text = st.text(alphabet=st.sampled_from(HOSTILE) | st.characters(codec="utf-8"), max_size=200)
any_text = st.text(max_size=300) | hostile_text
# Words whose meaning depends on their place in a name ("bin X" is one token, a leading title is
# dropped) are left out, so that reordering the words cannot change the tokens.
ORDER_DEPENDENT = (
    TITLES
    | PARTICLES
    | STOPWORDS
    | set(LEGAL_FORMS)
    | {w for p in LEGAL_PHRASES for w in p}
    | {"abd", "abdul", "abdel", "abdal", "abu", "abou", "bin", "ibn"}
)
latin_word = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=10).filter(
    lambda w: w not in ORDER_DEPENDENT
)

ADVERSARIAL = [
    "",
    "\u202eHEZBOLLAH\u202c",
    "Z\u200bA\u200dR\u200cG\u2060HAMI",
    "a" + "\u0301" * 10_000,
    "x" * 100_000,
    "Mohammed " * 12_000,
    "\U0001f600" * 5000,
    "محمد Ivanov 習近平 김정은 Ωμέγα",
    "\x00\x00\x00",
    "\ud800",  # a lone surrogate, as a JSON "\ud800" escape decodes to
    "-- -- ,,, ...",
]


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_adversarial_names_fold_and_tokenize(text: str) -> None:
    check_normalizer(text)


@PROPS
@given(any_text)
def test_any_unicode_folds_and_tokenizes(text: str) -> None:
    check_normalizer(text)


def check_normalizer(text: str) -> None:
    folded = fold(text)
    assert folded.isascii() and folded == folded.lower()
    assert fold(folded) == folded
    variants = name_variants(text)
    for tokens in variants:
        assert tokens and all(TOKEN.fullmatch(t) for t in tokens), tokens
    if variants:
        assert name_variants(" ".join(variants[0]))[0] == variants[0]
    assert all(TOKEN.fullmatch(a) for a in acronyms(text))
    assert all(skeleton(t).isascii() for v in variants for t in v)


def _list() -> LoadedList:
    names = [
        "ZARGHAMI, Mohammed Ali",
        "Hassan QUDSIYYA",
        "NORTHERN STAR TRADING COMPANY",
        "Ivan Petrov",
        "Kim Jong Un",
        "Abdel-Rahman AL-HAKIM",
        "Omar Haddad",
        "Ali Saleh",
        "Ahmed Karimi",
    ]
    entities = [Entity(str(i), "prop", "Person", n) for i, n in enumerate(names)]
    version = ListVersion("prop", "custom", None, "0" * 64, len(entities), len(entities), "now")
    return LoadedList(version, entities)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_lists([_list()])


@PROPS
@given(a=any_text, b=any_text)
def test_compare_is_a_score_for_any_pair(screener: Screener, a: str, b: str) -> None:
    assert 0.0 <= screener.compare(Query(a), Query(b)).score <= 1.0


@PROPS
@given(words=st.lists(latin_word, min_size=1, max_size=5, unique=True))
@example(words=["zarghami", "mohammed", "ali"])
@example(words=["omar", "haddad"])
def test_a_name_compared_with_itself_scores_one(screener: Screener, words: list[str]) -> None:
    name = " ".join(words)
    if not name_variants(name):
        return
    assert screener.compare(Query(name), Query(name)).score == pytest.approx(1.0)


def test_a_name_with_a_token_repeated_three_times_compared_with_itself_scores_one(screener: Screener) -> None:
    assert screener.compare(Query("aaa aaa aaa"), Query("aaa aaa aaa")).score == pytest.approx(1.0)


@PROPS
@given(
    words=st.lists(latin_word, min_size=2, max_size=4, unique=True),
    other=st.lists(latin_word, max_size=3),
    data=st.data(),
)
@example(words=["ali", "zarghami", "mohammed"], other=["zarghami", "mohammed", "ali"], data=None)
def test_compare_ignores_token_order(screener: Screener, words: list[str], other: list[str], data) -> None:
    shuffled = data.draw(st.permutations(words)) if data is not None else list(reversed(words))
    listed = " ".join(other or words)
    first = screener.compare(Query(" ".join(words)), Query(listed)).score
    second = screener.compare(Query(" ".join(shuffled)), Query(listed)).score
    assert first == pytest.approx(second, abs=1e-6)


@PROPS
@given(names=st.lists(any_text, min_size=1, max_size=5), threshold=st.floats(0.0, 1.0))
def test_screening_any_text_never_raises(screener: Screener, names: list[str], threshold: float) -> None:
    results = screener.screen([Query(n) for n in names], limit=5, threshold=threshold)
    assert len(results) == len(names)
    assert all(0.0 <= m.score <= 1.0 for r in results for m in r.matches)


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_adversarial_names_screen_and_compare(screener: Screener, text: str) -> None:
    screener.screen([Query(text)], limit=5, threshold=0.0)
    assert 0.0 <= screener.compare(Query(text), Query("ZARGHAMI, Mohammed Ali")).score <= 1.0
