"""Vigil: an open platform against technology-facilitated gender-based violence."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vigil")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata costs ~35 ms, a third of what a small
    # `vigil scan` spends before its first post.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'vigil' has no attribute {name!r}")
