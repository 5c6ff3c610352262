"""The web UI in-process (Flask test client on the fixture watchlist): the session cookie's flags,
login and key removal, redirects, CSRF, the batch page without the ``batch`` extra, form errors.
The browser tests on the real gunicorn are tests/service/test_ui_browser.py."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from service.api import ApiConfig, create_app
from service.engine.screener import Screener
from service.lists import load_source
from service.ui.views import _segments

WATCHLIST = Path(__file__).parents[1] / "fixtures" / "lists" / "custom" / "watchlist.csv"
KEY = "ui-test-key-0123456789"


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_lists([load_source("custom", WATCHLIST)])


@pytest.fixture
def app(screener, monkeypatch, tmp_path):
    monkeypatch.setenv("ORINOCO_SECRET_KEY", "a-fixed-secret-for-the-test")
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path))
    return create_app(screener, ApiConfig(api_keys=(KEY,)))


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, key: str = KEY, next_path: str | None = None):
    page = client.get("/ui/login")
    data = {"key": key, "csrf_token": token(page.text)}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/ui/login", data=data)


def test_pages_are_403_with_the_login_form_until_a_key_logs_in(app):
    client = app.test_client()
    refused = client.get("/ui/screen")
    assert refused.status_code == 403 and 'id="key"' in refused.text
    assert client.get("/ui/static/ui.css").status_code == 200  # the login page's own style
    assert log_in(client, "wrong-key").status_code == 403
    response = log_in(client, next_path="/ui/lists")
    assert response.status_code == 302 and response.headers["Location"] == "/ui/lists"
    assert client.get("/ui/screen").status_code == 200
    assert client.get("/v1/lists").status_code == 401  # the JSON API still wants the key itself


def test_the_session_cookie_is_httponly_lax_secure_over_https_and_holds_no_key(app):
    client = app.test_client()
    cookie = log_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert KEY not in cookie
    proxied = app.test_client()
    page = proxied.get("/ui/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in page.headers["Set-Cookie"]
    direct = app.test_client()
    assert "Secure" in direct.get("/ui/login", base_url="https://localhost").headers["Set-Cookie"]


def test_removing_a_key_ends_its_sessions(app, screener):
    client = app.test_client()
    log_in(client)
    assert client.get("/ui/screen").status_code == 200
    # Same secret, the key no longer configured: the cookie from before no longer opens the pages.
    other = create_app(screener, ApiConfig(api_keys=("another-key-987654321",)))
    moved = other.test_client()
    moved.set_cookie("orinoco_session", client.get_cookie("orinoco_session").value)
    assert moved.get("/ui/screen").status_code == 403


def test_login_never_redirects_off_the_site(app):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = log_in(app.test_client(), next_path=target)
        assert response.headers["Location"] == "/ui/screen", target


def test_posts_need_the_token_of_their_own_session(app):
    client = app.test_client()
    log_in(client)
    assert client.post("/ui/text", data={"text": "Jane Doe"}).status_code == 400
    assert client.post("/ui/logout").status_code == 400  # even logging out: a forged post cannot
    csrf = token(client.get("/ui/text").text)
    good = client.post("/ui/text", data={"text": "Payment to Jane Doe", "csrf_token": csrf})
    assert good.status_code == 200 and "<mark>" in good.text


def test_without_keys_the_ui_is_open(screener, monkeypatch, tmp_path):
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path))
    client = create_app(screener, ApiConfig()).test_client()
    assert client.get("/ui/screen?name=Jane+Doe").status_code == 200
    assert client.get("/ui/login").status_code == 302
    assert client.get("/ui/").headers["Location"] == "/ui/screen"


def test_form_errors_name_the_field_and_keep_the_input(app):
    client = app.test_client()
    log_in(client)
    page = client.get("/ui/screen?name=Jane+Doe&birth_date=31-12-1980")
    assert page.status_code == 200 and "birth_date must be a date" in page.text
    assert 'value="31-12-1980"' in page.text
    assert "threshold must be between 0 and 1" in client.get("/ui/screen?name=Jane&threshold=7").text
    assert "unknown list" in client.get("/ui/screen?name=Jane&lists=nope").text


def test_the_batch_page_says_the_batch_extra_is_missing(app, monkeypatch):
    client = app.test_client()
    log_in(client)
    monkeypatch.setitem(sys.modules, "service.batch.job", None)  # as if pyarrow & co were not installed
    page = client.get("/ui/batch")
    assert "needs the <code>batch</code>" in page.text and 'type="file"' not in page.text
    refused = client.post("/ui/batch", data={"csrf_token": token(client.get("/ui/text").text)})
    assert refused.status_code == 503


def test_unknown_jobs_and_bad_uploads(app):
    client = app.test_client()
    log_in(client)
    assert client.get("/ui/batch/not-a-job-id-at-all-000").status_code == 404
    assert client.get("/ui/batch/..%2F..%2Fetc").status_code == 404
    csrf = token(client.get("/ui/batch").text)
    wrong = client.post(
        "/ui/batch",
        data={"csrf_token": csrf, "file": (io.BytesIO(b"x"), "c.xlsx")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "upload a .csv or .parquet file" in wrong.text


def test_segments_cut_the_text_around_each_mention_once():
    text = "Pay Jane Doe and Acme Ltd."
    mentions = [{"start": 4, "end": 12}, {"start": 6, "end": 12}, {"start": 17, "end": 25}]
    assert _segments(text, mentions) == [
        ("Pay ", None),
        ("Jane Doe", 0),
        (" and ", None),
        ("Acme Ltd", 2),
        (".", None),
    ]


def test_uploads_may_exceed_the_api_body_limit_up_to_their_own(app, monkeypatch):
    client = app.test_client()
    log_in(client)
    csrf = token(client.get("/ui/batch").text)
    rows = "".join(f"cust-{i},Ordinary Client Number {i}\n" for i in range(50_000)).encode()  # > 1 MiB
    assert len(rows) > app.config["MAX_CONTENT_LENGTH"]
    monkeypatch.setattr("service.ui.jobs.start", lambda *args: None)  # accepted; not screened here
    accepted = client.post(
        "/ui/batch",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf,
            "name_column": "name",
            "id_column": "id",
            "file": (io.BytesIO(b"id,name\n" + rows), "big.csv"),
        },
    )
    assert accepted.status_code == 303
    job = client.get(accepted.headers["Location"])
    assert "0 of 50,000" in job.text  # counted before the job starts
    monkeypatch.setattr("service.ui.views.MAX_UPLOAD_BYTES", 1000)
    refused = client.post(
        "/ui/batch",
        content_type="multipart/form-data",
        data={"csrf_token": csrf, "file": (io.BytesIO(rows), "big.csv")},
    )
    assert refused.status_code == 413 and "Too large" in refused.text


def test_old_jobs_are_deleted(app, tmp_path):
    from service.ui import jobs

    with app.app_context():
        first = jobs.create("a.csv", [b"name\nJane Doe\n"])
        second = jobs.create("b.csv", [b"name\nJane Doe\n"])
        jobs.prune(now=second.updated + jobs.KEEP_SECONDS + 1)  # a week later
        assert not first.folder.exists() and not second.folder.exists()
        kept = jobs.create("c.csv", [b"name\nJane Doe\n"])
        jobs.prune(now=kept.updated + 60)
        assert kept.folder.exists()


def test_ui_screenings_are_audited_like_the_api(screener, monkeypatch, tmp_path):
    import json

    from service.api.audit import from_settings

    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path))
    audit = tmp_path / "audit.jsonl"
    client = create_app(screener, ApiConfig(audit=from_settings(str(audit), False, "salt"))).test_client()
    client.get("/ui/screen?name=Jane+Doe")
    csrf = token(client.get("/ui/text").text)
    client.post("/ui/text", data={"text": "Payment to Jane Doe", "csrf_token": csrf})
    records = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert [r["endpoint"] for r in records] == ["/ui/screen", "/ui/text"]
    assert all(r["queries"][0]["alerts"] >= 1 and "Jane" not in json.dumps(r) for r in records)


def test_a_parquet_upload_is_screened_in_the_background_and_its_alerts_download(app, tmp_path):
    import time

    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "customers.parquet"
    names = ["Jane Doe" if i % 5 == 0 else f"Unlisted Person {i}" for i in range(250)] + [""]
    pq.write_table(pa.table({"id": [f"k{i}" for i in range(251)], "name": names}), source)
    client = app.test_client()
    log_in(client)
    csrf = token(client.get("/ui/batch").text)
    started = client.post(
        "/ui/batch",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf,
            "name_column": "name",
            "id_column": "id",
            "file": (io.BytesIO(source.read_bytes()), "customers.parquet"),
        },
    )
    status_url = started.headers["Location"] + "/status"
    for _ in range(300):
        status = client.get(status_url).get_json()
        if status["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert status["status"] == "done", status
    assert status["rows_done"] == status["total_rows"] == 251 and status["rejects"] == 1
    alerts = client.get(started.headers["Location"] + "/alerts.csv")
    assert alerts.status_code == 200 and "attachment" in alerts.headers["Content-Disposition"]
    ids = {line.split(",")[0] for line in alerts.text.splitlines()[1:]}
    assert {f"k{i}" for i in range(0, 250, 5)} <= ids
    assert "name is empty" in client.get(started.headers["Location"] + "/rejects.csv").text


def test_an_identifier_typed_in_the_form_alerts_whatever_the_name(monkeypatch, tmp_path):
    """OFAC 20250 holds Venezuelan passport C1668015; the name typed is someone else's."""
    from lists_support import ofac_2021

    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path))
    client = create_app(Screener.from_lists([ofac_2021()]), ApiConfig()).test_client()
    page = client.get("/ui/screen?name=Juan+Perez&id_type=passport&id_number=C-1668015&id_country=VE")
    assert page.status_code == 200 and "EL AISSAMI MADDAH, Tareck Zaidan" in page.text
    assert 'value="C-1668015"' in page.text and '<option value="passport" selected>' in page.text
    plain = client.get("/ui/screen?name=Juan+Perez").text
    assert "EL AISSAMI MADDAH" not in plain
    wrong = client.get("/ui/screen?name=Juan&id_type=nope&id_number=1").text
    assert "queries[0].identifiers[0].type must be one of passport" in wrong


def test_a_ui_screening_is_audited_like_the_api_one(screener, monkeypatch, tmp_path):
    """The same record as /v1/screen: list versions, client, score model; its key in X-Audit-ID."""
    import json

    from service.api.audit import from_settings

    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path))
    path = tmp_path / "audit.jsonl"
    client = create_app(screener, ApiConfig(audit=from_settings(str(path), False, "salt"))).test_client()
    page = client.get("/ui/screen?name=Jane+Doe")
    (record,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert record["endpoint"] == "/ui/screen" and record["score_model"] == screener.model.version
    assert record["client"] == "127.0.0.1" and page.headers["X-Audit-ID"] == record["audit_id"]
