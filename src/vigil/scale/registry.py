"""The engines Vigil knows, by name (``--engine local|ray``)."""

from __future__ import annotations

from vigil.registry import Registry
from vigil.scale.base import Engine
from vigil.scale.local import LocalEngine
from vigil.scale.ray_engine import RayEngine

ENGINES: Registry[type[Engine]] = Registry(Engine, (LocalEngine, RayEngine))


def make_engine(name: str, *, address: str | None = None, workers: int | None = None) -> Engine:
    engine_class = ENGINES.get(name)
    if engine_class is RayEngine:
        return RayEngine(address=address, num_workers=workers)
    if address:
        from vigil.errors import InvalidInput

        raise InvalidInput("--address only applies to --engine ray", field="address")
    return engine_class()
