"""Through the real gunicorn: a disguised listed name (invisible characters, blanks, look-alike
letters) gets the clean name's match and score from /v1/screen and /v1/screen/text."""

from __future__ import annotations

import pytest
from evasion_support import disguised, issue_examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = [
    "Tareck El Aissami",
    "Faouzi Kanaan",
    "Ghazi Nasreddin",
    "Nicolas Maduro Moros",
    "EL AISSAMI MADDAH, Tareck Zaidan",
    "AL-SALAH ISLAMIC FOUNDATION",
    "Hezbollah",
]


def _top(server, name: str) -> tuple[str, str, float] | None:
    r = server.post("/v1/screen", json={"name": name, "limit": 3})
    assert r.status_code == 200, r.text
    matches = r.json()["results"][0]["matches"]
    return (matches[0]["list"], matches[0]["entity_id"], matches[0]["score"]) if matches else None


def _mentions(server, text: str) -> list[tuple[str, float]]:
    r = server.post("/v1/screen/text", json={"text": text})
    assert r.status_code == 200, r.text
    return [(m["matches"][0]["entity_id"], m["matches"][0]["score"]) for m in r.json()["mentions"]]


@pytest.mark.parametrize(("name", "disguise"), issue_examples())
def test_the_issues_disguises_alert_over_http(server, name: str, disguise: str) -> None:
    clean = _top(server, name)
    assert clean is not None
    assert _top(server, disguise) == clean
    text = "Beneficiary: {} , ref 7731."
    assert _mentions(server, text.format(disguise)) == _mentions(server, text.format(name)) != []


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_disguised_names_score_as_clean_over_http(server, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(NAMES))
    disguise = data.draw(disguised(name))
    assert _top(server, disguise) == _top(server, name)
    text = "Payment approved for {}. Thanks."
    assert _mentions(server, text.format(disguise)) == _mentions(server, text.format(name))
