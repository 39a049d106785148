"""Rate limits (moving window, from the `limits` library) keyed by opaque hashes."""

from __future__ import annotations

import hashlib

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from vigil.errors import RateLimited


class RateLimiter:
    """In-process limiter; each worker process keeps its own windows."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, rate: str, namespace: str, key: str) -> None:
        # Keys are hashed so the limiter's memory holds no IP address or username.
        digest = hashlib.sha256(f"{namespace}\0{key}".encode()).hexdigest()[:32]
        for item in parse_many(rate):
            if not self._limiter.hit(item, namespace, digest):
                raise RateLimited("too many attempts; wait a minute and try again")

    def reset(self) -> None:
        self._limiter.storage.reset()
