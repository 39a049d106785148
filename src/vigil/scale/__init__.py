"""Distributed execution: the same batch work on this process or on a Ray cluster."""

from vigil.scale.base import Engine, WorkerFactory
from vigil.scale.registry import ENGINES, make_engine

__all__ = ["ENGINES", "Engine", "WorkerFactory", "make_engine"]
