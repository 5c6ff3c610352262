"""Acceptance: the names in a real news article, screened against the real OFAC 2021 list only.

Every expectation is written the way the article writes the name; offsets are checked against
the article itself. The article and the list live in the shared folder (skip when absent).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lists_support import ofac_2021, reference_dir

from service.engine.screener import Screener
from service.text import Mention, screen_text

# As written in the article -> the OFAC entity every occurrence must be resolved to.
EXPECTED = {
    "Tareck El-Aissami": "20250",
    "Al-Aissami": "20250",
    "Ghazi Nasreddin": "10891",
    "Nasreddin": "10891",
    "Faouzi Kanaan": "10892",
    "Canaan": "10892",
    "Hezbollah": "4697",
    "Nicolas Maduro": "22790",
    "Maduro": "22790",
    "Petroleos de Venezuela": "26367",
    "Khamenei": "26945",
    "FARC": "4711",
    "ELN": "4706",
}
# Also on the list, under the alias "THE IRANIAN REVOLUTIONARY GUARDS": a true alert.
ALSO_LISTED = {
    "Iranian Revolutionary Guards": "10391",
    "Colombian Revolutionary Armed Forces": "4711",
    "National Liberation Army": "4706",
}
NOT_LISTED = (
    "Hassan Rouhani",
    "Hugo Chavez",
    "Chavez",
    "Mahmoud Ahmadinejad",
    "Ahmadinejad",
    "Mohammad Khatami",
)


def article_path() -> Path:
    path = reference_dir().parent / "articles" / "iran-venezuela-2021-01-31.txt"
    if not path.exists():
        pytest.skip(f"article {path} not found: set ORINOCO_REFERENCE_DIR to the shared folder")
    return path


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_lists([ofac_2021()])


@pytest.fixture(scope="module")
def article() -> str:
    return article_path().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def mentions(screener, article) -> list[Mention]:
    return screen_text(screener, article)


def occurrences(text: str, phrase: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)]


def covering(mentions: list[Mention], start: int, end: int) -> list[Mention]:
    return [m for m in mentions if m.start < end and start < m.end]


def test_offsets_point_at_the_mention_in_the_original_text(mentions, article):
    assert mentions
    for m in mentions:
        assert article[m.start : m.end] == m.text
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


MADURO = "22790"
# Known and open (issue 14): "Maduro" and "Nicolas Maduro" rank their OFAC entry first but score
# under the calibrated default threshold, so the text screener does not mark them.
MADURO_UNDER_THRESHOLD = pytest.mark.xfail(strict=True, reason="issue 14: Maduro scores under the default")


@pytest.mark.parametrize(("phrase", "entity_id"), sorted(EXPECTED.items()))
def test_every_occurrence_of_a_listed_name_is_found_and_resolved(
    mentions, article, screener, phrase, entity_id, request
):
    if entity_id == MADURO:
        request.applymarker(MADURO_UNDER_THRESHOLD)
    spots = occurrences(article, phrase)
    assert spots, f"{phrase!r} is not in the article"
    for start, end in spots:
        found = covering(mentions, start, end)
        assert found, f"{phrase!r} at {start} not found"
        best = found[0].matches[0]
        assert best.entity_id == entity_id or any(x.entity_id == entity_id for x in found[0].matches), (
            phrase,
            start,
            [(x.entity_id, x.name) for x in found[0].matches],
        )
        assert best.score > screener.default_threshold


@pytest.mark.parametrize("phrase", NOT_LISTED)
def test_people_who_are_not_on_the_list_raise_no_alert(mentions, article, phrase):
    for start, end in occurrences(article, phrase):
        assert not covering(mentions, start, end), (phrase, start)


def test_a_country_alone_never_alerts(mentions, article):
    for country in ("Venezuela", "Iran", "Syria", "Lebanon", "Colombia", "Venezuelan", "Iranian"):
        for start, end in occurrences(article, country):
            for m in covering(mentions, start, end):
                assert m.text != country and len(m.text) > len(country), (country, m.text)


@pytest.mark.xfail(
    strict=True,
    reason="issue 14: under the calibrated score 'State Department' alerts "
    "on a listed party at the default threshold",
)
def test_every_alert_on_the_article_is_a_listed_name_of_the_article(mentions):
    """Precision on this article: each alert is one of the names judged listed (see
    bench/text_article_judgement.md), never an ordinary word or an unlisted person."""
    allowed = {**EXPECTED, **ALSO_LISTED}
    for m in mentions:
        assert any(
            m.text == phrase or m.text.endswith(phrase) or phrase.endswith(m.text) for phrase in allowed
        ), m.text
        assert any(x.entity_id in allowed.values() for x in m.matches), (m.text, m.matches[0].name)


def test_a_surname_after_the_full_name_is_resolved_to_that_earlier_mention(mentions, article):
    full = next(m for m in mentions if m.text == "Faouzi Kanaan")
    later = [m for m in mentions if m.text == "Canaan"]
    assert len(later) == len(occurrences(article, "Canaan")) == 2
    for m in later:
        assert m.start > full.start
        assert m.matches[0].entity_id == full.matches[0].entity_id
        assert m.matches[0].score == full.matches[0].score
        assert m.matches[0].explanation["note"] == f"resolved to the earlier mention at offset {full.start}"


def test_the_whole_article_is_screened_in_one_engine_call(screener, article, monkeypatch):
    calls = []
    real = screener.screen
    monkeypatch.setattr(screener, "screen", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert screen_text(screener, article)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("text", "phrase", "entity_id"),
    [
        ("PAYMENT TO HIZBALLAH REF 4471 FOR GOODS", "HIZBALLAH", "4697"),
        ("sent 500 usd to hezbollah via tareck el aissami", "hezbollah", "4697"),
        ("sent 500 usd to hezbollah via tareck el aissami", "tareck el aissami", "20250"),
        (
            "Officials met Tareck\nEl-Aissami on Monday. Later El-Aissami's office said no.",
            "Tareck\nEl-Aissami",
            "20250",
        ),
        ("The Venezuela of Nicolas Maduro's government. Maduro's allies met in Iran.", "Maduro", "22790"),
        ("Hugo Chavez met Adan Chavez Frias in May.", "Adan Chavez Frias", "22804"),
        (
            "Talks with the Revolutionary Armed Forces of Colombia resumed.",
            "Revolutionary Armed Forces of Colombia",
            "4711",
        ),
        (
            "He worked for the Iranian Ministry of Petroleum until 2019.",
            "Iranian Ministry of Petroleum",
            "29788",
        ),
        ("BENEFICIARY: KAN'AN, FAWZI MUSTAFA / CARACAS VE", "KAN'AN, FAWZI MUSTAFA", "10892"),
        ("Mr. Tareck Z. El Aissami arrived.", "Tareck Z. El Aissami", "20250"),
    ],
)
def test_names_in_messages_and_notes(screener, text, phrase, entity_id, request):
    if entity_id == MADURO:
        request.applymarker(MADURO_UNDER_THRESHOLD)
    found = [m for m in screen_text(screener, text) if m.text == phrase]
    assert found and all(m.matches[0].entity_id == entity_id for m in found), screen_text(screener, text)


@pytest.mark.parametrize(
    "text",
    [
        "Hugo Chavez spoke in Caracas.",  # his brother CHAVEZ FRIAS, Adan is listed: a surname is not enough
        "He said the alliance would bid for capital in the international market.",
        "The Iranian and Venezuelan sides met in October in Tehran.",
        # OFAC lists Iran's ministry (address Tehran): a country adjective naming another country rules it out
        "Since April he has worked in the Venezuelan Ministry of Petroleum.",
    ],
)
def test_ordinary_words_and_shared_surnames_raise_no_alert(screener, text):
    assert screen_text(screener, text) == []


def test_a_lower_case_word_does_not_repeat_an_earlier_name(screener):
    text = "Iranian Revolutionary Guards secured the site. Later the guards left, and Guards returned."
    found = [(m.text, m.matches[0].entity_id) for m in screen_text(screener, text)]
    assert found == [("Iranian Revolutionary Guards", "10391"), ("Guards", "10391")]
