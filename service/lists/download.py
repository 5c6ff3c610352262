"""Bounded HTTP download: timeout, size limit, length check and sha256 while streaming to disk;
conditional GET (ETag / Last-Modified of the version in hand) and retries with backoff.

A publisher's server being slow or briefly failing (the EU FSF answers an occasional 500) must not
cost a refresh: connection errors, timeouts, HTTP 429 and 5xx are retried ``RETRIES`` times after
``BACKOFF`` x 1, 2, 4... seconds. Anything else (404, a file over the limit, cut short) fails at once.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from service.lists.errors import ListError

log = logging.getLogger(__name__)

USER_AGENT = "orinoco-list-update/0.1"
_CHUNK = 1 << 20
RETRIES = 3
BACKOFF = 2.0  # seconds before the first retry, doubled after each


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a download gave: the file's checksum and size, or ``not_modified`` (HTTP 304: the version
    in hand is current, nothing was written), and the validators to send next time."""

    sha256: str | None
    size: int
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


class _Retryable(ListError):
    """A failure worth another try (network, timeout, 429, 5xx)."""


def fetch(
    url: str,
    dest: Path,
    max_bytes: int,
    timeout: float,
    etag: str | None = None,
    last_modified: str | None = None,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
) -> Fetched:
    """Write ``url`` to ``dest`` (unless the server says it has not changed since ``etag`` /
    ``last_modified``). ListError on any network or size problem, after the retries."""
    if not url.startswith(("https://", "http://")):
        raise ListError(f"{url}: only http(s) URLs are downloaded")
    for attempt in range(retries + 1):
        try:
            return _fetch_once(url, dest, max_bytes, timeout, etag, last_modified)
        except _Retryable as exc:
            if attempt == retries:
                raise ListError(f"{exc} (after {retries + 1} attempts)") from None
            wait = backoff * 2**attempt
            log.warning(
                "download %s failed (%s), retry %d of %d in %.1f s", url, exc, attempt + 1, retries, wait
            )
            time.sleep(wait)
    raise AssertionError("unreachable")


def _fetch_once(
    url: str, dest: Path, max_bytes: int, timeout: float, etag: str | None, last_modified: str | None
) -> Fetched:
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, dest.open("wb") as out:
            declared = response.headers.get("Content-Length")
            expected = int(declared) if declared and declared.isdigit() else None
            if expected is not None and expected > max_bytes:
                raise ListError(f"{url}: {expected} bytes announced, over the {max_bytes}-byte limit")
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ListError(f"{url}: more than {max_bytes} bytes, download stopped")
                digest.update(chunk)
                out.write(chunk)
            validators = response.headers.get("ETag"), response.headers.get("Last-Modified")
    except ListError:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and (etag or last_modified):
            dest.unlink(missing_ok=True)
            return Fetched(
                None,
                0,
                exc.headers.get("ETag") or etag,
                exc.headers.get("Last-Modified") or last_modified,
                not_modified=True,
            )
        error = _Retryable if exc.code == 429 or exc.code >= 500 else ListError
        raise error(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise _Retryable(f"{url}: download failed ({type(exc).__name__}: {reason})") from None
    if expected is not None and size != expected:
        raise _Retryable(f"{url}: truncated download, {size} of {expected} bytes")
    return Fetched(digest.hexdigest(), size, *validators)
