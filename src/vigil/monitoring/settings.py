"""Monitoring settings (``VIGIL_MONITOR_*``), typed and passed in like ``VigilSettings``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MonitorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_MONITOR_", extra="ignore", frozen=True)

    tier: str = Field(default="fast", description="Detection tier used by runs: fast or accurate.")
    batch_size: int = Field(default=2000, ge=1, le=50_000)
    poll_seconds: float = Field(default=60.0, gt=0, description="Pause between continuous runs.")
    neardup_capacity: int = Field(
        default=100_000,
        ge=1000,
        description="Distinct recent texts kept for near-duplicates (about 2.5 KiB each).",
    )

    # Review queue
    review_daily_cap: int = Field(
        default=150, ge=1, description="Posts one reviewer may see per UTC day (exposure cap)."
    )
    double_review_rate: float = Field(default=0.1, ge=0.0, le=1.0)
    watched_weight: float = Field(default=2.0, ge=1.0)

    # Pile-ons: abuse aimed at one person in a window, against her own recent baseline.
    pile_on_window_minutes: int = Field(default=60, ge=1)
    pile_on_baseline_windows: int = Field(default=24, ge=2)
    pile_on_factor: float = Field(default=3.0, gt=1.0)
    pile_on_min_posts: int = Field(default=10, ge=1)

    # Coordination: many accounts, near-identical text or the same media, within minutes.
    coordination_window_minutes: int = Field(default=10, ge=1)
    coordination_min_accounts: int = Field(default=5, ge=2)
    coordination_min_score: float = Field(default=6.0, gt=0)
    new_account_days: int = Field(default=30, ge=1)

    # Where alerts go besides the console.
    alert_webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    alert_email_from: str = "vigil@localhost"
    alert_email_to: str | None = None
    console_url: str = Field(default="", description="Base URL of the console, for alert links.")
