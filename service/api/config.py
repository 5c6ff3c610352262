"""What the HTTP layer can be told: limits, the default threshold, API keys, rate limit, audit log.

Built from ``ORINOCO_*`` environment variables by ``from_env`` (flags override them in
``orinoco serve``); the limits are fixed by the API contract and documented in openapi.json.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from service.api.audit import AuditLog, from_settings
from service.api.ratelimit import Rate, parse_rate
from service.engine.normalize import MAX_NAME_CHARS


@dataclass(frozen=True, slots=True)
class ApiConfig:
    api_keys: tuple[str, ...] = ()  # empty: no authentication
    key_scopes: tuple[frozenset[str], ...] = ()  # the scopes of each key, in the order of api_keys
    default_threshold: float | None = None  # given to the Screener when built; None: the engine's
    default_limit: int = 10
    max_limit: int = 100
    max_queries: int = 1000
    max_name_length: int = MAX_NAME_CHARS
    max_body_bytes: int = 1024 * 1024
    rate_limit: Rate | None = None  # per client and worker process; None: unlimited
    audit: AuditLog | None = None  # None: no audit log
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For may be believed

    def __repr__(self) -> str:  # never print keys, e.g. in a debug log of the config
        return (f"ApiConfig(api_keys=<{len(self.api_keys)} keys>, "
                f"default_threshold={self.default_threshold}, max_queries={self.max_queries}, "
                f"max_body_bytes={self.max_body_bytes}, rate_limit={self.rate_limit}, audit={self.audit}, "
                f"trusted_proxies={self.trusted_proxies})")


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


def parse_proxies(text: str) -> int:
    """ORINOCO_TRUSTED_PROXIES: how many proxies stand in front (0 to 5), else ValueError."""
    if not text.strip().isdigit() or not 0 <= int(text) <= 5:
        raise ValueError(f"ORINOCO_TRUSTED_PROXIES must be a whole number from 0 to 5, got {text!r}")
    return int(text)


def from_env(env: Mapping[str, str] = os.environ) -> ApiConfig:
    threshold = env.get("ORINOCO_THRESHOLD", "").strip()
    rate = env.get("ORINOCO_RATE_LIMIT", "").strip()
    proxies = env.get("ORINOCO_TRUSTED_PROXIES", "").strip() or "0"
    keys, scopes = parse_key_scopes(env.get("ORINOCO_API_KEYS"))
    return ApiConfig(trusted_proxies=parse_proxies(proxies), api_keys=keys, key_scopes=scopes,
                     default_threshold=parse_threshold(threshold) if threshold else None,
                     rate_limit=parse_rate(rate) if rate else None,
                     audit=from_settings(env.get("ORINOCO_AUDIT_LOG", "").strip(),
                                         env.get("ORINOCO_AUDIT_CLEAR", "").strip() == "1",
                                         env.get("ORINOCO_AUDIT_SALT")))
