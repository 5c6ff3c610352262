"""The delta re-screen's pre-filter (``Screener.may_match``) is exact: on the real OFAC 2021-07 ->
2024-05 delta, every customer that screening against the delta's records could match (any
candidate at all, at threshold 0) is kept, and a store re-screened through it holds the same alerts
as screening every customer against those records."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from monitor_support import REFERENCE, database_params, fresh_database
from sqlalchemy import select

from service.engine.screener import DEFAULT_THRESHOLD, QUERY_SCHEMAS, Query, Screener, name_rows
from service.lists import load_source
from service.monitor import alerts, rescreen
from service.monitor.models import Alert, Customer, RescreenJob
from service.monitor.records import entity_hash, parse_customer, record_hashes
from service.monitor.service import Monitor

EVAL = REFERENCE.parent / "eval"
THRESHOLD = 0.9  # under the default, so that some innocent names alert and the comparison has content


@pytest.fixture(scope="module")
def lists():
    if not (REFERENCE / "ofac_sdn_2024-05").exists():
        pytest.skip("the reference lists are not here")
    old = load_source("ofac", str(REFERENCE / "ofac_sdn_2021-07"))
    new = load_source("ofac", str(REFERENCE / "ofac_sdn_2024-05"))
    return old, new


@pytest.fixture(scope="module")
def case(lists):
    old, new = lists
    whole = Screener.from_lists([new], default_threshold=THRESHOLD)
    before = {(e.list_id, e.id): entity_hash(e) for e in old.entities}
    delta = rescreen.compute_delta(before, record_hashes(whole))
    records = delta.added + delta.changed
    part = whole.subset(records)
    small = whole.subset(records[:: max(1, len(records) // 120)])  # ~120 records: a daily update
    names = []
    with (EVAL / "seed_cases_dev.csv").open(encoding="utf-8") as f:
        names += [r["query"] for r in csv.DictReader(f)]
    with (EVAL / "negatives_dev.csv").open(encoding="utf-8") as f:
        names += [r["query"] for _, r in zip(range(2500), csv.DictReader(f), strict=False)]
    return whole, part, small, names


def matched(
    part: Screener, names: list[str], threshold: float, schemas: list[str] | None = None
) -> np.ndarray:
    """Per name: whether screening it against ``part`` matches anything (threshold 0: any candidate)."""
    prepared = [name_rows(n) for n in names]
    queries = [Query(n, s) for n, s in zip(names, schemas or ["Any"] * len(names), strict=True)]
    found = part.screen(queries, limit=1, threshold=threshold, prepared=prepared)
    return np.array([bool(r.matches) for r in found])


@pytest.mark.parametrize(
    "which,threshold,least",
    [("delta", 0.0, 1000), ("sample", 0.0, 100), ("delta", THRESHOLD, 10), ("sample", 0.8, 1)],
)
def test_the_prefilter_keeps_every_name_screening_could_match(case, which, threshold, least):
    """On the whole 2021 -> 2024 delta (thousands of records) and on a daily-sized sample of it, at
    threshold 0 (any candidate: the blend bound) and at alerting thresholds (the calibrated bound):
    no name that matches is ruled out, and against the daily-sized sample most that do not are."""
    _, delta, small, names = case
    part = delta if which == "delta" else small
    may = part.may_match([name_rows(n) for n in names], threshold=threshold)
    has = matched(part, names, threshold)
    assert has.sum() >= least
    assert not (has & ~may).any(), [n for n, h, m in zip(names, has, may, strict=True) if h and not m][:5]
    if which == "sample":
        assert (~may).sum() > len(names) // 3


def test_prepared_rows_screen_as_the_names_do(case):
    whole, _, _, names = case
    sample = names[:300]
    queries = [Query(n) for n in sample]
    plain = whole.screen(queries, limit=5, threshold=0.5)
    kept = whole.screen(queries, limit=5, threshold=0.5, prepared=[name_rows(n) for n in sample])
    assert [[(m.entity_id, m.score) for m in r.matches] for r in plain] == [
        [(m.entity_id, m.score) for m in r.matches] for r in kept
    ]


words = st.text(alphabet="abcdefghijklmnoprstuvyz", min_size=1, max_size=9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_prefilter_keeps_made_up_names_that_have_a_candidate(case, data):
    """Names made of the delta's own words (misspelled, reordered, with other words), of any type:
    none that matches is ruled out."""
    _, _, part, _ = case
    pool = sorted({w for e in part.entities for n in e.names() for w in n.name.replace(",", " ").split()})
    listed = st.sampled_from(pool).map(lambda w: w.lower())
    typo = st.tuples(listed, st.integers(0, 8)).map(lambda t: t[0][: t[1]] + t[0][t[1] + 1 :] or t[0])
    name = st.lists(st.one_of(listed, typo, words), min_size=1, max_size=5).map(" ".join)
    names = data.draw(st.lists(name, min_size=1, max_size=8))
    schemas = data.draw(st.lists(st.sampled_from(QUERY_SCHEMAS), min_size=len(names), max_size=len(names)))
    threshold = data.draw(st.sampled_from([0.0, 0.8, THRESHOLD, DEFAULT_THRESHOLD]))
    may = part.may_match([name_rows(n) for n in names], schemas, threshold)
    has = matched(part, names, threshold, schemas)
    assert not (has & ~may).any()


@pytest.fixture(params=database_params())
def store(request, tmp_path):
    m = Monitor(fresh_database(request.param, tmp_path))
    yield m
    m.db.dispose()


def test_the_delta_rescreen_opens_the_alerts_a_full_screening_against_the_delta_does(store, lists, case):
    """The book screened on 2021-07, then 2024-05 loaded: the delta job (pre-filter, then scoring the
    few left) leaves on the delta's records exactly the alerts of screening every customer against
    them."""
    old, _ = lists
    whole, part, _, names = case
    before = Screener.from_lists([old], default_threshold=THRESHOLD)
    store.lists_loaded(before)
    book = [parse_customer({"id": f"c{i:05d}", "names": [n]}) for i, n in enumerate(names[:1500])]
    store.put_customers(book, before)
    job_id = store.lists_loaded(whole)
    assert job_id is not None
    rescreen.run_job(store.db, whole, job_id, deliver=False, chunk=50, scan=400)
    scope = {(e.list_id, e.id) for e in part.entities}
    with store.db.transaction() as s:
        job = s.get(RescreenJob, job_id)
        assert job.status == "done" and job.customers_checked == len(book)
        assert 0 < job.customers_done < len(book)
        got = {
            (a.customer_id, a.entity_id)
            for a in s.scalars(select(Alert).where(Alert.status == "open"))
            if (a.list_id, a.entity_id) in scope
        }
        everyone = s.execute(
            select(Customer.id, Customer.names, Customer.schema, Customer.birth_date, Customer.country)
        ).all()
    expected = {(cid, key[1]) for cid, found in alerts.screen(part, everyone).items() for key in found}
    assert expected and got == expected
