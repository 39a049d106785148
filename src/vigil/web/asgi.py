"""ASGI entry point for process managers and ``vigil serve --workers N``.

``uvicorn --factory vigil.web.asgi:app_factory`` builds the app from ``VIGIL_*`` variables in
each worker process, so several workers share one PostgreSQL database.
"""

from __future__ import annotations

from fastapi import FastAPI

from vigil.logs import configure_logging
from vigil.settings import load_settings
from vigil.web.app import create_app


def app_factory() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    return create_app(settings)
