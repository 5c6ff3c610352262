"""Every ``ORINOCO_*`` setting in one typed object (pydantic-settings), read from the environment.

Each module asks ``load()`` for the settings when it needs them (not at import: tests and
``orinoco serve`` set variables before the server is built), instead of parsing ``os.environ``
itself. A bad value is a ``SettingsError`` naming the variable and the value (``orinoco serve``
exits 2 with it); an empty variable counts as unset. Settings whose value has a grammar owned by
one room (API keys with scopes, a rate such as 100/minute, a duration such as 6h, --list
specifications) are kept as text here and parsed by that room.

The README's configuration tables are checked against ``Settings``' fields
(tests/unit/test_settings_documented.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PREFIX = "ORINOCO_"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


class SettingsError(ValueError):
    """A setting with a value it cannot have; the message names the variable."""


def _between(low: float, high: float) -> Any:
    """A number from ``low`` to ``high``, inclusive: the bounds go into the message of a bad value."""
    return Field(None, ge=low, le=high)


class Settings(BaseModel):
    """The settings, each from ``ORINOCO_<NAME>`` (``ORINOCO_MAX_TOKENS`` is ``max_tokens``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # --- where things are
    cache_dir: Path | None = None  # default ~/.cache/orinoco
    reference_dir: Path | None = None  # default ../shared/reference_lists of the checkout or cwd
    sources: Path | None = None  # the list registry; default the packaged sources.toml
    # --- orinoco serve (its flags win over these)
    host: str = DEFAULT_HOST
    port: int = Field(DEFAULT_PORT, ge=0, le=65535)
    workers: int | None = Field(None, ge=1)  # default: the CPUs this process may use
    threads: int = Field(32, gt=0, le=3600)  # per worker process
    client_timeout: float = Field(10.0, gt=0, le=3600)  # seconds to send one request whole
    lists: str = ""  # --list specifications, comma-separated (lists/ parses them)
    refresh: str | None = None  # a duration such as 6h (lists.refresh.parse_duration)
    max_list_age: str | None = None  # a duration; default 48h
    log_format: Literal["json", "text"] | None = None  # default json under gunicorn, text with --dev
    resolve: bool = True  # cluster the records of one party across lists
    monitor: bool = True  # the customer book and its alerts
    # --- the API
    threshold: float | None = _between(0.0, 1.0)  # default: the engine's
    min_threshold: float | None = _between(0.0, 1.0)  # default 0.3 with API keys, else 0
    api_keys: str = ""  # key1:screen+review,key2 (api.config parses the scopes)
    admin_keys: str = ""
    rate_limit: str | None = None  # e.g. 100/minute (api.ratelimit parses it)
    trusted_proxies: int = Field(0, ge=0, le=5)
    max_tokens: int = Field(10_000, gt=0)
    max_candidates: int = Field(5_000_000, gt=0)
    max_matches: int = Field(10_000, gt=0)
    max_response_bytes: int = Field(16 * 1024 * 1024, gt=0)
    request_deadline: float = Field(15.0, gt=0)
    audit_log: str | None = None
    audit_clear: bool = False
    audit_salt: str | None = None
    # --- the web UI
    secret_key: str | None = None  # default: random per start (sessions end on restart)
    secure_cookies: bool = False
    # --- lists: downloads and new versions
    download_retries: int | None = Field(None, ge=0)
    download_backoff: float | None = Field(None, ge=0)
    download_interval: str = "6h"  # lists.cache parses the duration
    max_shrink: float = Field(0.10, ge=0.0, le=1.0)
    # --- monitoring
    database_url: str | None = None  # default: SQLite in the cache directory
    webhook_url: str | None = None
    webhook_secret: str | None = None
    rescreen_chunk: int = Field(2000, ge=1)  # customers per transaction of a re-screen

    @field_validator("download_retries", "download_backoff", mode="before")
    @classmethod
    def _not_negative(cls, value: Any) -> Any:
        """Retries and backoff below zero are zero, as before."""
        try:
            return max(float(value), 0) if isinstance(value, str) and value.strip().startswith("-") else value
        except ValueError:
            return value

    @field_validator("resolve", "monitor", "audit_clear", "secure_cookies", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        """A switch is 1 (on) or 0 (off), as the README says; pydantic's other spellings too."""
        return value.strip() if isinstance(value, str) else value

    def __repr__(self) -> str:  # never print keys or secrets, e.g. in a debug log
        hidden = {"api_keys", "admin_keys", "audit_salt", "secret_key", "webhook_secret", "database_url"}
        shown = ", ".join(f"{k}={'<set>' if k in hidden and v else v!r}" for k, v in self)
        return f"Settings({shown})"

    __str__ = __repr__


class EnvSettings(BaseSettings, Settings):
    """The settings read from the process environment by pydantic-settings (no .env file, no secrets
    directory: the environment only, as the README documents)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings,)


_LOADED: dict[frozenset, Settings] = {}  # by the ORINOCO_* variables set: reading them costs ~3 ms


# Today's wording of a bad value, where a setting had its own ({name}: the variable, {raw}: the value).
MESSAGES = {
    "threshold": "{name}: threshold must be between 0 and 1, got {raw!r}",
    "min_threshold": "{name}: threshold must be between 0 and 1, got {raw!r}",
    "trusted_proxies": "{name} must be a whole number from 0 to 5, got {raw!r}",
    "max_shrink": "{name} must be a share between 0 and 1, got {raw!r}",
    "threads": "{name} must be a positive integer (at most 3600), got {raw!r}",
    "client_timeout": "{name} must be a positive number (at most 3600), got {raw!r}",
    "rescreen_chunk": "{name} must be a whole number of customers, got {raw!r}",
    "log_format": "{name} must be json or text, got {raw!r}",
    "max_tokens": "{name} must be a positive integer, got {raw!r}",
    "max_candidates": "{name} must be a positive integer, got {raw!r}",
    "max_matches": "{name} must be a positive integer, got {raw!r}",
    "max_response_bytes": "{name} must be a positive integer, got {raw!r}",
    "request_deadline": "{name} must be a positive number, got {raw!r}",
}


def default(field: str) -> Any:
    """A setting's default, for a room that needs it without the environment."""
    return Settings.model_fields[field].default


def variable(field: str) -> str:
    return PREFIX + field.upper()


def load(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``env`` (default: the process environment); SettingsError naming the first
    bad variable."""
    source = os.environ if env is None else env
    given = frozenset((k, v) for k, v in source.items() if k.upper().startswith(PREFIX) and v.strip())
    found = _LOADED.get(given)
    if found is not None:
        return found
    try:
        if source is os.environ:
            found = EnvSettings()
        else:  # a mapping of its own (tests, Monitor.from_env(env)): nothing from the process environment
            found = Settings.model_validate({k[len(PREFIX) :].lower(): v for k, v in given})
    except ValidationError as exc:
        raise error(exc, source) from None
    if len(_LOADED) > 64:
        _LOADED.clear()
    _LOADED[given] = found
    return found


def error(exc: ValidationError, env: Mapping[str, str]) -> SettingsError:
    err = exc.errors(include_url=False)[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    name = variable(field)
    raw = next((v for k, v in env.items() if k.upper() == name), "")
    if field in MESSAGES:
        return SettingsError(MESSAGES[field].format(name=name, raw=raw))
    return SettingsError(f"{name}={raw!r} is not a valid value ({err['msg'].lower()})")
