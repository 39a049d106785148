"""Typed settings, read from ``VIGIL_*`` environment variables and passed in explicitly.

Nothing reads settings at import time: ``VigilSettings()`` is built by the CLI (or a test) and
handed to ``create_app(settings)`` and to the services.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vigil.errors import ConfigurationError

DEFAULT_HOME = Path("vigil-data")


class VigilSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = "development"
    home: Path = Field(default=DEFAULT_HOME, description="Data folder: database, keys, vault.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file inside the data folder."
    )
    database_pool_size: int = 10

    # Web sessions (server-side; the cookie holds only a random id).
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    cookie_secure: bool = Field(
        default=True,
        description="Mark cookies Secure with the __Host- prefix. Browsers accept them on "
        "https:// and on http://localhost or 127.0.0.1.",
    )

    # Rate limits use the `limits` notation, e.g. "20/minute".
    login_rate_limit: str = "10/minute"
    login_user_rate_limit: str = "5/minute"
    portal_rate_limit: str = "20/minute"

    quick_exit_url: str = "https://www.google.com/search?q=weather+today"
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)

    # Survivor portal and cases (issue 4).
    portal_session_minutes: int = Field(
        default=15, ge=1, description="How long a status-check sign-in stays open when idle."
    )
    case_retention_days: int = Field(
        default=730, ge=1, description="Closed cases are purged this many days after closing."
    )
    # Takedown e-mails go out through this SMTP server, only after a person approves them.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "takedown@vigil.invalid"
    organisation_name: str = Field(
        default="Vigil support team", description="Signs takedown letters."
    )

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("login_rate_limit", "login_user_rate_limit", "portal_rate_limit")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '20/minute': {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _safe_in_production(self) -> VigilSettings:
        if self.environment == "production" and not self.cookie_secure:
            raise ValueError("cookie_secure must stay on in production")
        if self.database_url and "change-me" in self.database_url:
            raise ValueError("the database URL still contains a placeholder password")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'vigil.sqlite3'}"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def vault_dir(self) -> Path:
        return self.home / "vault"


def load_settings(**overrides: object) -> VigilSettings:
    """Build settings from the environment, turning validation errors into a clear message."""
    from pydantic import ValidationError

    try:
        return VigilSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigurationError(f"setting VIGIL_{name.upper()}: {first['msg']}") from exc
