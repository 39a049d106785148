"""Jinja2 templates shared by the portal and the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from vigil import __version__
from vigil.web.highlight import highlight
from vigil.web.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, catalogues, direction
from vigil.web.i18n import RTL_LANGUAGES as _RTL

TEMPLATES_DIR = Path(__file__).parent / "templates"
RTL_LANGUAGES = _RTL


def request_language(request: Request) -> str:
    """The language set by the route (signed-in staff, a form field), else ``?lang=``, else
    the browser's Accept-Language."""
    lang = getattr(request.state, "language", None)
    if isinstance(lang, str) and catalogues().supports(lang):
        return lang
    asked = request.query_params.get("lang", "")
    if catalogues().supports(asked):
        return asked
    return catalogues().negotiate(request.headers.get("accept-language"))


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["vigil_version"] = __version__
    # Translations: English here; ``render`` puts the request's language in each context.
    templates.env.globals["_"] = catalogues().translator(DEFAULT_LANGUAGE)
    templates.env.globals["language_names"] = LANGUAGE_NAMES
    templates.env.globals["highlight"] = highlight
    return templates


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    lang = request_language(request)
    data = {
        "lang": lang,
        "dir": direction(lang),
        "_": catalogues().translator(lang),
        **(context or {}),
    }
    ctx = data.get("ctx")
    if ctx is not None and "can" not in data:
        # Console pages show only what the signed-in role may do (services still enforce it).
        from vigil.security.permissions import Action

        allows = request.app.state.services.authorizer.allows
        data["can"] = lambda action: allows(ctx.actor, Action(action))
    if ctx is not None and "inbox_unread" not in data:
        # Asked by the navigation only when it is drawn (one count of the person's own notices).
        notifications = request.app.state.services.notifications
        data["inbox_unread"] = lambda: notifications.unread_count(ctx.actor)
    return templates.TemplateResponse(request, name, data, status_code=status_code)
