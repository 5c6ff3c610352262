"""A listed name disguised with invisible characters, blanks or look-alike letters screens exactly
as the clean name does (engine, text screener, batch, compare), and genuine non-Latin names keep their
romanization. Over HTTP: tests/service/test_evasion_http.py."""

from __future__ import annotations

import functools
import random

import pytest
from evasion_support import disguised, issue_examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_support import ofac_2021, un_2026

from service.engine.normalize import fold, name_variants
from service.engine.screener import Query, Screener
from service.engine.unmask import unmask, unmask_offsets
from service.text import screen_text


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_lists([ofac_2021(), un_2026()])


@functools.cache
def _listed_names() -> list[str]:
    """300 listed primary names and aliases of the OFAC 2021 list, a fixed sample."""
    names = sorted({a.name for e in ofac_2021().entities for a in e.names() if len(a.name) <= 60})
    return random.Random(23).sample(names, 300)


def _top(screener: Screener, name: str) -> tuple[str, str, float] | None:
    matches = screener.screen([Query(name)], limit=3)[0].matches
    return (matches[0].list, matches[0].entity_id, matches[0].score) if matches else None


@pytest.mark.parametrize(("name", "disguise"), issue_examples())
def test_the_issues_disguises_match_like_the_clean_name(screener: Screener, name: str, disguise: str) -> None:
    clean = _top(screener, name)
    assert clean is not None and clean[2] > 0.8
    assert _top(screener, disguise) == clean


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_disguised_listed_name_scores_as_the_clean_one(screener: Screener, data: st.DataObject) -> None:
    name = _listed_names()[data.draw(st.integers(0, 299))]
    disguise = data.draw(disguised(name))
    assert name_variants(disguise) == name_variants(name)
    assert _top(screener, disguise) == _top(screener, name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_disguised_name_in_text_is_found_as_the_clean_one(screener: Screener, data: st.DataObject) -> None:
    name = data.draw(
        st.sampled_from(
            ["Tareck El Aissami", "Faouzi Kanaan", "Ghazi Nasreddin", "Nicolas Maduro Moros", "Hezbollah"]
        )
    )
    disguise = data.draw(disguised(name))
    prefix = "Payment approved for "
    clean = screen_text(screener, prefix + name + ". Thanks.")
    hidden = screen_text(screener, prefix + disguise + ". Thanks.")
    assert clean and [(m.matches[0].entity_id, m.matches[0].score) for m in hidden] == [
        (m.matches[0].entity_id, m.matches[0].score) for m in clean
    ]
    # Offsets are into the text sent: the mention is the disguised name, as written.
    sent = prefix + disguise + ". Thanks."
    assert len(prefix) <= hidden[0].start < hidden[0].end <= len(prefix) + len(disguise)
    assert hidden[0].text == sent[hidden[0].start : hidden[0].end]
    assert fold(hidden[0].text).split() == fold(clean[0].text).split()


def test_compare_sees_through_a_disguise(screener: Screener) -> None:
    a = screener.compare(Query("Tareck\u3164El\u200bAiss\u0430mi"), Query("EL AISSAMI, Tareck"))
    assert a.score == screener.compare(Query("Tareck El Aissami"), Query("EL AISSAMI, Tareck")).score == 1.0


def test_whole_words_of_one_script_keep_their_romanization() -> None:
    assert fold("Путин Владимир") == "putin vladimir"  # not "Pyt..." look-alikes
    assert fold("Пyтин") == "putin"  # a Latin "y" in a Cyrillic word is read as Cyrillic "у"
    assert fold("Αλέξης Τσίπρας") == "alexis tsipras"
    assert fold("Ахмед Hassan") == "akhmed hassan"  # two scripts in two words: each its own
    assert unmask("محمد\u200cرضا") == "محمدرضا"


def test_cyrillic_aliases_still_find_their_entity(screener: Screener) -> None:
    un = {e.id: e for e in un_2026().entities}
    cyrillic = [
        (e.id, a.name, a.weak)
        for e in un.values()
        for a in e.names()
        if any("\u0400" <= ch <= "\u04ff" for ch in a.name)
    ]
    assert len(cyrillic) >= 5
    for entity_id, name, weak in cyrillic:
        # A weak (UN "Low" quality) alias such as the one word "Абубакар" ranks its entity first
        # but need not alert on its own; every other name alerts at the default threshold.
        threshold = 0.0 if weak else None
        matches = screener.screen([Query(name)], limit=1, lists=["un_sc"], threshold=threshold)[0].matches
        assert matches and matches[0].entity_id == entity_id, name


def test_offsets_map_back_to_the_text_sent() -> None:
    text = "a\u200bb\u3164C\u2060D\u0435f"
    assert unmask_offsets(text) == ("ab CDef", [0, 2, 3, 4, 6, 7, 8])


# Letters of both cases and scripts, blanks, invisible characters, tabs and line breaks, in any order.
MASKED_TEXT = st.text(
    alphabet=st.sampled_from(
        "aAbBzZ \t\nаАΑ\u00a0\u3000\u3164\uffa0\u2800\u200b\u200c\u200d\u2060\u00ad\ufe0f\u202e\U000e0041\x07"
    ),
    max_size=14,
)


@settings(max_examples=500, deadline=None)
@given(text=MASKED_TEXT)
def test_a_names_unmasking_is_the_offset_mapping_ones(text: str) -> None:
    """Names are unmasked by regular expressions (no offsets), text character by character: the same."""
    assert unmask(text) == unmask_offsets(text)[0]


def test_batch_screens_a_disguised_name_as_the_clean_one(screener: Screener) -> None:
    import pandas as pd

    from service.batch.prepare import Columns, prepare
    from service.batch.screening import screen_queries

    pairs = issue_examples()
    frame = pd.DataFrame({"name": [n for pair in pairs for n in pair]})
    queries, rejects = prepare(frame, 1, Columns(("name",)))
    assert rejects.empty
    alerts = screen_queries(screener, queries, limit=1, threshold=None)
    top = {
        row: (e, s)
        for row, e, s in zip(alerts["input_id"], alerts["entity_id"], alerts["score"], strict=True)
    }
    for i in range(len(pairs)):
        clean, hidden = top.get(str(2 * i + 1)), top.get(str(2 * i + 2))
        assert clean is not None and hidden == clean, pairs[i]
