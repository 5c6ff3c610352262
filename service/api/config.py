"""What the HTTP layer can be told: limits, the default threshold, API keys, rate limit, audit log.

Built from the ``ORINOCO_*`` settings (``service.settings``) by ``from_env`` (flags override them in
``orinoco serve``); the limits of the request bodies are fixed by the API contract (``validation``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service import settings
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


def from_env(env: Mapping[str, str] | None = None) -> ApiConfig:
    """The API's settings (``service.settings``), keys split from their scopes; ValueError naming
    the variable when one is wrong."""
    s = settings.load(env)
    rate = (s.rate_limit or "").strip()
    admin = parse_keys(s.admin_keys)
    keys, scopes = parse_key_scopes(s.api_keys)
    keyed_floor = KEYED_MIN_THRESHOLD if keys or admin else 0.0
    extra = tuple(k for k in admin if k not in keys)  # admin keys are API keys too, with every scope
    return ApiConfig(
        trusted_proxies=s.trusted_proxies,
        api_keys=keys + extra,
        key_scopes=scopes + tuple(frozenset(SCOPES) for _ in extra),
        admin_keys=admin,
        min_threshold=s.min_threshold if s.min_threshold is not None else keyed_floor,
        max_tokens=s.max_tokens,
        max_candidates=s.max_candidates,
        max_matches=s.max_matches,
        max_response_bytes=s.max_response_bytes,
        deadline_seconds=s.request_deadline,
        default_threshold=s.threshold,
        rate_limit=parse_rate(rate) if rate else None,
        audit=from_settings((s.audit_log or "").strip(), s.audit_clear, s.audit_salt),
    )
