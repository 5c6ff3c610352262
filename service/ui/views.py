"""The UI's routes: thin views that call the same validation and engine as the JSON API.

A screen result is a GET with the query in its URL (shareable, works without JavaScript); the
access log records paths without query strings (``service.serving``), so the names in those
URLs never reach a log. Text and batch are POSTs (a text is too long for a URL) with a CSRF token.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from service.api import auth, context, cost, metrics, validation
from service.api.body import drain
from service.api.errors import ApiError
from service.engine.identifiers import KINDS
from service.engine.screener import ANY, QUERY_SCHEMAS
from service.text import screen_text
from service.ui import jobs, security

bp = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates", static_folder="static")
log = logging.getLogger("service.ui")

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# No inline script or style anywhere: the pages load only this server's CSS and JS.
CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
SCREEN_PARAMS = (
    "name",
    "schema",
    "birth_date",
    "country",
    "id_type",
    "id_number",
    "id_country",
    "threshold",
    "lists",
)


def register(app: Flask) -> None:
    security.configure(app)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(csrf_token=security.csrf_token, csrf_field=security.CSRF_FIELD)


@bp.before_request
def _guard():
    """403 (with the login form) without a session when keys are configured; CSRF on every POST."""
    if request.endpoint in ("ui.static", "ui.login"):
        if request.endpoint == "ui.login" and request.method == "POST" and not security.csrf_ok():
            return _csrf_refused()
        return None
    keys = context.config().api_keys
    if not security.logged_in(keys):
        return render_template(
            "login.html", next=request.full_path if request.method == "GET" else None, error=None
        ), 403
    if request.method == "POST":
        if request.endpoint == "ui.batch_start":
            request.max_content_length = MAX_UPLOAD_BYTES
        if not security.csrf_ok():
            return _csrf_refused()
    return None


def _csrf_refused():
    return render_template(
        "error.html",
        title="Form refused",
        message="This form was sent without a valid CSRF token (an old page, or a "
        "request from another site). Reload the page and send it again.",
    ), 400


@bp.after_request
def _no_store(response: Response) -> Response:
    """Result pages hold personal data: keep them out of shared caches and the back-forward cache."""
    if request.endpoint != "ui.static":
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"  # the screen URL holds the name
    return response


@bp.context_processor
def _common() -> dict:
    keys = context.config().api_keys
    return {"auth_required": bool(keys), "signed_in": bool(keys) and security.logged_in(keys)}


@bp.get("/")
def home():
    return redirect(url_for("ui.screen"))


# --- login ------------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    keys = context.config().api_keys
    target = _local(request.values.get("next")) or url_for("ui.screen")
    if not keys:
        return redirect(target)
    if request.method == "GET":
        return render_template("login.html", next=target, error=None)
    key = request.form.get("key", "").strip()
    if key and auth.key_is_valid(key, keys):
        security.log_in(key)
        log.info("ui login request_id=%s", g.request_id)
        return redirect(target)
    log.info("ui login refused request_id=%s", g.request_id)
    return render_template("login.html", next=target, error="This API key is not valid."), 403


@bp.post("/logout")
def logout():
    security.log_out()
    return redirect(url_for("ui.login"))


def _local(target: str | None) -> str | None:
    """Only a path on this server (no open redirect to another site)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# --- screen -----------------------------------------------------------------------------------


@bp.get("/screen")
def screen():
    screener = context.screener()
    cfg = context.config()
    form: dict[str, Any] = {k: request.args.get(k, "") for k in SCREEN_PARAMS if k != "lists"}
    form["lists"] = request.args.getlist("lists")
    result, error = None, None
    if form["name"].strip():
        query: dict = {
            k: form[k].strip() for k in ("name", "schema", "birth_date", "country") if form[k].strip()
        }
        if form["id_number"].strip():  # one identifier from the form, checked by the API's rules
            given = {"type": form["id_type"].strip() or KINDS[0], "number": form["id_number"].strip()}
            if form["id_country"].strip():
                given["country"] = form["id_country"].strip()
            query["identifiers"] = [given]
        body: dict = {"queries": [query]}
        if form["lists"]:
            body["lists"] = form["lists"]
        try:
            if form["threshold"].strip():
                body["threshold"] = _number(form["threshold"], "threshold")
            req = validation.screen_request(body, screener.list_ids)
            threshold = screener.effective_threshold(cost.threshold(req.threshold, cfg))
            # the API's bounds: a page is no way around them
            results = cost.engine_call(
                lambda budget: screener.screen(
                    req.queries, limit=req.limit, threshold=threshold, lists=req.lists, budget=budget
                ),
                cfg,
            )
        except ApiError as exc:
            error = exc.detail
        else:
            metrics.QUERIES.inc(len(results))
            metrics.ALERTS.inc(sum(1 for r in results if r.matches))
            log.info("ui screen request_id=%s alerts=%d", g.request_id, len(results[0].matches))
            used = req.lists or screener.list_ids
            context.audit_screening("/ui/screen", threshold, req.lists, results)
            result = {
                "request_id": g.request_id,
                "threshold": threshold,
                "lists": [context.version_dict(v) for v in screener.versions if v.id in used],
                "query": asdict(results[0].query),
                "matches": [asdict(m) for m in results[0].matches],
            }
    return render_template(
        "screen.html",
        form=form,
        result=result,
        error=error,
        schemas=QUERY_SCHEMAS,
        list_ids=screener.list_ids,
        id_kinds=KINDS,
        default_threshold=screener.default_threshold,
        names=_entity_names(screener, result["matches"] if result else []),
        any_schema=ANY,
    )


def _number(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ApiError(400, "wrong-type", f"{field} must be a number between 0 and 1", field) from None


def _entity_names(screener, matches: list[dict]) -> dict[tuple[str, str], str]:
    """The primary names of the other records named in ``also_listed_on``, for the links' text."""
    names = {}
    for m in matches:
        for other in m.get("also_listed_on") or []:
            e = screener.entity(other["list"], other["entity_id"])
            if e is not None:
                names[(other["list"], other["entity_id"])] = e.name
    return names


# --- entity -----------------------------------------------------------------------------------


@bp.get("/entity/<list_id>/<path:entity_id>")
def entity(list_id: str, entity_id: str):
    screener = context.screener()
    found = screener.entity(list_id, entity_id) if list_id in screener.list_ids else None
    if found is None:
        return render_template(
            "error.html", title="Not found", message=f"No entity {entity_id} on a loaded list {list_id}."
        ), 404
    version = next(v for v in screener.versions if v.id == list_id)
    cluster = screener.links.cluster_dict(list_id, entity_id) if screener.links else None
    members = {}
    if cluster:
        for m in cluster["members"]:
            e = screener.entity(m["list"], m["entity_id"])
            members[(m["list"], m["entity_id"])] = e.name if e else "?"
    return render_template(
        "entity.html", e=found, version=context.version_dict(version), cluster=cluster, members=members
    )


# --- text -------------------------------------------------------------------------------------


@bp.route("/text", methods=["GET", "POST"])
def text():
    screener = context.screener()
    cfg = context.config()
    form: dict[str, Any]
    form = {
        "text": request.form.get("text", ""),
        "threshold": request.form.get("threshold", ""),
        "lists": request.form.getlist("lists"),
    }
    segments, mentions, error = None, None, None
    if request.method == "POST":
        body: dict = {"text": form["text"]}
        if form["lists"]:
            body["lists"] = form["lists"]
        try:
            if form["threshold"].strip():
                body["threshold"] = _number(form["threshold"], "threshold")
            req = validation.text_request(body, screener.list_ids)
            threshold = screener.effective_threshold(cost.threshold(req.threshold, cfg))
            found = cost.engine_call(
                lambda budget: screen_text(
                    screener, req.text, threshold=threshold, lists=req.lists, budget=budget
                ),
                cfg,
            )
        except ApiError as exc:
            error = exc.detail
        else:
            metrics.ALERTS.inc(len(found))
            log.info(
                "ui screen_text request_id=%s chars=%d mentions=%d", g.request_id, len(req.text), len(found)
            )
            # as /v1/screen/text: each alerting mention is recorded as a screened name
            context.audit_screening("/ui/text", threshold, req.lists, [m.as_result(threshold) for m in found])
            mentions = [
                {"start": m.start, "end": m.end, "text": m.text, "matches": [asdict(x) for x in m.matches]}
                for m in sorted(found, key=lambda m: m.start)
            ]
            segments = _segments(req.text, mentions)
    return render_template(
        "text.html", form=form, segments=segments, mentions=mentions, error=error, list_ids=screener.list_ids
    )


def _segments(text: str, mentions: list[dict]) -> list[tuple[str, int | None]]:
    """The text cut into (piece, index in ``mentions`` or None), for marking it up safely; the
    mentions come by start offset, and one overlapping an earlier mention is not marked again."""
    out: list[tuple[str, int | None]] = []
    at = 0
    for i, m in enumerate(mentions):
        if m["start"] < at:
            continue
        out.append((text[at : m["start"]], None))
        out.append((text[m["start"] : m["end"]], i))
        at = m["end"]
    out.append((text[at:], None))
    return out


# --- lists ------------------------------------------------------------------------------------


@bp.get("/lists")
def lists():
    provider = context.provider()
    screener = context.screener()
    now = datetime.now(UTC)
    rows = [
        {
            **context.version_dict(v),
            "published_age": _age(metrics.age_seconds(v.published, now)),
            "loaded_age": _age(metrics.age_seconds(v.loaded_at, now)),
        }
        for v in screener.versions
    ]
    return render_template("lists.html", lists=rows, reload=provider.status.to_dict())


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    days = seconds / 86400
    if days >= 2:
        return f"{days:,.0f} days"
    hours = seconds / 3600
    if hours >= 1:
        return f"{hours:.1f} hours"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


# --- batch ------------------------------------------------------------------------------------


@bp.get("/batch")
def batch():
    return render_template("batch.html", missing=jobs.batch_available(), error=None, form={})


@bp.post("/batch")
def batch_start():
    missing = jobs.batch_available()
    if missing:
        return render_template("batch.html", missing=missing, error=None, form={}), 503
    screener = context.screener()
    form = {
        k: request.form.get(k, "").strip()
        for k in ("name_column", "id_column", "country_column", "birth_date_column", "threshold")
    }
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValueError("choose a CSV or Parquet file to upload")
        threshold = _number(form["threshold"], "threshold") if form["threshold"] else None
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be a number between 0 and 1")
        req = jobs.JobRequest(
            form["name_column"] or "name",
            form["id_column"] or None,
            form["country_column"] or None,
            form["birth_date_column"] or None,
            screener.effective_threshold(threshold),
        )
        state = jobs.create(upload.filename, iter(lambda: upload.stream.read(1 << 20), b""))
        jobs.check_columns(state, req)
    except ApiError as exc:
        return render_template("batch.html", missing=None, error=exc.detail, form=form), 400
    except ValueError as exc:
        return render_template("batch.html", missing=None, error=str(exc), form=form), 400
    jobs.start(state, req, screener)
    log.info("ui batch job %s started request_id=%s", state.id, g.request_id)
    return redirect(url_for("ui.batch_job", job_id=state.id), code=303)


@bp.errorhandler(404)
def _not_found(_exc):
    return render_template("error.html", title="Not found", message=f"Nothing at {request.path}."), 404


@bp.errorhandler(413)
def _too_large(_exc):
    drain()  # the browser gets this page instead of a connection reset
    limit = request.max_content_length or 0
    return render_template(
        "error.html",
        title="Too large",
        message=f"What was sent is larger than the limit of {limit // (1024 * 1024)} MiB "
        "here. Split the file, or screen it with orinoco screen.",
    ), 413


def _job(job_id: str) -> jobs.JobState:
    state = jobs.load(job_id)
    if state is None:
        abort(404)
    return state


@bp.get("/batch/<job_id>")
def batch_job(job_id: str):
    state = _job(job_id)
    return render_template("batch_job.html", job=state.view())


@bp.get("/batch/<job_id>/status")
def batch_status(job_id: str):
    return jsonify(_job(job_id).view())


@bp.get("/batch/<job_id>/<kind>.csv")
def batch_download(job_id: str, kind: str):
    state = _job(job_id)
    if kind not in ("alerts", "rejects") or state.status != "done":
        abort(404)
    return send_file(
        state.folder / f"{kind}.csv",
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{kind}-{state.id[:8]}.csv",
    )
