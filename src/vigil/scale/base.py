"""The Engine interface: map a worker over batches, results in input order.

A *worker* is built once per process (a detector loads its model once, an index shard loads
once) by a ``WorkerFactory`` — a plain callable the engine can ship to other machines — and then
called on one batch at a time. Results come back in the order the batches went in, so a
distributed run writes exactly what a local run writes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

#: Builds the per-process worker: ``factory() -> worker``; ``worker(batch) -> result``.
WorkerFactory = Callable[[], Callable[[Any], Any]]


class Engine(abc.ABC):
    """Runs ``worker(batch)`` for every batch, somewhere."""

    name: str

    @abc.abstractmethod
    def map_batches(self, factory: WorkerFactory, batches: Iterable[Any]) -> Iterator[Any]:
        """Yield ``worker(batch)`` for each batch, in input order."""

    @abc.abstractmethod
    def broadcast(
        self, factories: Sequence[WorkerFactory], batches: Iterable[Any]
    ) -> Iterator[list[Any]]:
        """Send every batch to one worker per factory (e.g. one per index shard).

        Yields, per batch in input order, the list of the workers' results in factory order;
        the caller merges them (e.g. the matches found in every shard).
        """

    @property
    @abc.abstractmethod
    def workers(self) -> int:
        """How many batches run at once."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release processes or cluster connections."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
