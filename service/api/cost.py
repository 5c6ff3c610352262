"""What one request may cost: the threshold floor, the size ceiling, the engine's budget, the
response cap, and the rate limiter's charge. Every refusal names the setting that bounds it.

- A threshold under ``min_threshold`` (ORINOCO_MIN_THRESHOLD) is refused unless the key is an
  admin key (ORINOCO_ADMIN_KEYS): a low threshold makes every name a candidate.
- The words of all names together (names x tokens) over ``max_tokens`` are a 413 before any
  engine work.
- The engine gets a ``Budget``: candidates (names x tokens x the listed names each reaches),
  matches and a deadline; past one of them, a 422 ``request-too-costly``.
- A response over ``max_response_bytes`` is a 422 too, never a truncated answer.
- With a rate limit, a request costs one token per name (text: one per 1,000 characters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Response, current_app

from service.api import auth, context
from service.api.config import ApiConfig
from service.api.errors import ApiError
from service.engine.budget import Budget, OverBudget
from service.engine.normalize import fold
from service.engine.screener import Query

LIMITER = "orinoco.limiter"
SETTINGS = {
    "deadline": "ORINOCO_REQUEST_DEADLINE",
    "candidates": "ORINOCO_MAX_CANDIDATES",
    "matches": "ORINOCO_MAX_MATCHES",
}
TEXT_CHARS_PER_NAME = 1000


T = TypeVar("T")


def threshold(value: float | None, config: ApiConfig) -> float | None:
    """The requested threshold, refused under the floor unless the client holds an admin key."""
    if value is None or value >= config.min_threshold:
        return value
    key = auth.presented_key()
    if config.admin_keys and key and auth.key_is_valid(key, config.admin_keys):
        return value
    raise ApiError(
        400,
        "threshold-below-floor",
        f"threshold {value} is below the lowest allowed, {config.min_threshold} "
        f"(ORINOCO_MIN_THRESHOLD); lower ones need an admin key",
        "threshold",
        limit="ORINOCO_MIN_THRESHOLD",
    )


def check_size(queries: list[Query], config: ApiConfig) -> None:
    """Refuse a request whose names hold more words together than ``max_tokens``."""
    tokens = sum(len(fold(q.name).split()) for q in queries)
    if tokens > config.max_tokens:
        raise ApiError(
            413,
            "request-too-costly",
            f"the names hold {tokens} words together, more than the limit of {config.max_tokens} "
            f"per request (ORINOCO_MAX_TOKENS); split the request",
            "queries",
            limit="ORINOCO_MAX_TOKENS",
        )


def budget(config: ApiConfig) -> Budget:
    return Budget(config.deadline_seconds, config.max_candidates, config.max_matches)


def engine_call(run: Callable[[Budget], T], config: ApiConfig) -> T:
    """One engine call, the API's and the UI's alike: one at a time per process (the engine lock),
    within this request's budget; running past it is the 422 problem naming the setting."""
    with context.ENGINE_LOCK:
        try:
            return run(budget(config))
        except OverBudget as exc:
            raise refused(exc) from None


def refused(exc: OverBudget) -> ApiError:
    setting = SETTINGS[exc.limit]
    return ApiError(422, "request-too-costly", f"{exc.detail} ({setting})", limit=setting)


def bounded(response: Response, config: ApiConfig) -> Response:
    """``response``, unless its body is larger than ``max_response_bytes``."""
    size = response.calculate_content_length() or 0
    if size > config.max_response_bytes:
        raise ApiError(
            422,
            "response-too-large",
            f"the response would be {size} bytes, more than the limit of "
            f"{config.max_response_bytes} (ORINOCO_MAX_RESPONSE_BYTES); raise the threshold, "
            f"lower the limit or send fewer names",
            limit="ORINOCO_MAX_RESPONSE_BYTES",
        )
    return response


def charge(cost: int) -> None:
    """Charge the rate limiter for a request's cost beyond the one token taken on arrival."""
    limiter = current_app.extensions.get(LIMITER)
    if limiter is not None and cost > 1:
        limiter.charge(cost - 1, context.config().api_keys)
