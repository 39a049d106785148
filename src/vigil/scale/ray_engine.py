"""The Ray engine: a pool of Ray actors, each building its worker once.

Without an address it starts a local Ray on this machine's cores; with one it joins an
existing cluster (``ray start --head`` on one machine, ``ray start --address`` on the others).
Batches are kept in flight on every actor (``INFLIGHT_PER_WORKER``) so no core waits for the
driver, and results are re-ordered to input order before they are yielded.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from vigil.errors import ConfigurationError
from vigil.scale.base import Engine, WorkerFactory

#: Two batches queued per actor: one running, one ready, hiding the round trip.
INFLIGHT_PER_WORKER = 2


class _Runner:
    """A Ray actor holding one worker for its whole life."""

    def __init__(self, factory: WorkerFactory) -> None:
        # One thread per actor: the work is parallel across actors, not inside one (NumPy's
        # BLAS would otherwise start a thread per core in every actor and oversubscribe).
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        threadpool_limits(1)
        self.worker = factory()

    def run(self, batch: Any) -> Any:
        return self.worker(batch)


class RayEngine(Engine):
    name = "ray"

    def __init__(self, address: str | None = None, num_workers: int | None = None) -> None:
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - ray is a declared dependency
            raise ConfigurationError("the Ray engine needs the `ray` package") from exc
        self._ray = ray
        self._started_here = not ray.is_initialized()
        if self._started_here:
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if address:
                options["address"] = address
            else:
                options["num_cpus"] = num_workers or os.cpu_count() or 1
            ray.init(**options)
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self._workers = max(1, min(num_workers or cpus, cpus))
        self._pool: list[Any] = []
        self._pool_key: tuple[Any, ...] | None = None

    @property
    def workers(self) -> int:
        return self._workers

    def _actors(self, group: tuple[Any, ...], make: Any) -> list[Any]:
        """Start the actors for one call; they are released when the call ends."""
        self._release()
        self._pool = make()
        self._pool_key = group
        return self._pool

    def _release(self) -> None:
        for actor in self._pool:
            self._ray.kill(actor)
        self._pool, self._pool_key = [], None

    def map_batches(self, factory: WorkerFactory, batches: Iterable[Any]) -> Iterator[Any]:
        ray = self._ray
        runner = ray.remote(num_cpus=1)(_Runner)
        actors = self._actors(
            ("map", factory), lambda: [runner.remote(factory) for _ in range(self._workers)]
        )
        pending: deque[Any] = deque()
        limit = self._workers * INFLIGHT_PER_WORKER
        try:
            for index, batch in enumerate(batches):
                pending.append(actors[index % len(actors)].run.remote(batch))
                if len(pending) >= limit:
                    yield ray.get(pending.popleft())
            while pending:
                yield ray.get(pending.popleft())
        finally:
            # Idle actors would hold their CPUs from any other engine in this cluster.
            self._release()

    def broadcast(
        self, factories: Sequence[WorkerFactory], batches: Iterable[Any]
    ) -> Iterator[list[Any]]:
        ray = self._ray
        # One actor per shard, all alive at once: more shards than cores share the cores
        # (fractional CPUs), or the surplus actors would wait forever for a free one.
        share = min(1.0, self._workers / max(1, len(factories)))
        runner = ray.remote(num_cpus=share)(_Runner)
        actors = self._actors(
            ("broadcast", *factories), lambda: [runner.remote(f) for f in factories]
        )
        pending: deque[list[Any]] = deque()
        try:
            for batch in batches:
                shared = ray.put(batch)  # one copy in the object store, read by every shard
                pending.append([actor.run.remote(shared) for actor in actors])
                if len(pending) >= INFLIGHT_PER_WORKER:
                    yield ray.get(pending.popleft())
            while pending:
                yield ray.get(pending.popleft())
        finally:
            self._release()

    def close(self) -> None:
        self._release()
        if self._started_here and self._ray.is_initialized():
            self._ray.shutdown()
