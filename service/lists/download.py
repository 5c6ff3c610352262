"""Bounded HTTP download: timeout, size limit, length check and sha256 while streaming to disk."""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path

from service.lists.errors import ListError

USER_AGENT = "orinoco-list-update/0.1"
_CHUNK = 1 << 20


def fetch(url: str, dest: Path, max_bytes: int, timeout: float) -> tuple[str, int]:
    """Write ``url`` to ``dest``; return (sha256, size). ListError on any network or size problem."""
    if not url.startswith(("https://", "http://")):
        raise ListError(f"{url}: only http(s) URLs are downloaded")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
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
    except ListError:
        raise
    except urllib.error.HTTPError as exc:
        raise ListError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ListError(f"{url}: download failed ({type(exc).__name__}: {reason})") from None
    if expected is not None and size != expected:
        raise ListError(f"{url}: truncated download, {size} of {expected} bytes")
    return digest.hexdigest(), size
