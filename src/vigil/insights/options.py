"""Typed settings of the insights service (``VIGIL_INSIGHTS_*``), passed in, never global."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class InsightsOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_INSIGHTS_", extra="ignore", frozen=True)

    #: Cells counting 1..k-1 cases are never published (GBVIMS practice uses 5-10).
    min_cell: int = Field(default=10, ge=2)
    #: Published counts are rounded to a multiple of this (1: no rounding).
    rounding_base: int = Field(default=5, ge=1)
    #: Each partner analyst's differential-privacy budget (basic composition).
    dp_epsilon_budget: float = Field(default=1.0, gt=0)
    dp_delta_budget: float = Field(default=1e-6, ge=0, lt=1e-3)
    #: The largest epsilon a single query may spend.
    dp_max_query_epsilon: float = Field(default=0.5, gt=0)

    @model_validator(mode="after")
    def _rounding_keeps_small_cells_out(self) -> InsightsOptions:
        # Rounding never pulls a published cell (>= k) below k when k is a multiple of the base.
        if self.min_cell % self.rounding_base:
            raise ValueError("min_cell must be a multiple of rounding_base")
        return self
