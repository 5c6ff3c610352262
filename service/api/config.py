"""What the HTTP layer can be told: limits, the default threshold, API keys, rate limit, audit log.

Built from ``ORINOCO_*`` environment variables by ``from_env`` (flags override them in
``orinoco serve``); the limits of the request bodies are fixed by the API contract (``validation``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import overload

from service.api.audit import AuditLog, from_settings
from service.api.ratelimit import Rate, parse_rate


@dataclass(frozen=True, slots=True)
class ApiConfig:
    api_keys: tuple[str, ...] = ()  # empty: no authentication
    key_scopes: tuple[frozenset[str], ...] = ()  # the scopes of each key, in the order of api_keys
    default_threshold: float | None = None  # given to the Screener when built; None: the engine's
    max_body_bytes: int = 1024 * 1024
    rate_limit: Rate | None = None  # names per client and worker process; None: unlimited
    audit: AuditLog | None = None  # None: no audit log
    # Cost bounds (README "Deployment and limits"); each has an ORINOCO_* setting.
    admin_keys: tuple[str, ...] = ()  # keys that may go below min_threshold (also valid API keys)
    min_threshold: float = 0.0  # the lowest threshold a non-admin client may ask for
    max_tokens: int = 10_000  # words of all the names of one /v1/screen request together
    max_candidates: int = 5_000_000  # (token, listed name) pairs the engine may score per request
    max_matches: int = 10_000  # matches in one response, all names together
    max_response_bytes: int = 16 * 1024 * 1024
    deadline_seconds: float = 15.0  # engine time per request
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For may be believed

    def __repr__(self) -> str:  # never print keys, e.g. in a debug log of the config
        return (
            f"ApiConfig(api_keys=<{len(self.api_keys)} keys>, "
            f"default_threshold={self.default_threshold}, "
            f"max_body_bytes={self.max_body_bytes}, rate_limit={self.rate_limit}, audit={self.audit}, "
            f"admin_keys=<{len(self.admin_keys)} keys>, min_threshold={self.min_threshold}, "
            f"max_tokens={self.max_tokens}, max_candidates={self.max_candidates}, "
            f"max_matches={self.max_matches}, max_response_bytes={self.max_response_bytes}, "
            f"deadline_seconds={self.deadline_seconds}, trusted_proxies={self.trusted_proxies})"
        )


SCOPES = ("screen", "review", "admin")


def parse_key_scopes(text: str | None) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """ORINOCO_API_KEYS: ``key1:screen+review,key2``; a key without scopes has them all (as before scopes).

    A suffix that is not made of scope names is part of the key (keys may contain ':')."""
    keys, scopes = [], []
    for item in (k.strip() for k in (text or "").split(",")):
        if not item:
            continue
        key, sep, suffix = item.rpartition(":")
        named = suffix.split("+")
        if sep and key and all(n in SCOPES for n in named):
            keys.append(key)
            scopes.append(frozenset(named))
        else:
            keys.append(item)
            scopes.append(frozenset(SCOPES))
    return tuple(keys), tuple(scopes)


def parse_keys(text: str | None) -> tuple[str, ...]:
    return parse_key_scopes(text)[0]


def parse_threshold(text: str) -> float:
    """A threshold from a flag or the environment: a number in [0, 1], else ValueError."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {text}")
    return value


# The default floor on a server with API keys. Without keys no client can show an admin key, and
# such a server is a trial or a closed network's (the evaluation asks for threshold 0): no floor.
KEYED_MIN_THRESHOLD = 0.30


@overload
def _number(env: Mapping[str, str], name: str, default: int) -> int: ...
@overload
def _number(env: Mapping[str, str], name: str, default: float, kind: type[float]) -> float: ...
def _number(env: Mapping[str, str], name: str, default: float, kind: type = int) -> float:
    """A positive number from the environment, else the default; ValueError naming the variable."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise ValueError(f"{name} must be a positive {'integer' if kind is int else 'number'}, got {text!r}")
    return value


def parse_proxies(text: str) -> int:
    """ORINOCO_TRUSTED_PROXIES: how many proxies stand in front (0 to 5), else ValueError."""
    if not text.strip().isdigit() or not 0 <= int(text) <= 5:
        raise ValueError(f"ORINOCO_TRUSTED_PROXIES must be a whole number from 0 to 5, got {text!r}")
    return int(text)


def from_env(env: Mapping[str, str] = os.environ) -> ApiConfig:
    threshold = env.get("ORINOCO_THRESHOLD", "").strip()
    floor = env.get("ORINOCO_MIN_THRESHOLD", "").strip()
    rate = env.get("ORINOCO_RATE_LIMIT", "").strip()
    admin = parse_keys(env.get("ORINOCO_ADMIN_KEYS"))
    keys = parse_keys(env.get("ORINOCO_API_KEYS"))
    d = ApiConfig()
    keyed_floor = KEYED_MIN_THRESHOLD if keys or admin else 0.0
    proxies = env.get("ORINOCO_TRUSTED_PROXIES", "").strip() or "0"
    scopes = parse_key_scopes(env.get("ORINOCO_API_KEYS"))[1]  # in the order of keys
    extra = tuple(k for k in admin if k not in keys)  # admin keys are API keys too, with every scope
    return ApiConfig(
        trusted_proxies=parse_proxies(proxies),
        api_keys=keys + extra,
        key_scopes=scopes + tuple(frozenset(SCOPES) for _ in extra),
        admin_keys=admin,
        min_threshold=parse_threshold(floor) if floor else keyed_floor,
        max_tokens=_number(env, "ORINOCO_MAX_TOKENS", d.max_tokens),
        max_candidates=_number(env, "ORINOCO_MAX_CANDIDATES", d.max_candidates),
        max_matches=_number(env, "ORINOCO_MAX_MATCHES", d.max_matches),
        max_response_bytes=_number(env, "ORINOCO_MAX_RESPONSE_BYTES", d.max_response_bytes),
        deadline_seconds=_number(env, "ORINOCO_REQUEST_DEADLINE", d.deadline_seconds, float),
        default_threshold=parse_threshold(threshold) if threshold else None,
        rate_limit=parse_rate(rate) if rate else None,
        audit=from_settings(
            env.get("ORINOCO_AUDIT_LOG", "").strip(),
            env.get("ORINOCO_AUDIT_CLEAR", "").strip() == "1",
            env.get("ORINOCO_AUDIT_SALT"),
        ),
    )
