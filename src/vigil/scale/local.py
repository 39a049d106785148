"""The local engine: this process, one batch at a time (the laptop default)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from vigil.scale.base import Engine, WorkerFactory


class LocalEngine(Engine):
    name = "local"

    @property
    def workers(self) -> int:
        return 1

    def map_batches(self, factory: WorkerFactory, batches: Iterable[Any]) -> Iterator[Any]:
        worker = factory()
        for batch in batches:
            yield worker(batch)

    def broadcast(
        self, factories: Sequence[WorkerFactory], batches: Iterable[Any]
    ) -> Iterator[list[Any]]:
        workers = [factory() for factory in factories]
        for batch in batches:
            yield [worker(batch) for worker in workers]
