"""Optional per-client rate limiting of /v1/*: a token bucket per API key (else per client address).

Off unless ORINOCO_RATE_LIMIT is set ("100/minute", "5/second", "1000/hour"). The count is of
names screened, not requests: every request takes one token on arrival (before authentication,
so a flood of bad keys is limited too) and a screening request takes one more per further name
(``charge``; text: per 1,000 characters). A client may burst up to the whole count, then gets
count/period; past that it gets a 429 problem+json with Retry-After. The buckets live in each
gunicorn worker's memory: with N workers a client can get up to N times the limit, as each
worker counts the names it served. That bounds abuse without a shared store to run; set the
limit per worker accordingly.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import request

from service.api import auth
from service.api.errors import ApiError

PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten (gets a full bucket)


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    period: float  # seconds

    def __str__(self) -> str:
        unit = next(name for name, seconds in PERIODS.items() if seconds == self.period)
        return f"{self.count}/{unit}"


def parse_rate(text: str) -> Rate:
    """ "100/minute" -> Rate(100, 60.0); ValueError for anything else."""
    count, _, unit = text.strip().partition("/")
    unit = unit.strip().lower().removesuffix("s")
    if not count.strip().isdigit() or int(count) < 1 or unit not in PERIODS:
        raise ValueError(f"rate limit must look like 100/minute (per second, minute or hour), got {text!r}")
    return Rate(int(count), PERIODS[unit])


class RateLimiter:
    """Token buckets by client; ``check`` raises a 429 ApiError when the client's bucket is empty."""

    def __init__(self, rate: Rate, clock=time.monotonic):
        self.rate, self._clock = rate, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str, n: int = 1) -> float:
        """Take ``n`` tokens; 0.0 if granted, else the seconds until they are available (inf: never,
        ``n`` is more than the bucket holds)."""
        per_second = self.rate.count / self.rate.period
        if n > self.rate.count:
            return math.inf
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.pop(client, (float(self.rate.count), now))
            tokens = min(float(self.rate.count), tokens + (now - at) * per_second)
            wait = 0.0 if tokens >= n else (n - tokens) / per_second
            self._buckets[client] = (tokens - n if not wait else tokens, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return wait

    def check(self, keys: tuple[str, ...]) -> None:
        """For /v1/* only, before authentication: a flood of bad keys is limited too."""
        if not request.path.startswith(auth.PROTECTED_PREFIX):
            return
        wait = self.take(client_id(keys))
        if wait:
            raise ApiError(
                429,
                "rate-limited",
                f"more than {self.rate} names from this client; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
                limit="ORINOCO_RATE_LIMIT",
            )

    def charge(self, n: int, keys: tuple[str, ...]) -> None:
        """Take ``n`` more tokens for a request's further names; a 429 when the client has not got them."""
        wait = self.take(client_id(keys), n)
        if wait == math.inf:
            raise ApiError(
                429,
                "rate-limited",
                f"this request costs {n + 1} names, more than the rate limit "
                f"of {self.rate} allows at once; split it",
                limit="ORINOCO_RATE_LIMIT",
            )
        if wait:
            raise ApiError(
                429,
                "rate-limited",
                f"this request's {n + 1} names would exceed {self.rate} "
                f"names from this client; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
                limit="ORINOCO_RATE_LIMIT",
            )


def client_id(keys: tuple[str, ...]) -> str:
    """A valid API key (hashed: keys are never kept in clear), else the client address: an invalid
    or unchecked key (no keys configured) is any string, so it cannot name a client."""
    key = auth.presented_key() if keys else None
    if key and auth.key_is_valid(key, keys):
        return "key:" + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return "addr:" + (request.remote_addr or "?")
