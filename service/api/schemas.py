"""The API's response models (pydantic v2): what each JSON answer holds, for the OpenAPI document.

The routes build their answers as plain dicts (``jsonify``, the field order kept, no second pass
over a 1,000-name response); these models describe them, and the tests check the live answers
against the document generated from them, so a field added to an answer without its model fails.
``Model`` forbids fields a response never has; the open ones (``Open``) may gain fields.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.monitor.models import STATUSES

JsonObject = dict[str, Any]
SCORE_MODEL = "Version of the calibrated score model that scored the names (service/engine/score_model.json)"
NATIONALITIES = "Nationalities as the list states them"
CITIZENSHIPS = "Citizenships as the list states them (kept apart from nationalities, as the lists keep them)"


def absent(**kwargs: Any) -> Any:
    """An optional field left out of the JSON when it does not apply (never null unless its type says so).

    Typed ``Any`` so that ``field: str = absent()`` states the type the field has when present."""
    return Field(None, **kwargs)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Problem(Model):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    field: str = absent(description="The request field at fault, e.g. queries[3].name")
    request_id: str = absent()
    limit: str = absent(description="The setting whose limit the request went past, e.g. ORINOCO_MAX_TOKENS")


class EchoedQuery(Open):
    name: str
    schema_: str = Field(alias="schema")
    birth_date: str | None
    country: str | None
    id: str | int | None


class BirthDate(Model):
    """A date of birth as precise as the list gives it"""

    date: str = Field(examples=["1974-11-12", "1974-11", "1974"])
    end: str | None = Field(description='The end of a range ("1955" .. "1958")')
    circa: bool = Field(description='"circa" / "approximately"')


class ListedRecord(Model):
    list_: str = Field(alias="list")
    entity_id: str


class Explanation(Open):
    tokens: list[JsonObject] = absent()
    adjustments: list[JsonObject] = absent()
    matched_form: Literal["name", "initials"] = absent(
        description='"initials": the listed tokens are initials the engine made of an organization\'s '
        "words (matched_name is the name they were made of), not words of the list"
    )


class Match(Open):
    """A listed entity that matched: its list, entity_id, schema, name, programs, birth_dates,
    nationalities and citizenships have the same shape as in the Entity record (GET /v1/entities)"""

    list_: str = Field(alias="list", description="The list's id, as in /v1/lists and the entity URL")
    entity_id: str = Field(description="The source's own id")
    schema_: str = Field(alias="schema")
    name: str = Field(description="The entity's primary name")
    matched_name: str = Field(description="The listed name that matched")
    weak_alias: bool = Field(description="The matched name is a low-quality alias")
    score: float = Field(ge=0, le=1)
    programs: list[str]
    birth_dates: list[BirthDate]
    nationalities: list[str] = Field(description=NATIONALITIES)
    citizenships: list[str] = Field(description=CITIZENSHIPS)
    explanation: Explanation = Field(
        description="Token pairs and their similarity, coverage, evidence adjustments"
    )
    cluster_id: str | None = Field(
        description="The cluster of records that are this party on the loaded lists (null when only one "
        "list lists it)"
    )
    also_listed_on: list[ListedRecord] = Field(
        description="The other records of the same party (same cluster), on other lists"
    )


class Result(Model):
    query: EchoedQuery
    matches: list[Match] = Field(description="Sorted by score, highest first")


class ListRefresh(Model):
    """The list's scheduled refresh (serve --refresh); null when it is not refreshed"""

    last_attempt: str | None
    last_success: str | None = Field(
        description="When the list was last confirmed current (a new version or unchanged)"
    )
    last_change: str | None = Field(description="When a new version was last installed")
    error: str | None = Field(description="Why the last refresh failed; the loaded version keeps serving")
    stale: bool = Field(description="Not confirmed current for longer than the allowed age")
    age_seconds: float = Field(description="Seconds since the list was last confirmed current")


class ListVersion(Model):
    id: str
    source: str = Field(examples=["ofac", "un", "custom"])
    entities: int = Field(ge=0)
    names: int = Field(ge=0)
    published: str | None = Field(
        description="Publication date stated by the list itself (for a reference snapshot whose files "
        "carry no date, the day the snapshot was taken, from the registry)"
    )
    loaded_at: str
    sha256: str
    skipped_rows: int = Field(ge=0)
    origin: Literal["file", "download", "import", "reference"] = Field(
        description="Where these bytes came from: a path given with --list (file), the list cache filled by "
        "a download or an import, or a historical reference snapshot standing in for the official list"
    )
    fallback: bool = Field(
        description="true when a historical reference snapshot stands in for the official list (origin "
        "reference): fine for trying Orinoco out, not for real screening"
    )
    refresh: ListRefresh | None = absent()


class LoadStatus(Model):
    loading: bool
    last_attempt: str | None
    last_success: str | None
    error: str | None = Field(description="Why the last load failed; the previous lists keep serving")


class ScreenResponse(Model):
    request_id: str
    screened_at: str
    threshold: float = Field(ge=0, le=1)
    score_model: str = Field(description=SCORE_MODEL)
    limit: int
    lists: list[ListVersion] = Field(description="The list versions screened against")
    results: list[Result] = Field(description="One per query, in order")


class CompareResponse(Model):
    request_id: str
    score: float = Field(ge=0, le=1)
    score_model: str = Field(description=SCORE_MODEL)
    explanation: JsonObject


class Mention(Model):
    start: int = Field(
        ge=0, description="Offset of the first character, in Unicode code points of the text sent"
    )
    end: int = Field(ge=0, description="Offset just past the last character: text[start:end] is the mention")
    text: str
    matches: list[Match] = Field(min_length=1)


class TextResponse(Model):
    request_id: str
    screened_at: str
    threshold: float = Field(ge=0, le=1)
    score_model: str = Field(description=SCORE_MODEL)
    lists: list[ListVersion] = Field(description="The list versions screened against")
    mentions: list[Mention]


class Alias(Open):
    name: str
    kind: str
    weak: bool


class ClusterLink(Open):
    a: ListedRecord
    b: ListedRecord
    points: float
    by_identifier: bool
    evidence: list[str]


class Cluster(Open):
    id: str
    members: list[ListedRecord]
    links: list[ClusterLink] = Field(description="The links that joined the members, with their evidence")


class Entity(Open):
    """A listed entity, whole: identified by list and entity_id as in matches and clusters; the fields a
    match repeats have the same shape here"""

    list_: str = Field(alias="list", description="The list's id, as in /v1/lists and matches")
    entity_id: str = Field(description="The source's own id")
    schema_: str = Field(alias="schema")
    name: str
    aliases: list[Alias]
    programs: list[str]
    birth_dates: list[BirthDate]
    nationalities: list[str] = Field(description=NATIONALITIES)
    citizenships: list[str] = Field(description=CITIZENSHIPS)
    remarks: str | None = absent()
    cluster: Cluster | None = Field(
        description="The party's records on the other loaded lists, and why they were linked"
    )


class RefreshSchedule(Model):
    """The refresh schedule (serve --refresh); null when lists are only reloaded by SIGHUP"""

    interval_seconds: float
    max_age_seconds: float
    last_run: str | None
    next_run: str | None


class ListsResponse(Model):
    lists: list[ListVersion]
    reload: LoadStatus
    refresh: RefreshSchedule | None = absent()


class ReadyList(Model):
    id: str
    published: str | None
    loaded_at: str
    entities: int
    fallback: bool = Field(description="a historical reference snapshot, not the official list")
    published_age_seconds: float | None
    loaded_age_seconds: float | None


class Count(Open):
    parsed: int = absent()
    done: int = absent()
    total: int | None = absent()


class Phase(Open):
    phase: str = absent()
    seconds: float = absent()


class Progress(Open):
    """How far the current (or last) load got: lists parsed n of m, index built, records linked n of m,
    and each finished phase with its duration"""

    load: Literal["start-up", "reload"] = absent()
    phase: Literal["lists", "index", "linking", "done"] = absent()
    lists: Count = absent()
    index: Literal["pending", "built"] = absent()
    linking: Count = absent()
    phases: list[Phase] = absent()
    done: bool = absent()
    elapsed_seconds: float = absent(description="while loading: seconds since the load began")
    retiring: list[int] = absent(
        description="pids of the workers forked before the first load that have not exited yet (503 until "
        "none is left)",
    )


class AuditHealth(Model):
    """With ORINOCO_AUDIT_LOG: whether records can be written (a failed write, a file that cannot be
    opened, a full disk make /readyz 503)"""

    ok: bool
    error: str | None


class Ready(Model):
    status: Literal["ready", "loading", "unavailable"]
    lists: list[ReadyList]
    reload: LoadStatus
    progress: Progress | None = absent()
    audit: AuditHealth = absent()
    refresh: dict[str, ListRefresh | None] = absent(
        description="Each refreshed list's refresh record (serve --refresh only)"
    )
    stale_lists: list[str] = absent(
        description="Lists not confirmed current for longer than the allowed age (an alert: the server "
        "stays ready)",
    )
    detail: str = absent(description="What needs attention: stale lists, or a failed refresh")


class Health(Open):
    status: Literal["ok"]
    version: str = Field(description="the Orinoco release answering (the package version)")


class ReloadAccepted(Model):
    request_id: str
    status: str
    reload: LoadStatus


# --- monitoring --------------------------------------------------------------------------------------


class CustomerRecord(Model):
    id: str
    names: list[str]
    type: str
    birth_date: str | None
    country: str | None
    identifiers: list[JsonObject]
    active: bool = Field(description="false once removed")
    screened: bool = Field(description="screened since its last change")
    created_at: str
    updated_at: str
    screened_at: str | None


class Alert(Model):
    """A customer matching a listed record."""

    id: int
    customer_id: str
    list_: str = Field(alias="list")
    entity_id: str
    status: Literal[STATUSES]  # type: ignore[valid-type]
    reason: str | None = Field(description="why it has its status, e.g. why it re-opened")
    score: float
    matched_name: str = Field(description="the listed name")
    explanation: JsonObject
    list_version: str = Field(description="sha256 of the list")
    model_version: str
    record_hash: str = Field(description="content hash of the listed record screened")
    created_at: str
    updated_at: str


class CustomerDetail(CustomerRecord):
    request_id: str = absent()
    alerts: list[Alert]


class CustomersResponse(Model):
    request_id: str
    customers: list[CustomerRecord]


class CustomerPage(Model):
    customers: list[CustomerRecord]
    next_cursor: str | None = Field(description="pass as cursor for the next page")


class RemoveResponse(Model):
    request_id: str
    removed: int


class Decision(Model):
    id: int
    alert_id: int
    decision: Literal[STATUSES]  # type: ignore[valid-type]
    reason: str
    reviewer: str = Field(description='"system" for automatic changes')
    request_id: str | None
    time: str


class AlertDetail(Alert):
    history: list[Decision]


class AlertPage(Model):
    alerts: list[Alert]
    next_cursor: str | None


class DecisionResponse(Model):
    request_id: str
    alert: AlertDetail


class Job(Model):
    id: int
    status: str
    added: int
    changed: int
    removed: int
    records: int
    customers_checked: int = Field(description="customers read and pre-filtered against the delta")
    customers_done: int = Field(
        description="customers screened against the delta (those the pre-filter could not rule out)"
    )
    alerts_opened: int
    seconds: float
    created_at: str
    finished_at: str | None


class JobsResponse(Model):
    jobs: list[Job]
