"""The server logs JSON lines (ORINOCO_LOG_FORMAT defaults to json for `orinoco serve`): the app's
lines and gunicorn's access lines carry the request id, and no screened name reaches any line."""

from __future__ import annotations

import json
import time

from conftest import FIXTURE_LISTS

WATCHLIST = FIXTURE_LISTS / "custom" / "watchlist.csv"
MARKER = "Zebulon Quixotic-Marchbanks"


def test_every_log_line_is_json_with_the_request_id_and_no_name(start_server):
    server = start_server("--list", f"custom={WATCHLIST}", workers=1)
    screened = server.post("/v1/screen", json={"name": MARKER})
    rid = screened.json()["request_id"]
    server.get(f"/ui/screen?name={MARKER.replace(' ', '+')}")  # a name in a query string
    server.post("/v1/screen", json={"queries": [{"name": MARKER, "schema": "Ship"}]})  # a 400
    time.sleep(0.5)  # the access line is written after the response
    text = server.log()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # each line is one JSON object
    assert lines and all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    mine = [x for x in lines if x.get("request_id") == rid]
    assert {x["logger"] for x in mine} >= {"service.api.screen", "gunicorn.access"}
    access = next(x for x in mine if x["logger"] == "gunicorn.access")
    assert access["path"] == "/v1/screen" and access["method"] == "POST" and access["status"] == "200"
    assert "Zebulon" not in text and "Quixotic" not in text


def test_text_logs_for_a_person_when_asked(start_server):
    server = start_server("--list", f"custom={WATCHLIST}", workers=1, env={"ORINOCO_LOG_FORMAT": "text"})
    rid = server.post("/v1/screen", json={"name": "Jane Doe"}).json()["request_id"]
    time.sleep(0.5)
    assert f"request_id={rid}" in server.log() and not server.log().lstrip().startswith("{")
