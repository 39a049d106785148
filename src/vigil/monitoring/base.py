"""The monitoring extension point: a ``Source`` of posts, resumable and idempotent.

A source reads from where its checkpoint says and yields posts (or per-item errors) in order.
After each item it keeps its position, so ``checkpoint()`` returned after a batch has been
consumed is exactly where the next run must start: the pipeline stores it in the same
transaction as the batch's posts, and a crash never loses or repeats a committed post. Posts
are unique by (platform, post id), so reading the same item twice stores it once.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from vigil.errors import InvalidInput
from vigil.monitoring.models import Post

Checkpoint = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fetched:
    """One item read: a post, or the reason the item at ``item`` could not become one."""

    post: Post | None = None
    error: str | None = None
    item: str = ""


class Source(abc.ABC):
    """Reads posts from one place. Subclasses set ``name`` and the config keys they need."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    #: Options that must be positive numbers (they arrive as strings from the command line).
    numeric: ClassVar[tuple[str, ...]] = ()
    #: Posts arrive by push (webhook), not by ``fetch``.
    passive: ClassVar[bool] = False

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = self.validate_config(config)
        self._checkpoint: Checkpoint = {}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        missing = [key for key in cls.required if not config.get(key)]
        if missing:
            raise InvalidInput(f"source {cls.name!r} needs {', '.join(missing)}", field=missing[0])
        for key in cls.numeric:
            if config.get(key) not in (None, ""):
                try:
                    if float(config[key]) <= 0:
                        raise ValueError
                except (TypeError, ValueError):
                    raise InvalidInput(
                        f"option {key} must be a positive number", field=key
                    ) from None
        known = set(cls.required) | set(cls.optional) | {"platform"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise InvalidInput(
                f"source {cls.name!r} has no option {unknown[0]!r}", field=unknown[0]
            )
        return dict(config)

    def start(self, checkpoint: Mapping[str, Any] | None) -> None:
        self._checkpoint = dict(checkpoint or {})

    def checkpoint(self) -> Checkpoint:
        """Where the next read starts: just after the last item yielded."""
        return dict(self._checkpoint)

    @abc.abstractmethod
    def fetch(self) -> Iterator[Fetched]:
        """Yield what is new since the checkpoint given to ``start``, oldest first."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release connections or files."""
