"""The gunicorn worker ``orinoco serve`` runs: gthread, with slow clients bounded.

gunicorn's gthread worker hands every new connection to a thread that waits up to 5 s for data,
and once a request has started its thread reads the socket with no timeout at all: 16 clients
sending half a header, or declaring a body and sending nothing, hold every thread, and
``/healthz`` goes unanswered for as long as they like. Here:

- a new connection with nothing to read after ``NEW_CONNECTION_WAIT`` goes back to the
  worker's poller, where waiting costs no thread (and it is closed after the keep-alive time);
- a request has ``ORINOCO_CLIENT_TIMEOUT`` seconds (default 10) to arrive whole, headers and
  body, whatever the pace of its bytes; past that the read ends as if the client had hung up
  (the connection is closed, or a body cut short is a 400);
- a response has ``WRITE_TIMEOUT`` seconds to be taken by a client that reads slowly;
- ``ORINOCO_THREADS`` threads per worker (default 32): slow clients that are still within
  their time hold a thread each, and the others keep answering. The engine itself runs one
  request at a time per worker (``api.context.ENGINE_LOCK``), so threads cost no engine memory.
"""

from __future__ import annotations

import html
import json
import socket
import time

from gunicorn.workers import gthread

from service import settings
from service.api.errors import PROBLEM_TYPE

NEW_CONNECTION_WAIT = 0.25  # seconds a thread waits for a new connection's first bytes
WRITE_TIMEOUT = 60.0
MAX_DETAIL = 200  # characters of gunicorn's message (which can quote the request) in a problem


def client_timeout() -> float:
    """ORINOCO_CLIENT_TIMEOUT: seconds a client has to send one request, headers and body."""
    return settings.load().client_timeout


def threads() -> int:
    """ORINOCO_THREADS: threads per worker process."""
    return settings.load().threads


class DeadlineSocket:
    """A client socket whose blocking reads end at the request's deadline (an empty read, as a
    hang-up reads) and whose writes end after WRITE_TIMEOUT. The deadline starts when gunicorn
    puts the socket in blocking mode to read a request, and ends when it goes back to the poller."""

    def __init__(self, sock: socket.socket, seconds: float):
        self._sock, self._seconds = sock, seconds
        self._deadline: float | None = None

    def setblocking(self, flag: bool) -> None:
        if flag:
            self._deadline = time.monotonic() + self._seconds
            self._sock.settimeout(self._seconds)
        else:
            self._deadline = None
            self._sock.setblocking(False)

    def recv(self, size: int, *flags: int) -> bytes:
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                return b""
            self._sock.settimeout(left)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            return b""

    def sendall(self, data: bytes, *flags: int) -> None:
        if self._deadline is not None:
            self._sock.settimeout(WRITE_TIMEOUT)
        self._sock.sendall(data, *flags)

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class _Captured:
    """Stands in for the client socket while gunicorn writes its own (HTML) error page."""

    def __init__(self):
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data


def problem_response(html_response: bytes) -> bytes:
    """gunicorn's HTML error response (414, 431, 400, 501...) as an RFC 9457 problem+json one:
    the same status, a detail of at most MAX_DETAIL characters (it may quote the request)."""
    head, _, body = html_response.partition(b"\r\n\r\n")
    _, status, reason = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
    text = html.unescape(body.decode("latin-1").split("</h1>", 1)[-1].split("</body>", 1)[0]).strip()
    detail = text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + "..."
    problem = json.dumps(
        {
            "type": PROBLEM_TYPE + "http-error",
            "title": reason,
            "status": int(status),
            "detail": detail or reason,
        }
    ).encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"Content-Length: {len(problem)}\r\n\r\n"
    ).encode("latin-1") + problem


class BoundedThreadWorker(gthread.ThreadWorker):
    """gthread with the bounds above; ``service.serving`` names it as gunicorn's worker class.

    Errors gunicorn answers itself, before the app sees the request (a request line over 4,094
    bytes: 414; too many or too large headers: 431; a malformed request: 400; an unsupported
    transfer coding: 501), are problem+json like the app's, not HTML."""

    def handle_error(self, req, client, addr, exc) -> None:
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        if captured.data:
            try:
                client.sendall(problem_response(captured.data))
            except (OSError, ValueError):
                self.log.debug("Failed to send error message.")

    def enqueue_req(self, conn) -> None:
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock, client_timeout())
        super().enqueue_req(conn)

    def handle(self, conn):
        if not conn.initialized and not conn.data_ready and not conn.wait_for_data(NEW_CONNECTION_WAIT):
            return gthread._DEFER  # back to the poller: an idle connection holds no thread
        return super().handle(conn)
