"""The web UI in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
driven by Selenium against the real gunicorn on the real OFAC 2021 + UN lists.

Each test saves a screenshot of the page it checks into ``ORINOCO_SCREENSHOT_DIR`` (the README's
pictures in docs/ui/ come from a run with ``ORINOCO_SCREENSHOT_DIR=docs/ui``), else into a temp dir.
Without the browser the tests skip, unless ``ORINOCO_REQUIRE_BROWSER=1`` (``.ci/run`` sets it).
"""

from __future__ import annotations

import base64
import csv
import html
import os
import re
import shutil
import time
from pathlib import Path

import html5lib
import pytest
import requests
from conftest import reference_dir

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
MARKER = "Zebulon Quixotic-Marchbanks"  # a name that must never reach the server log


def article_path() -> Path:
    path = reference_dir().parent / "articles" / "iran-venezuela-2021-01-31.txt"
    if not path.exists():
        pytest.skip(f"article {path} not found: set ORINOCO_REFERENCE_DIR to the shared folder")
    return path


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("ORINOCO_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        message = "headless Chromium needs the Debian packages chromium and chromium-driver"
        if os.environ.get("ORINOCO_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait(driver, condition, seconds: float = 60):
    """Until ``condition`` holds; an element gone stale or missing while a page loads is retried, as
    is any driver error met meanwhile (Chromium may report an element of the page being replaced
    as "Node with given id does not belong to the document" rather than as stale)."""
    retried = (NoSuchElementException, StaleElementReferenceException, WebDriverException)
    return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=retried).until(condition)


def shoot(driver, folder: Path, name: str) -> None:
    """The whole page, beyond the window's height (Chromium's DevTools screenshot)."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    (folder / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def text_of(driver, css: str) -> str:
    return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, css))


def screen_by_keyboard(driver, url: str, name: str) -> None:
    driver.get(url + "/ui/screen")
    # autofocus: the name field gets the focus (Chromium applies it at a later frame than the load
    # event, so a loaded machine can see the page before the focus moves)
    wait(driver, lambda d: d.switch_to.active_element.get_attribute("id") == "name", seconds=10)
    driver.switch_to.active_element.send_keys(name, Keys.ENTER)
    wait(driver, lambda d: d.find_elements(By.ID, "results-title"))


def test_screen_fawzi_canaan_shows_kanaan_with_its_token_pairs(server, browser, shots):
    screen_by_keyboard(browser, server.url, "Fawzi Canaan")
    assert "name=Fawzi+Canaan" in browser.current_url  # a shareable GET URL
    first = browser.find_element(By.CSS_SELECTOR, "article.match")
    assert first.find_element(By.CSS_SELECTOR, "h3").text == "KAN'AN, Fawzi Mustafa"
    pairs = [
        tuple(td.text for td in row.find_elements(By.CSS_SELECTOR, "td")[:2])
        for row in first.find_elements(By.CSS_SELECTOR, "table.tokens tbody tr")
    ]
    assert ("fawzi", "fazi") in pairs and ("canaan", "canaan") in pairs
    assert "ofac_sdn 10892" in first.text and "SDGT" in first.text
    assert float(first.find_element(By.CSS_SELECTOR, ".score").text) >= 0.5
    shoot(browser, shots, "screen")
    # The same URL opened afresh gives the same result: it can be shared.
    url = browser.current_url
    browser.get(server.url + "/ui/lists")
    browser.get(url)
    assert browser.find_element(By.CSS_SELECTOR, "article.match h3").text == "KAN'AN, Fawzi Mustafa"


def test_the_entity_shows_its_passport_and_the_cluster_with_its_evidence(server, browser, shots):
    screen_by_keyboard(browser, server.url, "Fawzi Canaan")
    # By keyboard alone: Tab from the search form to the match's link, Enter opens it.
    for _ in range(40):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element.text == "KAN'AN, Fawzi Mustafa":
            break
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.ID, "cluster"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "KAN'AN, Fawzi Mustafa"
    assert "Passport 0877677 Venezuela" in text_of(browser, "table")
    assert "Baalbeck, Lebanon" in browser.page_source and "GANAN, Fauzi" in browser.page_source
    assert "Not linked to a record on any other loaded list" in text_of(browser, "#cluster")
    assert "from ofac_sdn" in text_of(browser, "p.meta")  # the list version it comes from

    # A party on both lists: from its match, follow "also listed on" to the UN record and its cluster.
    screen_by_keyboard(browser, server.url, "Aiman al-Zawahiri")
    matches = browser.find_elements(By.CSS_SELECTOR, "article.match")
    match = next(m for m in matches if "ofac_sdn 2676" in m.text)
    match.find_element(By.PARTIAL_LINK_TEXT, "un_sc 111923").click()
    wait(browser, lambda d: d.find_elements(By.ID, "cluster"))
    cluster = browser.find_element(By.ID, "cluster").text
    assert "ofac_sdn 2676" in cluster and "(this record)" in cluster
    assert re.search(r"same Passport number \d+", cluster)  # the evidence of the link
    assert browser.find_elements(By.CSS_SELECTOR, "td.script, td[lang]")  # the name in Arabic script
    shoot(browser, shots, "entity")
    browser.find_element(By.PARTIAL_LINK_TEXT, "ofac_sdn 2676").click()
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "AL ZAWAHIRI, Dr. Ayman")


def test_the_article_comes_back_with_hezbollah_marked_and_linked(server, browser, shots):
    browser.get(server.url + "/ui/text")
    article = article_path().read_text(encoding="utf-8")
    area = browser.find_element(By.ID, "text")
    browser.execute_script("arguments[0].value = arguments[1];", area, article)  # a paste
    area.send_keys(Keys.END, " ")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, lambda d: d.find_elements(By.ID, "marked-title"))
    marks = browser.find_elements(By.CSS_SELECTOR, ".marked mark a")
    hezbollah = [m for m in marks if m.text == "Hezbollah"]
    assert hezbollah, [m.text for m in marks]
    shoot(browser, shots, "text")
    target = hezbollah[0].get_attribute("href").split("#")[1]
    hezbollah[0].click()
    mention = browser.find_element(By.ID, target)
    assert "HIZBALLAH" in mention.text
    mention.find_element(By.LINK_TEXT, "HIZBALLAH").click()
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "HIZBALLAH")


def test_the_lists_page_shows_versions_checksums_counts_and_reload(server, browser, shots):
    loaded = server.get("/v1/lists").json()["lists"]
    browser.get(server.url + "/ui/lists")
    table = browser.find_element(By.CSS_SELECTOR, "main table").text
    for v in loaded:
        assert v["id"] in table and v["sha256"] in table and f"{v['entities']:,}" in table
    assert "Last reload" in browser.page_source and "Error" in browser.page_source
    shoot(browser, shots, "lists")


def customers_csv(path: Path, rows: int = 1000) -> Path:
    named = ["Fawzi Canaan", "Dawood Ibrahim", "Aiman al-Zawahiri", MARKER]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "full_name", "country"])
        for i in range(rows):
            w.writerow([f"cust-{i:04d}", named[i // 10 % 4] if i % 10 == 0 else f"Ordinary Client {i}", ""])
    return path


def test_batch_upload_shows_progress_and_gives_the_alerts(server, browser, shots, tmp_path, downloads):
    source = customers_csv(tmp_path / "customers.csv")
    browser.get(server.url + "/ui/batch")
    shoot(browser, shots, "batch")
    browser.find_element(By.ID, "file").send_keys(str(source))
    name = browser.find_element(By.ID, "name_column")
    name.clear()
    name.send_keys("full_name")
    browser.find_element(By.ID, "id_column").send_keys("customer_id")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, lambda d: d.find_elements(By.ID, "job-progress"))
    seen = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        seen.append(browser.find_element(By.ID, "job-rows").text)
        if browser.find_element(By.ID, "job-status").text == "done":
            break
        time.sleep(0.1)
    assert browser.find_element(By.ID, "job-status").text == "done", seen[-3:]
    assert re.fullmatch(r"[\d,]+ of 1,000", seen[0]), seen[0]  # rows out of the total, from the start
    assert browser.find_element(By.ID, "job-rows").text == "1,000 of 1,000"
    assert browser.find_element(By.ID, "job-progress").get_attribute("value") == "100"
    assert "rows/s" in browser.find_element(By.ID, "job-rate").text
    shoot(browser, shots, "batch_job")
    browser.refresh()  # the job survives a page reload: its state is on disk
    assert browser.find_element(By.ID, "job-status").text == "done"
    browser.find_element(By.ID, "download-alerts").click()
    try:
        done = wait(browser, lambda d: [p for p in downloads.glob("alerts-*.csv")], 30)
    except TimeoutException:
        pytest.fail(f"no alerts file downloaded into {downloads}: {list(downloads.iterdir())}")
    with done[0].open(encoding="utf-8") as f:
        alerts = list(csv.DictReader(f))
    kanaan = [a for a in alerts if a["input_id"] == "cust-0000"]
    assert kanaan and kanaan[0]["name"] == "KAN'AN, Fawzi Mustafa"
    assert {a["input_id"] for a in alerts if a["entity_id"] == "9758"} >= {"cust-0010"}  # Dawood Ibrahim
    assert not any(a["input_name"].startswith("Ordinary Client") and float(a["score"]) > 0.9 for a in alerts)


def test_login_with_a_key_and_403_without(keyed_server, api_keys, browser, shots):
    assert requests.get(keyed_server.url + "/ui/screen", timeout=30).status_code == 403
    assert requests.get(keyed_server.url + "/ui/lists", timeout=30).status_code == 403
    browser.delete_all_cookies()
    browser.get(keyed_server.url + "/ui/lists")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Log in"
    shoot(browser, shots, "login")
    browser.find_element(By.ID, "key").send_keys("not-a-key", Keys.ENTER)
    wait(browser, lambda d: "not valid" in text_of(d, ".error"))
    browser.find_element(By.ID, "key").send_keys(api_keys[0], Keys.ENTER)
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Loaded lists")  # back where it was
    cookie = browser.get_cookie("orinoco_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert api_keys[0] not in cookie["value"]
    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Log in")
    browser.get(keyed_server.url + "/ui/screen")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Log in"  # logged out for good
    time.sleep(0.5)  # access log lines are written after the responses
    assert "ui login request_id=" in keyed_server.log() and api_keys[0] not in keyed_server.log()


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_form_post_without_its_csrf_token_is_refused(server, keyed_server, api_keys):
    http = requests.Session()
    page = http.get(server.url + "/ui/text", timeout=30)
    token = csrf_from(page.text)
    assert http.post(server.url + "/ui/text", data={"text": "Hezbollah"}, timeout=30).status_code == 400
    assert (
        http.post(
            server.url + "/ui/text", data={"text": "Hezbollah", "csrf_token": "forged"}, timeout=30
        ).status_code
        == 400
    )
    other = requests.post(
        server.url + "/ui/text", data={"text": "Hezbollah", "csrf_token": token}, timeout=30
    )
    assert other.status_code == 400  # a token is only good with its own session
    ok = http.post(server.url + "/ui/text", data={"text": "Hezbollah", "csrf_token": token}, timeout=30)
    assert ok.status_code == 200 and "<mark>" in ok.text
    # The login form too: a key posted from another site without the token does not log in.
    keyed = requests.Session()
    refused = keyed.post(keyed_server.url + "/ui/login", data={"key": api_keys[0]}, timeout=30)
    assert refused.status_code == 400 and "orinoco_session" not in refused.headers.get("Set-Cookie", "key")
    assert keyed.get(keyed_server.url + "/ui/screen", timeout=30).status_code == 403
    login = keyed.get(keyed_server.url + "/ui/login", timeout=30)
    form = {"key": api_keys[0], "csrf_token": csrf_from(login.text)}
    assert keyed.post(keyed_server.url + "/ui/login", data=form, timeout=30).status_code == 200
    assert keyed.get(keyed_server.url + "/ui/screen", timeout=30).status_code == 200


def page_problems(html: bytes) -> list[str]:
    """html5lib parse errors, and form fields without a label (hidden inputs and buttons aside)."""
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    tree = parser.parse(html)
    problems = [f"parse error {e}" for e in parser.errors]
    labelled = {label.get("for") for label in tree.iter("label")}
    for tag in ("input", "select", "textarea"):
        for field in tree.iter(tag):
            if field.get("type") in ("hidden", "submit", "button"):
                continue
            if not field.get("id") or field.get("id") not in labelled:
                problems.append(f"<{tag} name={field.get('name')!r}> has no label")
    return problems


def test_every_page_is_valid_html_with_a_label_on_every_field(server, keyed_server, tmp_path):
    http = requests.Session()
    pages = {
        path: http.get(server.url + path, timeout=60)
        for path in (
            "/ui/screen",
            "/ui/screen?name=Fawzi+Canaan&birth_date=1943&country=Lebanon",
            "/ui/screen?name=Aiman+al-Zawahiri&lists=un_sc&threshold=0.6",
            "/ui/screen?name=x&birth_date=tomorrow",
            "/ui/entity/ofac_sdn/10892",
            "/ui/entity/un_sc/111923",
            "/ui/entity/ofac_sdn/no-such",
            "/ui/text",
            "/ui/lists",
            "/ui/batch",
            "/ui/batch/no-such-job-0123456789",
        )
    }
    token = csrf_from(pages["/ui/text"].text)
    article = article_path().read_text(encoding="utf-8")
    pages["POST /ui/text"] = http.post(
        server.url + "/ui/text", timeout=60, data={"text": article, "csrf_token": token}
    )
    upload = http.post(
        server.url + "/ui/batch",
        timeout=60,
        data={"csrf_token": token, "name_column": "nom"},
        files={"file": ("c.csv", customers_csv(tmp_path / "c.csv", 20).read_bytes())},
    )
    pages["POST /ui/batch (no such column)"] = upload
    job = http.post(
        server.url + "/ui/batch",
        timeout=60,
        data={"csrf_token": token, "name_column": "full_name"},
        files={"file": ("c.csv", (tmp_path / "c.csv").read_bytes())},
    )
    pages["batch job"] = job
    pages["login"] = requests.get(keyed_server.url + "/ui/screen", timeout=30)
    assert pages["/ui/screen?name=x&birth_date=tomorrow"].text.count('class="error"') == 1
    assert "no column 'nom'" in html.unescape(upload.text) and upload.status_code == 400
    assert job.url.startswith(server.url + "/ui/batch/") and job.status_code == 200
    assert pages["/ui/entity/ofac_sdn/no-such"].status_code == 404
    assert pages["/ui/batch/no-such-job-0123456789"].status_code == 404
    no_js = pages["/ui/screen?name=Fawzi+Canaan&birth_date=1943&country=Lebanon"]  # a plain GET, no script
    assert "KAN'AN, Fawzi Mustafa" in html.unescape(no_js.text) and "birth year matches" in no_js.text
    assert pages["login"].status_code == 403
    problems = {path: page_problems(r.content) for path, r in pages.items()}
    assert not {p: v for p, v in problems.items() if v}, problems


def test_names_never_reach_the_server_log(server, browser, tmp_path):
    screen_by_keyboard(browser, server.url, MARKER)
    http = requests.Session()
    token = csrf_from(http.get(server.url + "/ui/text", timeout=30).text)
    http.post(
        server.url + "/ui/text",
        timeout=60,
        data={"text": f"Payment to {MARKER} via Hezbollah", "csrf_token": token},
    )
    job = http.post(
        server.url + "/ui/batch",
        timeout=60,
        data={"csrf_token": token, "name_column": "full_name"},
        files={"file": ("c.csv", customers_csv(tmp_path / "c.csv", 40).read_bytes())},
    )
    for _ in range(300):
        if http.get(job.url + "/status", timeout=30).json()["status"] == "done":
            break
        time.sleep(0.2)
    time.sleep(0.5)  # access log lines are written after the responses
    log = server.log()
    assert '"method": "GET", "path": "/ui/screen"' in log  # the UI's requests are logged, without their query
    for word in MARKER.replace("-", " ").split():
        assert word not in log
