"""Orinoco: sanctions screening and entity resolution."""

__version__ = "0.1.0"
