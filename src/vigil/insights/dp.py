"""Differential privacy for partner analysts: noisy histograms from OpenDP.

A histogram of cases (each case in exactly one cell) changes by 1 in one cell when one case is
added or removed: L1 and L2 sensitivity 1. OpenDP's Laplace mechanism (discrete, on integers)
then costs ``epsilon = 1 / scale``; its Gaussian mechanism costs ``rho = 1 / (2 scale²)``
(zero-concentrated DP), converted to ``(epsilon, delta)`` for the ledger. OpenDP samples from
the operating system's secure random source and cannot be seeded, by design.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import opendp.prelude as dp

from vigil.errors import InvalidInput
from vigil.registry import Registry

dp.enable_features("contrib")

#: Each case counts in one cell of a histogram.
HISTOGRAM_SENSITIVITY = 1


@dataclass(frozen=True)
class Release:
    values: list[int]
    mechanism: str
    scale: float
    epsilon: float
    delta: float


class Mechanism(abc.ABC):
    """A noise mechanism: ``name``, the scale for a privacy cost, and the noisy release."""

    name: ClassVar[str]

    @abc.abstractmethod
    def measurement(self, scale: float) -> Any:
        """The OpenDP measurement over integer vectors with this noise scale."""

    @abc.abstractmethod
    def scale_for(self, epsilon: float, delta: float) -> float:
        """The noise scale that spends at most ``(epsilon, delta)`` on one histogram."""

    @abc.abstractmethod
    def cost(self, scale: float, delta: float) -> tuple[float, float]:
        """``(epsilon, delta)`` spent by one histogram released at ``scale``."""

    def release(self, counts: list[int], epsilon: float, delta: float = 0.0) -> Release:
        if epsilon <= 0:
            raise InvalidInput("epsilon must be positive", field="epsilon")
        scale = self.scale_for(epsilon, delta)
        noisy = self.measurement(scale)([int(c) for c in counts])
        spent_epsilon, spent_delta = self.cost(scale, delta)
        # Post-processing (free): a count below zero means nothing.
        return Release(
            [max(0, int(v)) for v in noisy], self.name, scale, spent_epsilon, spent_delta
        )

    def sample_noise(self, scale: float, n: int) -> list[int]:
        """``n`` draws of the noise alone (for checking the declared scale)."""
        return [int(v) for v in self.measurement(scale)([0] * n)]


class LaplaceMechanism(Mechanism):
    name = "laplace"

    def measurement(self, scale: float) -> Any:
        return dp.m.make_laplace(
            dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
        )

    def scale_for(self, epsilon: float, delta: float) -> float:
        return HISTOGRAM_SENSITIVITY / epsilon

    def cost(self, scale: float, delta: float) -> tuple[float, float]:
        return float(self.measurement(scale).map(HISTOGRAM_SENSITIVITY)), 0.0


class GaussianMechanism(Mechanism):
    name = "gaussian"

    def measurement(self, scale: float) -> Any:
        return dp.m.make_gaussian(
            dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int), scale=scale
        )

    def _approx(self, scale: float, delta: float) -> float:
        meas = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(self.measurement(scale)), delta)
        return float(meas.map(HISTOGRAM_SENSITIVITY)[0])  # type: ignore[no-untyped-call]

    def scale_for(self, epsilon: float, delta: float) -> float:
        if not 0 < delta < 1:
            raise InvalidInput("the Gaussian mechanism needs 0 < delta < 1", field="delta")
        # The classic bound as a start, then bisect on OpenDP's own accounting.
        high = HISTOGRAM_SENSITIVITY * math.sqrt(2 * math.log(1.25 / delta)) / epsilon * 2
        low = high / 1000
        for _ in range(60):
            mid = (low + high) / 2
            if self._approx(mid, delta) > epsilon:
                low = mid
            else:
                high = mid
        return high

    def cost(self, scale: float, delta: float) -> tuple[float, float]:
        return self._approx(scale, delta), delta


BUILTIN_MECHANISMS: tuple[type[Mechanism], ...] = (LaplaceMechanism, GaussianMechanism)


def mechanism_registry() -> Registry[type[Mechanism]]:
    return Registry(Mechanism, BUILTIN_MECHANISMS)
