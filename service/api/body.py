"""Reading request bodies within the 1 MiB limit, chunked or not, and refusing larger ones cleanly.

Werkzeug truncates a chunked body at MAX_CONTENT_LENGTH instead of refusing it, so chunked
bodies are read here. Before a 413 is sent the unread rest is drained (up to a cap), so that
a client still sending its body gets the response rather than a connection reset.
"""

from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

DRAIN_CAP = 16 * 1024 * 1024  # past this a client is dropped mid-upload instead
CHUNK = 64 * 1024


def read_body() -> bytes:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None:
        return request.get_data()  # raises RequestEntityTooLarge above the limit, before reading
    data = request.environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    return data


def drain() -> None:
    """Read and discard what is left of the request body, at most DRAIN_CAP bytes."""
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return
    left = DRAIN_CAP if request.content_length is None else min(request.content_length, DRAIN_CAP)
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
