"""Schemathesis fuzzes the live gunicorn from its own /openapi.json: no 500, every answer as documented.

The ``st`` command line runs all its phases (examples, coverage, fuzzing, stateful) with a
bounded number of examples per operation and a fixed seed. Each response must match the
documented status codes, content types, headers and schema, and every 4xx must be a
problem+json document (``schemathesis_hooks``). ``positive_data_acceptance`` is left out on
purpose: a request can satisfy the schema and still be refused for reasons a schema cannot
state (an unknown list id, the date 1500-31-44), and those 400s are the designed answer.
(Schemathesis's pytest plugin does not run under pytest 9, hence the command line.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_LISTS

ST = Path(sys.executable).with_name("st")
TESTS = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def fuzzed_server(start_server):
    """Two workers on the small fixture list: the fuzzer's 1,000-name batches stay fast."""
    return start_server("--list", f"custom={FIXTURE_LISTS / 'custom' / 'watchlist.csv'}", workers=2)


def test_every_operation_answers_as_documented(fuzzed_server, tmp_path):
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
    }
    command = [
        str(ST),
        "--config-file",
        str(TESTS / "schemathesis.toml"),  # a text over its maxLength is a 413, by design
        "run",
        fuzzed_server.url + "/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        "40",
        "--seed",
        "20261129",
        "--workers",
        "2",
        "--request-timeout",
        "60",
        "--no-color",
    ]
    run = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-8000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated and int(generated[1]) >= 100 and generated[1] == generated[2], output[-3000:]
