"""Every engine gives the same results, in input order; Ray is a real local cluster."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from vigil.errors import InvalidInput, NotFound
from vigil.scale import ENGINES, Engine, make_engine


def square_worker_factory() -> Callable[[list[int]], list[tuple[int, int]]]:
    """Module-level so Ray can ship it; reports the worker's pid to show real parallelism."""
    pid = os.getpid()

    def work(batch: list[int]) -> list[tuple[int, int]]:
        return [(x * x, pid) for x in batch]

    return work


def failing_worker_factory() -> Callable[[list[int]], list[int]]:
    def work(batch: list[int]) -> list[int]:
        if 13 in batch:
            raise ValueError("unlucky batch")
        return batch

    return work


def shard_factory(offset: int) -> Callable[[list[int]], list[int]]:
    def work(batch: list[int]) -> list[int]:
        return [x + offset for x in batch]

    return work


BATCHES = [list(range(i, i + 5)) for i in range(0, 100, 5)]


@pytest.fixture(scope="module", params=["local", pytest.param("ray", marks=pytest.mark.slow)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    with (
        make_engine(request.param, workers=2)
        if request.param == "ray"
        else make_engine("local") as instance
    ):
        yield instance


class TestEngineConformance:
    def test_results_come_back_in_input_order(self, engine: Engine) -> None:
        results = list(engine.map_batches(square_worker_factory, BATCHES))
        flat = [value for batch in results for value, _ in batch]
        assert flat == [x * x for x in range(100)]

    def test_empty_input(self, engine: Engine) -> None:
        assert list(engine.map_batches(square_worker_factory, [])) == []

    def test_worker_errors_reach_the_caller(self, engine: Engine) -> None:
        with pytest.raises(Exception, match="unlucky batch"):
            list(engine.map_batches(failing_worker_factory, BATCHES))

    def test_broadcast_reaches_every_shard_in_order(self, engine: Engine) -> None:
        shards = [functools.partial(shard_factory, offset) for offset in (0, 1000, 2000)]
        results = list(engine.broadcast(shards, [[1, 2], [3]]))
        assert results == [[[1, 2], [1001, 1002], [2001, 2002]], [[3], [1003], [2003]]]

    def test_declares_its_parallelism(self, engine: Engine) -> None:
        assert engine.workers >= 1
        assert engine.name in ENGINES


@pytest.mark.slow
def test_ray_spreads_batches_over_two_worker_processes() -> None:
    with make_engine("ray", workers=2) as engine:
        results = list(engine.map_batches(square_worker_factory, BATCHES))
    pids = {pid for batch in results for _, pid in batch}
    assert engine.workers == 2
    assert len(pids) == 2 and os.getpid() not in pids


def test_unknown_engine_and_misplaced_address() -> None:
    with pytest.raises(NotFound, match="known: local, ray"):
        make_engine("spark")
    with pytest.raises(InvalidInput):
        make_engine("local", address="ray://head:10001")


def test_engine_registry_rejects_duplicate_names() -> None:
    from vigil.errors import ConfigurationError
    from vigil.registry import Registry

    class Other(Engine):
        name = "local"

        @property
        def workers(self) -> int:
            return 1

        def map_batches(self, factory: Any, batches: Any) -> Iterator[Any]:
            return iter(())

        def broadcast(self, factories: Any, batches: Any) -> Iterator[list[Any]]:
            return iter(())

    registry: Registry[type[Engine]] = Registry(Engine, ENGINES)
    with pytest.raises(ConfigurationError, match="both named 'local'"):
        registry.register(Other)
