"""``vigil serve`` and ``vigil demo``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from vigil.cli.context import handles_errors, settings_from_env

if TYPE_CHECKING:
    from vigil.settings import VigilSettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _run(settings: VigilSettings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from vigil.logs import configure_logging
    from vigil.services import Services
    from vigil.storage.migrate import is_up_to_date
    from vigil.web.app import create_app

    configure_logging(settings.log_level, json=settings.log_json)
    services = Services.from_settings(settings)
    if not is_up_to_date(services.db):
        services.close()
        typer.echo("error: the database needs `vigil db upgrade` first", err=True)
        raise typer.Exit(8)
    # uvicorn's access log prints full URLs; Vigil logs requests itself, by route template.
    if workers > 1:
        services.close()  # each worker process builds its own from the environment
        uvicorn.run(
            "vigil.web.asgi:app_factory",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            access_log=False,
            log_config=None,
            server_header=False,
        )
        return
    uvicorn.run(
        create_app(settings, services),
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        server_header=False,
    )


@handles_errors
def serve(
    host: str = typer.Option(DEFAULT_HOST, "--host", help="Address to listen on."),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes (use PostgreSQL when more than one)."
    ),
) -> None:
    """Serve the portal, the staff console and the API."""
    _run(settings_from_env(), host, port, workers)


@handles_errors
def demo(
    host: str = typer.Option(DEFAULT_HOST, "--host", help="Address to listen on."),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to listen on."),
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Start the server after."),
) -> None:
    """Set up a demo: database, synthetic data, an administrator; then serve."""
    from vigil.flows.demo_data import DEMO_ADMIN, load_demo
    from vigil.services import Services
    from vigil.storage.migrate import upgrade

    settings = settings_from_env()
    services = Services.from_settings(settings)
    try:
        upgrade(services.db)
        password = load_demo(services)
    finally:
        services.close()
    typer.echo("")
    typer.echo("Vigil demo — all data here is SYNTHETIC, made up for the demonstration.")
    typer.echo(f"  data folder:  {settings.home}")
    typer.echo(f"  console:      http://{host}:{port}/console/")
    typer.echo(f"  sign in as:   {DEMO_ADMIN}")
    typer.echo(f"  password:     {password}   (shown once; run `make demo` again for a new one)")
    typer.echo("  You will be asked to set up an authenticator app (TOTP) at first sign-in.")
    typer.echo("")
    if serve_after:
        _run(settings, host, port)
