"""The Dockerfile, checked by reading it and by running its own command lines outside Docker.

There is no Docker engine in CI: the ENTRYPOINT/CMD is parsed from the file and started with
the image's ENV (paths under the image's WORKDIR mapped to this checkout), then the file's
HEALTHCHECK command is run against it.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WATCHLIST = REPO / "tests" / "fixtures" / "lists" / "custom" / "watchlist.csv"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        logical.append(current)
        current = ""
    return [(word.upper(), rest.strip()) for word, _, rest in (x.strip().partition(" ") for x in logical)]


def one(name: str) -> str:
    found = [args for instr, args in instructions() if instr == name]
    assert found, f"Dockerfile has no {name}"
    return found[-1]


def image_env() -> dict[str, str]:
    env = {}
    for instr, args in instructions():
        if instr == "ENV":
            for item in shlex.split(args):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(x, str) for x in value), "exec (JSON array) form"
    return value


def image_command() -> list[str]:
    return exec_form(one("ENTRYPOINT")) + exec_form(one("CMD"))


def healthcheck_command() -> list[str]:
    args = one("HEALTHCHECK")
    return exec_form(args[args.index("CMD") + 3 :].strip())


def test_base_image_user_port_and_healthcheck():
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", one("FROM"))
    assert one("USER") not in ("root", "0", "")
    assert one("EXPOSE") == image_env()["ORINOCO_PORT"]
    assert image_env()["ORINOCO_HOST"] == "0.0.0.0"
    assert "/readyz" in " ".join(healthcheck_command())
    assert image_command()[:2] == ["orinoco", "serve"]


def pins(path: Path) -> dict[str, str]:
    """name -> version of a hashed requirements file (requirements/*.txt)."""
    text = path.read_text(encoding="utf-8")
    found = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.M))
    assert found and text.count("==") == len(found) and "--hash=sha256:" in text
    return {name.lower().replace("_", "-"): v for name, v in found.items()}


def requirement_names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r)[0].lower().replace("_", "-") for r in requirements} - {"orinoco"}


def test_the_image_and_ci_install_from_one_lock():
    server, ci = pins(REPO / "requirements" / "server.txt"), pins(REPO / "requirements" / "ci.txt")
    assert {name: ci.get(name) for name in server} == server  # the image runs what CI tested
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert requirement_names(project["dependencies"]) <= set(server)
    extras = [r for name, reqs in project["optional-dependencies"].items() for r in reqs]
    assert requirement_names(extras) <= set(ci)
    runs = " ".join(args for instr, args in instructions() if instr == "RUN")
    assert "--require-hashes --requirement requirements/server.txt" in runs and "--no-deps ." in runs
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "--require-hashes --requirement requirements/ci.txt" in script and "--no-deps -e ." in script


def test_dockerignore_keeps_the_context_small():
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "tests"} <= set(ignored)


def test_the_image_command_serves_and_its_healthcheck_passes(start_server, tmp_path):
    env = {
        key: value.replace("/app", str(REPO), 1) if value.startswith("/app") else value
        for key, value in image_env().items()
    }
    env.update(
        {
            "ORINOCO_CACHE_DIR": str(tmp_path / "cache"),
            "ORINOCO_WORKERS": "1",
            "ORINOCO_LISTS": f"custom={WATCHLIST}",
        }
    )
    server = start_server(command=image_command(), env=env)
    assert server.get("/v1/lists").json()["lists"][0]["id"] == "custom"
    check = healthcheck_command()
    if check[0] == "python":
        check[0] = sys.executable
    port = server.url.rsplit(":", 1)[1]
    ok = subprocess.run(check, env={"ORINOCO_PORT": port}, capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    assert server.stop() == 0  # `docker stop` sends SIGTERM: a clean, graceful exit
    down = subprocess.run(check, env={"ORINOCO_PORT": port}, capture_output=True, timeout=30)
    assert down.returncode != 0


@pytest.mark.parametrize("variable", ["ORINOCO_HOST", "ORINOCO_PORT", "ORINOCO_CACHE_DIR"])
def test_the_image_sets_the_variables_the_service_reads(variable):
    assert variable in image_env()


def test_the_list_registry_ships_inside_the_package():
    """The image copies only service/: the registry must be package data, found without ORINOCO_SOURCES."""
    import service.lists
    from service.lists.registry import DEFAULT_REGISTRY, load_registry

    assert DEFAULT_REGISTRY.parent == Path(service.lists.__file__).parent
    assert "lists/sources.toml" in " ".join(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["service"]
    )
    assert {s.id for s in load_registry(DEFAULT_REGISTRY)} >= {"ofac_sdn", "un_sc"}
