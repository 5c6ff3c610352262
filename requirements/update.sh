#!/usr/bin/env bash
# Re-resolve the pinned, hashed dependency sets from pyproject.toml (run after changing a dependency):
#   ci.txt      the server, the batch extra, the test and bench extras: what .ci/run installs
#   server.txt  the server alone, pinned to the same versions as ci.txt: what the Dockerfile installs
# uv resolves (fast, and it writes hashes); pip installs from the files, checking every hash.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UV=(uv pip compile --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
    --no-header --annotation-style line)
"${UV[@]}" pyproject.toml --extra test --extra bench -o requirements/ci.txt
"${UV[@]}" pyproject.toml -c requirements/ci.txt -o requirements/server.txt
