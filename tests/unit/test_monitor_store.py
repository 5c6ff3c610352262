"""The monitoring store on SQLite and on a real PostgreSQL server, the same tests on both:
customers, alerts opened by screening, decisions, suppression of cleared alerts, the list delta,
delisting, crash-safe re-screen jobs and the webhook outbox."""

from __future__ import annotations

import pytest
from monitor_support import WATCHLIST_V1, database_params, fresh_database, screener_for, write_watchlist
from sqlalchemy import inspect, select

from service.monitor import alerts, rescreen
from service.monitor.models import Alert, Decision, Delivery, RescreenJob
from service.monitor.records import InvalidCustomer, parse_customer
from service.monitor.service import Conflict, Monitor
from service.monitor.webhook import Webhook

CUSTOMERS = [
    {"id": "c1", "names": ["Zorander Quilfeather"], "type": "Person"},
    {"id": "c2", "names": ["Blackwater Shipping Consolidated Ltd"], "type": "Organization"},
    {"id": "c3", "names": ["Maria Lopez Garcia"], "type": "Person", "country": "ES"},
    {"id": "c4", "names": ["Ivelina Marcheti Dunsworth", "I. Dunsworth"], "birth_date": "1961-03-02"},
]


@pytest.fixture(params=database_params())
def monitor(request, tmp_path) -> Monitor:
    m = Monitor(fresh_database(request.param, tmp_path), Webhook("http://127.0.0.1:9/hook", b"secret"))
    yield m
    m.db.dispose()


@pytest.fixture
def watch(tmp_path):
    return write_watchlist(tmp_path / "watch.csv", dict(WATCHLIST_V1))


def load(monitor: Monitor, path):
    screener = screener_for(path)
    monitor.lists_loaded(screener)
    monitor.work(screener)
    return screener


def alerts_by_key(monitor: Monitor) -> dict[tuple[str, str], dict]:
    found, _ = monitor.list_alerts(limit=1000)
    return {(a["customer_id"], a["entity_id"]): a for a in found}


def test_migrations_create_the_tables_and_run_twice(monitor):
    monitor.start()  # again: idempotent
    names = set(inspect(monitor.db.engine).get_table_names())
    assert {"customers", "alerts", "decisions", "rescreen_jobs", "deliveries", "listed_records"} <= names


def test_added_customers_are_screened_at_once_and_open_alerts(monitor, watch):
    screener = load(monitor, watch)
    out = monitor.put_customers([parse_customer(c) for c in CUSTOMERS], screener)
    assert all(c["screened"] for c in out)
    found = alerts_by_key(monitor)
    assert set(found) == {("c1", "W1"), ("c2", "W2"), ("c4", "W3")}
    a = found[("c1", "W1")]
    assert a["status"] == "open" and a["score"] >= screener.default_threshold
    assert a["list_version"] == screener.versions[0].sha256
    assert a["explanation"]["tokens"] and len(a["record_hash"]) == 64
    history = monitor.get_alert(a["id"])["history"]
    assert [(h["decision"], h["reviewer"]) for h in history] == [("open", "system")]


def test_a_cleared_alert_stays_cleared_until_the_customer_or_the_record_changes(monitor, watch):
    screener = load(monitor, watch)
    monitor.put_customers([parse_customer(c) for c in CUSTOMERS], screener)
    alert = alerts_by_key(monitor)[("c1", "W1")]
    decided = monitor.decide(alert["id"], "cleared", "different person: born 1990", "ana")
    assert decided["status"] == "cleared" and decided["history"][-1]["reviewer"] == "ana"

    # the same lists again: nothing changes, nothing re-opens
    assert monitor.lists_loaded(screener) is None
    again = screener_for(watch)
    assert monitor.lists_loaded(again) is None
    assert alerts_by_key(monitor)[("c1", "W1")]["status"] == "cleared"
    # the customer's update keeps the screened data: still cleared
    monitor.put_customers(
        [parse_customer({**CUSTOMERS[0], "identifiers": [{"type": "passport", "number": "X1"}]})], again
    )
    assert alerts_by_key(monitor)[("c1", "W1")]["status"] == "cleared"
    # the customer's screened data changes: it re-opens with the reason
    monitor.put_customers([parse_customer({**CUSTOMERS[0], "birth_date": "1970"})], again)
    reopened = alerts_by_key(monitor)[("c1", "W1")]
    assert reopened["status"] == "open"
    assert reopened["reason"] == "the customer's data changed since it was cleared"
    # cleared again, then the listed record changes
    monitor.decide(reopened["id"], "cleared", "still not him", "ana")
    write_watchlist(watch, {**WATCHLIST_V1, "W1": "W1,Zorander Quillfeather,person,1,1971,,TEST\n"})
    load(monitor, watch)
    after = monitor.get_alert(reopened["id"])
    assert after["status"] == "open" and after["reason"] == "the listed record changed since it was cleared"
    assert [h["decision"] for h in after["history"]] == ["open", "cleared", "open", "cleared", "open"]


def test_the_delta_is_screened_alone_and_removed_records_are_delisted(monitor, watch):
    screener = load(monitor, watch)
    monitor.put_customers([parse_customer(c) for c in CUSTOMERS], screener)
    before = alerts_by_key(monitor)
    rows = dict(WATCHLIST_V1)
    del rows["W2"]  # delisted
    rows["W5"] = "W5,Maria Lopez Garcia,person,1,,,TEST\n"  # a new designation
    write_watchlist(watch, rows)
    new = screener_for(watch)
    job_id = monitor.lists_loaded(new)
    with monitor.db.transaction() as s:
        job = s.get(RescreenJob, job_id)
        assert (job.added, job.changed, job.removed, job.records) == (1, 0, 1, [["watch", "W5"]])
    assert alerts_by_key(monitor)[("c2", "W2")]["status"] == "delisted"
    monitor.work(new)
    after = alerts_by_key(monitor)
    assert after[("c3", "W5")]["status"] == "open"
    # alerts on unchanged records were not touched by the delta screening
    for key in (("c1", "W1"), ("c4", "W3")):
        assert after[key]["updated_at"] == before[key]["updated_at"]
    with monitor.db.transaction() as s:
        job = s.get(RescreenJob, job_id)
        # only c3 holds tokens like the new record's: the only customer screened
        assert job.status == "done" and job.customers_done == 1 and job.alerts_opened == 1
        events = [(d.event, d.alert_id) for d in s.scalars(select(Delivery).order_by(Delivery.id))]
    assert ("alert.delisted", after[("c2", "W2")]["id"]) in events
    assert ("alert.opened", after[("c3", "W5")]["id"]) in events
    # the record comes back: its alert re-opens
    write_watchlist(watch, {**rows, "W2": WATCHLIST_V1["W2"]})
    load(monitor, watch)
    back = alerts_by_key(monitor)[("c2", "W2")]
    assert back["status"] == "open" and back["reason"] == "the record is listed again"


def test_an_interrupted_rescreen_resumes_where_it_stopped(monitor, watch):
    screener = load(monitor, watch)
    many = [
        parse_customer(
            {"id": f"k{i:03d}", "names": [f"Maria Lopez Garcia {i}" if i % 7 == 0 else f"Person Number {i}"]}
        )
        for i in range(60)
    ]
    monitor.put_customers(many, screener)
    write_watchlist(watch, {**WATCHLIST_V1, "W5": "W5,Maria Lopez Garcia,person,1,,,TEST\n"})
    new = screener_for(watch)
    job_id = monitor.lists_loaded(new)
    chunks = []
    # a crash after two chunks: the third transaction never commits
    rescreen.run_job(
        monitor.db, new, job_id, True, chunk=2, should_stop=lambda: chunks.append(1) or len(chunks) > 2
    )
    with monitor.db.transaction() as s:
        job = s.get(RescreenJob, job_id)
        assert job.status == "running" and job.customers_done == 4 and job.cursor == "k021"
    # the next process picks the same job up from its cursor
    assert rescreen.next_job(monitor.db, new).id == job_id
    monitor.work(new)
    with monitor.db.transaction() as s:
        job = s.get(RescreenJob, job_id)
        opened = s.scalars(select(Alert.customer_id).where(Alert.entity_id == "W5")).all()
    assert job.status == "done" and job.alerts_opened == 9
    assert sorted(opened) == [f"k{i:03d}" for i in range(0, 60, 7)]


def test_the_delta_screens_only_customers_that_can_match_and_misses_none(monitor, tmp_path):
    """The pre-filter is exact: screening every customer against the delta finds no more."""
    import csv

    from monitor_support import REFERENCE

    from service.engine.screener import Screener
    from service.lists import load_source

    ofac = load_source("ofac", str(REFERENCE / "ofac_sdn_2021-07"))
    full = Screener.from_lists([ofac])
    monitor.lists_loaded(full)
    with (REFERENCE.parent / "eval" / "negatives_dev.csv").open(encoding="utf-8") as f:
        rows = [r for _, r in zip(range(1500), csv.DictReader(f), strict=False)]
    monitor.put_customers([parse_customer({"id": r["neg_id"], "names": [r["query"]]}) for r in rows], full)
    keys = [(e.list_id, e.id) for e in full.entities[::90]]  # ~100 records as a delta
    part = full.subset(keys)
    part.default_threshold = 0.5  # below the service's default, so that some innocent names match
    book = rescreen.stored_rows(monitor.db, None, 10_000)  # as the full screening stored them
    may = part.may_match([rows[0] for _, _, rows in book])  # one name each, of any type
    chosen = {cid for (cid, _, _), m in zip(book, may, strict=True) if m}
    with monitor.db.transaction() as s:
        from service.monitor.models import Customer

        everyone = list(s.scalars(select(Customer)))
    hits = alerts.screen(part, everyone)
    assert 0 < len(chosen) < len(everyone)
    matching = {cid for cid, found in hits.items() if found}
    assert matching and matching <= chosen
    # the delta's screener scores each of its records as the full screener does
    from service.engine.screener import Query

    queries = [Query(n, id=c.id) for c in everyone for n in c.names]
    scope = set(keys)

    def found(screener):
        return {
            (r.query.id, m.list, m.entity_id): m.score
            for r in screener.screen(queries, limit=10_000, threshold=0.5)
            for m in r.matches
            if (m.list, m.entity_id) in scope
        }

    expected = found(full)
    assert expected and found(part) == pytest.approx(expected)


def test_decisions_are_append_only_and_validated(monitor, watch):
    screener = load(monitor, watch)
    monitor.put_customers([parse_customer(c) for c in CUSTOMERS], screener)
    alert = alerts_by_key(monitor)[("c2", "W2")]
    monitor.decide(alert["id"], "escalated", "needs a second look", "bo")
    monitor.decide(alert["id"], "confirmed", "same company", "senior")
    with pytest.raises(ValueError):
        monitor.decide(alert["id"], "deleted", "x", "bo")
    with monitor.db.transaction() as s:
        rows = s.scalars(select(Decision).where(Decision.alert_id == alert["id"]).order_by(Decision.id)).all()
        assert [r.decision for r in rows] == ["open", "escalated", "confirmed"]
    write_watchlist(watch, {k: v for k, v in WATCHLIST_V1.items() if k != "W2"})
    load(monitor, watch)
    with pytest.raises(Conflict):
        monitor.decide(alert["id"], "cleared", "gone anyway", "bo")


def test_removed_customers_close_their_alerts_and_are_skipped(monitor, watch):
    screener = load(monitor, watch)
    monitor.put_customers([parse_customer(c) for c in CUSTOMERS], screener)
    assert monitor.remove_customers(["c1", "nobody"]) == 1
    assert alerts_by_key(monitor)[("c1", "W1")]["status"] == "closed"
    ids = [c["id"] for c in monitor.list_customers(None, 100)[0]]
    assert ids == ["c2", "c3", "c4"]
    page, cursor = monitor.list_customers(None, 2)
    assert [c["id"] for c in page] == ["c2", "c3"] and cursor == "c3"
    assert [c["id"] for c in monitor.list_customers(cursor, 2)[0]] == ["c4"]


def test_customers_are_validated_naming_the_field():
    with pytest.raises(InvalidCustomer) as err:
        parse_customer({"id": "x", "names": ["ok", "12345"]})
    assert err.value.field == "names[1]"
    for bad, field in (
        ({"names": ["A"]}, "id"),
        ({"id": "x"}, "names"),
        ({"id": "x", "names": ["A"], "type": "Cat"}, "type"),
        ({"id": "x", "names": ["A"], "birth_date": "03/02/1961"}, "birth_date"),
        ({"id": "x", "names": ["A"], "identifiers": [{"type": "p"}]}, "identifiers[0].number"),
    ):
        with pytest.raises(InvalidCustomer) as err:
            parse_customer(bad)
        assert err.value.field == field


def test_the_book_is_read_in_id_order_without_sorting_it(tmp_path, watch):
    """The full screening and the delta read the book in id order, a chunk at a time: SQLite walks
    the (needs_screening, active, id) index (migration 0003) instead of fetching and sorting every
    customer for each chunk, which made a book of a million quadratic."""
    from sqlalchemy import event

    m = Monitor(fresh_database("sqlite", tmp_path))
    screener = screener_for(watch)
    m.lists_loaded(screener)
    m.work(screener)
    ordered: list[tuple[str, tuple]] = []

    @event.listens_for(m.db.engine, "before_cursor_execute")
    def seen(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY customers.id" in statement and not statement.startswith("EXPLAIN"):
            ordered.append((statement, parameters))

    m.put_customers([parse_customer({"id": f"c{i:02d}", "names": [f"Person {i}"]}) for i in range(30)])
    assert m.screen_pending(screener, chunk=10) == 30
    assert [len(r) for r in (rescreen.stored_rows(m.db, c, 20) for c in (None, "c19"))] == [20, 10]
    assert len(ordered) >= 5  # the full screening's chunks and the delta's two reads
    with m.db.engine.connect() as conn:
        for statement, parameters in ordered:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = " ".join(r[-1] for r in rows)
            assert "ix_customers_screening_order" in plan and "TEMP B-TREE" not in plan, plan
    m.db.dispose()
