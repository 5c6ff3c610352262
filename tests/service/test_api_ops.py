"""/healthz, /readyz, /metrics, the home page, and what goes to the log, on the real gunicorn."""

from __future__ import annotations

import html
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from service.api import ApiConfig, ScreenerProvider, create_app
from service.engine.screener import Screener
from service.lists import SOURCES, ListError, load_source

WATCHLIST = Path(__file__).parents[1] / "fixtures" / "lists" / "custom" / "watchlist.csv"


def samples(server) -> dict[tuple[str, tuple], float]:
    response = server.get("/metrics")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(metrics: dict, name: str, **labels) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def test_healthz_and_home_page(server):
    assert server.get("/healthz").json()["status"] == "ok"
    page = server.get("/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "sanctions" in page.text and 'href="/openapi.json"' in page.text


def test_the_home_page_and_the_api_description_name_every_supported_list(server):
    page, description = server.get("/").text, server.get("/openapi.json").json()["info"]["description"]
    for source in SOURCES.values():
        label = source.help.split(":")[0].removesuffix(" file").removesuffix(" folder")
        assert f"{label} ({source.name})" in description
        assert f"{html.escape(label)} ({source.name})" in page
    assert "{lists}" not in page and "{lists}" not in description


def test_readyz_reports_the_lists_and_their_age(server):
    body = server.get("/readyz").json()
    assert body["status"] == "ready" and body["reload"]["error"] is None
    lists = {x["id"]: x for x in body["lists"]}
    assert lists["un_sc"]["published"] == "2026-02-27"
    assert lists["un_sc"]["published_age_seconds"] > 0
    assert lists["ofac_sdn"]["published_age_seconds"] is None  # no date in the 2021 CSV set
    assert lists["ofac_sdn"]["loaded_age_seconds"] >= 0


def test_metrics_count_requests_queries_and_alerts_across_workers(server):
    before, alerts = samples(server), 0
    for _ in range(6):  # spread over both workers: the counts must add up all the same
        body = server.post("/v1/screen", json={"names": ["Tareck El-Aissami", "Hassan Rouhani"]}).json()
        alerts += sum(1 for r in body["results"] if r["matches"])
    server.post("/v1/screen", json={"name": ""})
    after = samples(server)

    def delta(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"endpoint": "/v1/screen", "method": "POST", "status": "200"}
    assert delta("orinoco_http_requests_total", **ok) == 6
    assert delta("orinoco_http_requests_total", **{**ok, "status": "400"}) == 1
    assert delta("orinoco_queries_screened_total") == 12
    assert alerts >= 6 and delta("orinoco_alerts_total") == alerts
    assert delta("orinoco_http_request_duration_seconds_count", endpoint="/v1/screen") == 7
    assert value(after, "orinoco_http_request_duration_seconds_bucket", endpoint="/v1/screen", le="+Inf") >= 7


def test_metrics_report_list_size_and_age(server):
    metrics = samples(server)
    assert value(metrics, "orinoco_list_entities", list="ofac_sdn") == 8976
    assert value(metrics, "orinoco_list_names", list="un_sc") > 1003
    assert value(metrics, "orinoco_list_published_age_seconds", list="un_sc") > 0
    assert ("orinoco_list_published_age_seconds", (("list", "ofac_sdn"),)) not in metrics
    assert value(metrics, "orinoco_list_loaded_age_seconds", list="ofac_sdn") >= 0
    assert value(metrics, "orinoco_ready") == 1 and value(metrics, "orinoco_list_reload_failed") == 0


def test_screened_names_never_reach_the_log(server):
    marker = "Zebulon Quixotic-Marchbanks"
    response = server.post("/v1/screen", json={"queries": [{"name": marker, "id": "log-check"}]})
    rid = response.json()["request_id"]
    server.post("/v1/compare", json={"a": {"name": marker}, "b": {"name": "Hezbollah"}})
    server.post("/v1/screen", json={"queries": [{"name": marker, "schema": "Ship"}]})  # a 400 quoting no name
    time.sleep(0.5)  # the access log line is written after the response
    log = server.log()
    assert f"request_id={rid}" in log
    assert "Zebulon" not in log and "Quixotic" not in log


def test_readyz_is_503_while_the_index_loads_then_200():
    """In-process: under gunicorn the socket only opens once the index is built (preload)."""
    provider = ScreenerProvider(build=lambda: Screener.from_lists([load_source("custom", WATCHLIST)]))
    client = create_app(provider, ApiConfig()).test_client()
    loading = client.get("/readyz")
    assert loading.status_code == 503 and loading.get_json()["status"] == "loading"
    assert loading.headers["Retry-After"]
    screen = client.post("/v1/screen", json={"name": "Jane Doe"})
    assert screen.status_code == 503 and "still loading" in screen.get_json()["detail"]
    assert provider.load()
    assert client.get("/readyz").status_code == 200
    assert client.post("/v1/screen", json={"name": "Jane Doe"}).status_code == 200


def test_readyz_is_503_and_says_why_when_no_list_could_be_loaded():
    def fail():
        raise ListError("/lists/sdn.csv: truncated file")

    provider = ScreenerProvider(build=fail)
    assert not provider.load()
    body = create_app(provider, ApiConfig()).test_client().get("/readyz")
    assert body.status_code == 503
    assert body.get_json()["status"] == "unavailable"
    assert body.get_json()["reload"]["error"] == "/lists/sdn.csv: truncated file"
