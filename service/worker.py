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

import os
import socket
import time

from gunicorn.workers import gthread

NEW_CONNECTION_WAIT = 0.25  # seconds a thread waits for a new connection's first bytes
WRITE_TIMEOUT = 60.0


def _setting(name: str, default: float, kind: type) -> float:
    text = os.environ.get(name, "").strip()
    try:
        value = kind(text) if text else default
    except ValueError:
        value = 0
    if not 0 < value <= 3600:
        raise ValueError(f"{name} must be a positive {'integer' if kind is int else 'number'} "
                         f"(at most 3600), got {text!r}")
    return value


def client_timeout() -> float:
    """ORINOCO_CLIENT_TIMEOUT: seconds a client has to send one request, headers and body."""
    return _setting("ORINOCO_CLIENT_TIMEOUT", 10.0, float)


def threads() -> int:
    """ORINOCO_THREADS: threads per worker process."""
    return int(_setting("ORINOCO_THREADS", 32, int))


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


class BoundedThreadWorker(gthread.ThreadWorker):
    """gthread with the bounds above; ``service.serving`` names it as gunicorn's worker class."""

    def enqueue_req(self, conn) -> None:
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock, client_timeout())
        super().enqueue_req(conn)

    def handle(self, conn):
        if not conn.initialized and not conn.data_ready and not conn.wait_for_data(NEW_CONNECTION_WAIT):
            return gthread._DEFER  # back to the poller: an idle connection holds no thread
        return super().handle(conn)
