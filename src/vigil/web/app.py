"""``create_app(settings)``: the one web application (API, portal, console)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from vigil import __version__
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.web.api import audit as api_audit
from vigil.web.api import auth as api_auth
from vigil.web.api import cases as api_cases
from vigil.web.api import evidence as api_evidence
from vigil.web.api import insights as api_insights
from vigil.web.api import linking as api_linking
from vigil.web.api import media as api_media
from vigil.web.api import monitoring as api_monitoring
from vigil.web.api import referral_services as api_referral_services
from vigil.web.api import reports as api_reports
from vigil.web.api import users as api_users
from vigil.web.console import audit as console_audit
from vigil.web.console import cases as console_cases
from vigil.web.console import evidence as console_evidence
from vigil.web.console import home as console_home
from vigil.web.console import insights as console_insights
from vigil.web.console import linking as console_linking
from vigil.web.console import media as console_media
from vigil.web.console import monitoring as console_monitoring
from vigil.web.console import signin as console_signin
from vigil.web.console import users as console_users
from vigil.web.errors import install_error_handlers
from vigil.web.middleware import BodyLimit, RequestLog, SecurityHeaders
from vigil.web.openapi import install_openapi
from vigil.web.portal import home as portal_home
from vigil.web.portal import image_hashes as portal_image_hashes
from vigil.web.portal import report as portal_report
from vigil.web.portal import resources as portal_resources
from vigil.web.portal import survivor as portal_survivor
from vigil.web.templating import make_templates

STATIC_DIR = Path(__file__).parent / "static"
#: Multipart framing and form fields on top of the largest allowed file.
BODY_OVERHEAD_BYTES = 1024 * 1024


def _api_router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    for module in (
        api_auth,
        api_users,
        api_audit,
        api_cases,
        api_linking,
        api_evidence,
        api_reports,
        api_referral_services,
        api_monitoring,
        api_media,
        api_insights,
    ):
        api.include_router(module.router)
    return api


def _console_router() -> APIRouter:
    console = APIRouter(prefix="/console", include_in_schema=False)
    for module in (
        console_signin,
        console_home,
        console_users,
        console_audit,
        console_linking,
        console_evidence,
        console_cases,
        console_monitoring,
        console_insights,
        console_media,
    ):
        console.include_router(module.router)
    return console


def create_app(settings: VigilSettings, services: Services | None = None) -> FastAPI:
    services = services or Services.from_settings(settings)
    app = FastAPI(
        title="Vigil",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the Swagger page loads scripts from a CDN; the spec is enough
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.services = services
    templates = make_templates()
    templates.env.globals["quick_exit_url"] = settings.quick_exit_url
    app.state.templates = templates

    install_error_handlers(app)
    install_openapi(app)
    app.include_router(_api_router())
    app.include_router(_console_router())
    app.include_router(portal_home.router)
    for portal in (portal_report, portal_survivor, portal_image_hashes, portal_resources):
        app.include_router(portal.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # Outermost last: the body limit runs first, the headers wrap every response.
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + BODY_OVERHEAD_BYTES)
    app.add_middleware(RequestLog)
    app.add_middleware(SecurityHeaders)
    return app
