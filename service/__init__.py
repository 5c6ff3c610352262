"""Orinoco: sanctions screening and entity resolution."""

from importlib.metadata import PackageNotFoundError, version

try:  # one version, from the package metadata (pyproject.toml): the API, OpenAPI and /healthz say it
    __version__ = version("orinoco")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
