"""Schemathesis hooks for tests/test_api_fuzz.py: the project's own check on every response."""

from __future__ import annotations

import schemathesis


@schemathesis.check
def problem_json_for_4xx(ctx, response, case) -> None:
    """Every client error is an RFC 9457 problem+json document whose status matches the response."""
    if 400 <= response.status_code < 500:
        headers = {name.lower(): values for name, values in response.headers.items()}
        content_type = headers.get("content-type", [""])[0]
        assert content_type.startswith("application/problem+json"), f"4xx with Content-Type {content_type!r}"
        body = response.json()
        assert body["status"] == response.status_code and body["type"] and body["detail"], body
