"""Request validation speed: the pydantic models (service/api/validation.py) against the hand-written
validator they replaced, loaded from git history, in one run on the same bodies.

    python bench/bench_validation.py [--rev 23be0d5] [--repeat 30]

Prints milliseconds per request body (the median of ``--repeat`` runs, each alternating the two)
and the ratio old / new: above 1, the models are faster. JSON parsing is the same for both and
left out; only turning a parsed body into engine queries is timed.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from service.api import validation

REPO = Path(__file__).resolve().parents[1]
LISTS = ["ofac_sdn", "un_sc"]


def old_validator(rev: str):
    """The hand-written validator as it was at ``rev`` (it read its limits from ApiConfig)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:service/api/validation.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_validation.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_validation", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    config = SimpleNamespace(max_name_length=512, max_queries=1000, default_limit=10, max_limit=100)
    return lambda body: module.screen_request(body, config, LISTS)


def bodies() -> dict[str, dict]:
    full = [
        {
            "name": f"Tareck Zaidan El Aissami Maddah {i}",
            "schema": "Person",
            "birth_date": "1974-11-12",
            "country": "VE",
            "id": i,
            "identifiers": [{"type": "passport", "number": f"C{i:07d}", "country": "VE"}],
        }
        for i in range(1000)
    ]
    return {
        "1 name": {"name": "Hassan Rouhani"},
        "1000 names (names)": {"names": [f"Person Number {i}" for i in range(1000)], "threshold": 0.8},
        "1000 queries, every field": {"queries": full, "threshold": 0.8, "limit": 20, "lists": LISTS},
    }


def per_call(fn, body: dict, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn(body)
    return (time.perf_counter() - started) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="23be0d5", help="a commit with the hand-written validator")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    old = old_validator(args.rev)

    def new(body):
        return validation.screen_request(body, LISTS)

    print(f"{'body':28} {'hand ms':>9} {'pydantic ms':>12} {'ratio':>6}")
    for label, body in bodies().items():
        assert [q.name for q in old(body).queries] == [q.name for q in new(body).queries]  # same answer
        n = 2000 if len(body) < 2 and "name" in body else 5
        a, b = [], []
        for _ in range(args.repeat):  # alternating: the shared machine's noise falls on both
            a.append(per_call(old, body, n))
            b.append(per_call(new, body, n))
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"{label:28} {ma:9.3f} {mb:12.3f} {ma / mb:6.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
