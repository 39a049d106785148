"""Vigil: an open platform against technology-facilitated gender-based violence."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vigil")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
