"""Service tests talk HTTP to a real ``orinoco serve`` (gunicorn) started as a subprocess.

``server`` is one gunicorn on the real shared OFAC 2021 + UN lists for the whole session;
``start_server`` starts others (API keys, reloadable copies of the small fixture lists). Each
listens on a free loopback port with 1-2 workers, is waited for on /readyz, and is stopped
with SIGTERM at the end, like an operator would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
FIXTURE_LISTS = REPO / "tests" / "fixtures" / "lists"
ORINOCO = Path(sys.executable).with_name("orinoco")  # the console script of this interpreter's venv
STARTUP_SECONDS = 120.0  # the real lists build in seconds; CI's 2 shared cores can be slow
# Downloads retried against the tests' local servers need not wait the production backoff (2 s, 4 s...).
TEST_BACKOFF = "0.05"
os.environ.setdefault("ORINOCO_DOWNLOAD_BACKOFF", TEST_BACKOFF)


def reference_dir() -> Path:
    return Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running ``orinoco serve``: its URL, process, log file, and a requests session."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log_path: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.http = requests.Session()
        with log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url + path, timeout=60, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.url + path, timeout=120, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"orinoco serve exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                if requests.get(self.url + "/readyz", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"orinoco serve not ready after {timeout:.0f}s:\n{self.log()[-3000:]}")

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self) -> int:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL if it hangs; the exit code."""
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def server_env(tmp: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment without any ORINOCO_* setting it did not ask for, and a private cache."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ORINOCO_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env["ORINOCO_CACHE_DIR"] = str(tmp / "cache")
    env["ORINOCO_REFERENCE_DIR"] = str(reference_dir())
    env["ORINOCO_DOWNLOAD_BACKOFF"] = TEST_BACKOFF
    env["PATH"] = f"{ORINOCO.parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """``start_server(*args, env=None, command=None, ready=True)`` -> a Server, stopped at session end."""
    started: list[Server] = []

    def start(
        *args: str,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
        ready: bool = True,
        workers: int = 1,
    ) -> Server:
        tmp = tmp_path_factory.mktemp("server")
        port = free_port()
        if command is None:
            command = [
                str(ORINOCO),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                *args,
            ]
        else:  # a command line given whole (the Dockerfile's): the port comes from the environment
            env = {**(env or {}), "ORINOCO_HOST": "127.0.0.1", "ORINOCO_PORT": str(port)}
        server = Server(command, server_env(tmp, env), port, tmp / "server.log")
        started.append(server)
        if ready:
            server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()


def real_list_args() -> list[str]:
    ref = reference_dir()
    ofac, un = ref / "ofac_sdn_2021-07", ref / "un_sc_2026-02" / "consolidated.xml"
    if not (ofac.is_dir() and un.is_file()):
        pytest.skip(f"shared reference lists not found under {ref}: set ORINOCO_REFERENCE_DIR")
    return ["--list", f"ofac={ofac}", "--list", f"un={un}"]


@pytest.fixture(scope="session")
def server(start_server) -> Server:
    """gunicorn with 2 workers on the real OFAC SDN 2021 and UN 2026 lists."""
    return start_server(*real_list_args(), workers=2)


@pytest.fixture(scope="session")
def api_keys() -> tuple[str, str]:
    return ("test-key-0123456789abcdef", "second-key-zyxwvu")


@pytest.fixture(scope="session")
def keyed_server(start_server, api_keys) -> Server:
    """gunicorn on the small fixture lists with API keys required."""
    return start_server(
        "--list",
        f"custom={FIXTURE_LISTS / 'custom' / 'watchlist.csv'}",
        env={"ORINOCO_API_KEYS": ",".join(api_keys)},
    )
