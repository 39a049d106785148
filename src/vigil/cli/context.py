"""What every CLI command shares: settings from the environment, services, error exits."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

from vigil.errors import VigilError

if TYPE_CHECKING:
    from vigil.services import Services
    from vigil.settings import VigilSettings
    from vigil.storage.database import Database

P = ParamSpec("P")
R = TypeVar("R")


def settings_from_env() -> VigilSettings:
    # Imported here, as every heavy import of the CLI: `--help` and `--version` need none.
    from vigil.settings import load_settings

    return load_settings()


@contextmanager
def open_services(settings: VigilSettings | None = None) -> Iterator[Services]:
    # Imported here: building every service pulls in heavy libraries that `--help` and
    # `--version` should not wait for.
    from vigil.services import Services

    services = Services.from_settings(settings or settings_from_env())
    try:
        yield services
    finally:
        services.close()


@contextmanager
def open_database(settings: VigilSettings | None = None) -> Iterator[Database]:
    """The database alone, for commands that need no service (``vigil db upgrade``): building
    every service imports every engine, seconds before a migration that takes a fraction."""
    from vigil.security.keys import load_field_cipher
    from vigil.storage.database import Database

    settings = settings or settings_from_env()
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = Database(
        settings.resolved_database_url,
        load_field_cipher(settings.keys_dir),
        pool_size=settings.database_pool_size,
    )
    try:
        yield db
    finally:
        db.dispose()


def fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn ``VigilError`` into a one-line message and the error's exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except VigilError as exc:
            where = f" ({exc.field})" if exc.field else ""
            typer.echo(f"error: {exc.message}{where}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
