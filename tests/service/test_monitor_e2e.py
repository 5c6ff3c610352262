"""Ongoing monitoring end to end on a real gunicorn and the real OFAC lists: 1,000 customers imported
(dev negatives, the article's names, and names of records that the next list version adds or
removes), alerts opened; one cleared; the same lists reloaded re-open nothing; OFAC 2024-05 instead
of 2021-07: the delta alone is screened, new designations open alerts, removed ones are delisted,
and a local webhook receiver gets each event with a valid signature; decisions survive a restart;
deciding without the review scope is a 403; a SIGKILL in the middle of a re-screen loses no
decision and the re-screen completes on restart."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from conftest import ORINOCO, free_port, reference_dir, server_env
from test_api_openapi import check

from service.lists import load_source
from service.monitor.records import entity_hash

EVAL = Path(os.environ.get("ORINOCO_EVAL_DIR") or reference_dir().parent / "eval")
SECRET = "webhook-secret-for-the-test"
REVIEW, SCREEN_ONLY = "reviewer-key-0123456789", "screen-only-key-0123456789"
PER_DIRECTION = 7  # customers named after records the 2024 list adds, and after records it removes


class Receiver(ThreadingHTTPServer):
    """The bank's webhook endpoint: keeps every delivery and whether its signature was valid."""

    def __init__(self):
        self.deliveries: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers["X-Orinoco-Timestamp"]
                expected = (
                    "sha256="
                    + hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
                )
                receiver.deliveries.append(
                    {
                        "path": self.path,
                        "event": json.loads(body),
                        "valid": hmac.compare_digest(expected, self.headers["X-Orinoco-Signature"]),
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/orinoco"


def wait_for(predicate, what: str, timeout: float = 180.0, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


class Book:
    """The server under test, restartable on the same database, lists behind a symlink."""

    def __init__(self, tmp: Path, hook: Receiver):
        self.tmp, self.hook = tmp, hook
        self.lists = tmp / "ofac"
        self.db = f"sqlite:///{tmp / 'book.sqlite3'}"
        self.env = server_env(
            tmp,
            {
                "ORINOCO_DATABASE_URL": self.db,
                "ORINOCO_WEBHOOK_URL": hook.url,
                "ORINOCO_WEBHOOK_SECRET": SECRET,
                "ORINOCO_RESOLVE": "0",
                # one customer per transaction: the exact pre-filter leaves few to screen, and the
                # SIGKILL must still land in the middle of a re-screen
                "ORINOCO_RESCREEN_CHUNK": "1",
                # OFAC 2024-05 is sdn.csv alone (no aliases): 20% fewer names than 2021-07, and back
                # again 40% fewer entities; the shrink guard would refuse both reloads
                "ORINOCO_MAX_SHRINK": "0.5",
                # the monitoring mechanics at 0.9, where OFAC 2024's record of 20250 (it has no
                # aliases) still matches "Tareck El-Aissami": the default's calibration is issue 14's
                "ORINOCO_THRESHOLD": "0.9",
                "ORINOCO_AUDIT_LOG": str(tmp / "audit.log"),
                "ORINOCO_API_KEYS": f"{REVIEW}:screen+review,{SCREEN_ONLY}:screen",
            },
        )
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def point_at(self, version: str) -> None:
        tmp_link = self.tmp / "ofac.new"
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(reference_dir() / version)
        os.replace(tmp_link, self.lists)

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = (self.tmp / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [
                str(ORINOCO),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
                "--list",
                f"ofac={self.lists}",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        wait_for(self._ready, "the server to be ready")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the server exited:\n{self.log()[-3000:]}")
        try:
            return requests.get(self.url + "/readyz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def log(self) -> str:
        return (self.tmp / "server.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a machine failure would."""
        for pid in [*worker_pids(self.proc.pid), self.proc.pid]:
            os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def get(self, path: str, key: str = REVIEW, **params) -> dict:
        r = requests.get(
            self.url + path, params=params, headers={"X-API-Key": key, "Connection": "close"}, timeout=60
        )
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, body: dict, key: str = REVIEW) -> requests.Response:
        return requests.post(
            self.url + path, json=body, headers={"X-API-Key": key, "Connection": "close"}, timeout=120
        )

    def alerts(self) -> dict[int, dict]:
        found, cursor = {}, None
        while True:
            page = self.get("/v1/alerts", **({"cursor": cursor} if cursor else {}), limit=500)
            found.update({a["id"]: a for a in page["alerts"]})
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    def jobs(self) -> list[dict]:
        return self.get("/v1/monitor/jobs")["jobs"]

    def metric(self, name: str) -> float:
        text = requests.get(self.url + "/metrics", timeout=30).text
        return next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))

    def settled(self) -> bool:
        """No customer waits for a screening, no job is unfinished, no webhook delivery is pending."""
        jobs = self.jobs()
        return self.metric("orinoco_monitor_customers_pending") == 0 and all(
            j["status"] in ("done", "superseded") for j in jobs
        )


@pytest.fixture(scope="module")
def delta():
    old = load_source("ofac", str(reference_dir() / "ofac_sdn_2021-07"))
    new = load_source("ofac", str(reference_dir() / "ofac_sdn_2024-05"))
    ho, hn = {e.id: entity_hash(e) for e in old.entities}, {e.id: entity_hash(e) for e in new.entities}

    def people(lst, ids):
        return [
            e
            for e in lst.entities
            if e.id in ids and e.schema == "Person" and "," in e.name and len(e.name.split()) >= 3
        ]

    added = {k for k in hn if k not in ho}
    removed = {k for k in ho if k not in hn}
    changed = {k for k in hn if k in ho and ho[k] != hn[k]}
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "added_people": people(new, added)[:PER_DIRECTION],
        "removed_people": people(old, removed)[:PER_DIRECTION],
    }


@pytest.fixture(scope="module")
def book(tmp_path_factory, delta):
    if not (reference_dir() / "ofac_sdn_2024-05").is_dir() or not (EVAL / "negatives_dev.csv").is_file():
        pytest.skip("the shared reference lists and eval files are needed")
    tmp = tmp_path_factory.mktemp("monitor")
    hook = Receiver()
    b = Book(tmp, hook)
    b.point_at("ofac_sdn_2021-07")
    b.start()
    yield b
    b.stop()
    hook.shutdown()


def customers_file(path: Path, delta: dict) -> dict[str, str]:
    """1,000 customers: the article's names, names of records added and removed by 2024, negatives."""
    rows = []
    with (EVAL / "seed_cases_dev.csv").open(encoding="utf-8") as f:
        rows += [(f"seed-{i}", r["query"]) for i, r in enumerate(csv.DictReader(f))]
    rows += [(f"new-{e.id}", e.natural_name or e.name) for e in delta["added_people"]]
    rows += [(f"gone-{e.id}", e.natural_name or e.name) for e in delta["removed_people"]]
    with (EVAL / "negatives_dev.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if len(rows) == 1000:
                break
            rows.append((r["neg_id"], r["query"]))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["customer_id", "full_name"])
        writer.writerows(rows)
    return dict(rows)


STATE: dict = {}


def run_log(book: Book) -> str:
    return (book.tmp / "import.log").read_text(errors="replace") if (book.tmp / "import.log").exists() else ""


def test_import_screens_the_book_and_opens_alerts(book, delta):
    names = customers_file(book.tmp / "customers.csv", delta)
    assert len(names) == 1000
    run = subprocess.run(
        [
            str(ORINOCO),
            "monitor",
            "import",
            str(book.tmp / "customers.csv"),
            "--id-column",
            "customer_id",
            "--name-column",
            "full_name",
            "--chunk-size",
            "300",
            "--rejects",
            str(book.tmp / "rejects.csv"),
        ],
        env=book.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (book.tmp / "import.log").write_text(run.stdout + run.stderr)
    assert "1000 customers imported, 0 rejected" in run.stderr
    wait_for(lambda: book.metric("orinoco_monitor_customers") == 1000 and book.settled(), "the book screened")
    alerts = book.alerts()
    by_customer = {(a["customer_id"], a["entity_id"]) for a in alerts.values()}
    assert ("seed-0", "20250") in by_customer  # Tareck El-Aissami
    for e in delta["removed_people"]:
        assert (f"gone-{e.id}", e.id) in by_customer
    assert all(a["status"] == "open" for a in alerts.values())
    page = book.get("/v1/alerts", status="open", limit=3)
    check(STATE.setdefault("spec", book.get("/openapi.json")), "AlertPage", page)
    assert len(page["alerts"]) == 3 and page["next_cursor"]
    check(STATE["spec"], "CustomerPage", book.get("/v1/customers", limit=2))
    check(STATE["spec"], "CustomerDetail", book.get("/v1/customers/seed-0"))
    # the webhook heard of every alert opened, signed
    wait_for(lambda: len(book.hook.deliveries) >= len(alerts), "the webhook deliveries")
    assert all(d["valid"] and d["path"] == "/hooks/orinoco" for d in book.hook.deliveries)
    assert {
        d["event"]["alert_id"] for d in book.hook.deliveries if d["event"]["event"] == "alert.opened"
    } == set(alerts)
    assert not any(n in json.dumps(d["event"]) for d in book.hook.deliveries for n in ("Aissami", "AISSAMI"))
    STATE["alerts"] = alerts
    STATE["names"] = [n for n in names.values() if len(n) > 8][:50]


def test_a_review_needs_the_review_scope_and_is_audited(book):
    target = next(
        a for a in STATE["alerts"].values() if (a["customer_id"], a["entity_id"]) == ("seed-0", "20250")
    )
    decision = {
        "decision": "cleared",
        "reason": "our customer was born in 1990 in Spain",
        "reviewer": "ana.r",
    }
    refused = book.post(f"/v1/alerts/{target['id']}/decisions", decision, key=SCREEN_ONLY)
    assert refused.status_code == 403 and "review" in refused.json()["detail"]
    done = book.post(f"/v1/alerts/{target['id']}/decisions", decision)
    assert done.status_code == 200, done.text
    check(STATE["spec"], "DecisionResponse", done.json())
    assert done.json()["alert"]["status"] == "cleared"
    audit = [json.loads(line) for line in (book.tmp / "audit.log").read_text().splitlines()]
    assert any(
        r.get("event") == "alert.decision" and r["alert_id"] == target["id"] and r["reviewer"] == "ana.r"
        for r in audit
    )
    STATE["cleared"] = target["id"]


def last_load(book: Book) -> str:
    return book.get("/v1/lists")["reload"]["last_success"]


def reload(book: Book) -> None:
    """SIGHUP, and wait until the workers answering report the new load."""
    before = last_load(book)
    time.sleep(1.1)  # last_success has a resolution of one second
    book.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: last_load(book) != before, "the reload", timeout=600)


def test_reloading_the_same_lists_reopens_nothing(book):
    before = book.alerts()
    jobs = len(book.jobs())
    reload(book)
    time.sleep(3)  # the new workers' runner has had its rounds
    assert len(book.jobs()) == jobs  # the same versions: no delta, no job
    assert book.alerts() == before
    assert before[STATE["cleared"]]["status"] == "cleared"


def test_a_new_list_version_screens_only_its_delta(book, delta):
    before = book.alerts()
    seen = len(book.hook.deliveries)
    book.point_at("ofac_sdn_2024-05")
    reload(book)
    job = wait_for(
        lambda: (j := book.jobs()[0]) and j["added"] and j["status"] == "done" and j,
        "the re-screen",
        timeout=600,
    )
    assert (job["added"], job["changed"], job["removed"]) == (
        len(delta["added"]),
        len(delta["changed"]),
        len(delta["removed"]),
    )
    # only customers holding a token like one of the delta's are screened (all that can match)
    assert job["records"] == len(delta["added"]) + len(delta["changed"]) and 0 < job["customers_done"] <= 1000
    after = book.alerts()
    screened = delta["added"] | delta["changed"]
    for alert_id, a in after.items():
        old = before.get(alert_id)
        if a["entity_id"] in delta["removed"]:
            assert a["status"] == "delisted" and a["reason"] == "the record was removed from the list"
        elif a["entity_id"] not in screened:
            assert a == old  # an unchanged record's alert was not touched
        elif old is None:
            assert a["status"] == "open"
    for e in delta["added_people"]:
        assert any(
            a["customer_id"] == f"new-{e.id}" and a["entity_id"] == e.id and a["status"] == "open"
            for a in after.values()
        ), e.id
    for e in delta["removed_people"]:
        assert any(
            a["customer_id"] == f"gone-{e.id}" and a["entity_id"] == e.id and a["status"] == "delisted"
            for a in after.values()
        ), e.id
    expected = {(i, "alert.opened") for i in after if i not in before}
    expected |= {(i, "alert.delisted") for i, a in after.items() if a["status"] == "delisted"}
    expected |= {
        (i, "alert.reopened")
        for i, a in after.items()
        if i in before and before[i]["status"] == "cleared" and a["status"] == "open"
    }
    assert any(e[1] == "alert.opened" for e in expected) and any(e[1] == "alert.delisted" for e in expected)

    def got() -> set:
        return {(d["event"]["alert_id"], d["event"]["event"]) for d in book.hook.deliveries[seen:]}

    wait_for(lambda: expected <= got(), "a signed delivery of each event")
    assert all(d["valid"] for d in book.hook.deliveries)
    cleared = after[STATE["cleared"]]
    # 20250's record changed in 2024 (the file has no aliases): the cleared alert re-opens, saying why
    assert "20250" in delta["changed"]
    assert cleared["status"] == "open"
    assert cleared["reason"] == "the listed record changed since it was cleared"


def test_decisions_survive_a_restart(book):
    detail = book.get(f"/v1/alerts/{STATE['cleared']}")
    book.stop()
    book.start()
    again = book.get(f"/v1/alerts/{STATE['cleared']}")
    assert again == detail
    assert [h["reviewer"] for h in again["history"]].count("ana.r") == 1


def test_a_sigkill_during_a_rescreen_loses_no_decision_and_the_rescreen_resumes(book):
    book.point_at("ofac_sdn_2021-07")
    known = {j["id"] for j in book.jobs()}
    book.proc.send_signal(signal.SIGHUP)  # not reload(): the re-screen may be done before that returns
    running = wait_for(
        lambda: (
            (j := book.jobs()[0])
            and j["id"] not in known
            and j["status"] == "running"
            and j["customers_done"]
            and j
        ),
        "the re-screen under way",
        timeout=300,
        every=0.02,  # its chunks are committed within a second or two: the pre-filter leaves few
    )
    target = next(a for a in book.alerts().values() if a["status"] == "open")
    decided = book.post(
        f"/v1/alerts/{target['id']}/decisions",
        {"decision": "escalated", "reason": "same birth year", "reviewer": "bo.k"},
    )
    assert decided.status_code == 200
    book.kill()
    book.start()
    job = wait_for(
        lambda: (j := next(x for x in book.jobs() if x["id"] == running["id"]))["status"] == "done" and j,
        "the re-screen to complete after the restart",
        timeout=600,
    )
    assert job["customers_done"] > running["customers_done"]
    log = book.log() + run_log(book)
    assert not [n for n in STATE["names"] if n in log]  # screened names never reach a log
    history = book.get(f"/v1/alerts/{target['id']}")["history"]
    assert any(h["decision"] == "escalated" and h["reviewer"] == "bo.k" for h in history)
    assert book.get(f"/v1/alerts/{STATE['cleared']}")["history"][1]["reviewer"] == "ana.r"
