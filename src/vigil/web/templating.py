"""Jinja2 templates shared by the portal and the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from vigil import __version__

TEMPLATES_DIR = Path(__file__).parent / "templates"
RTL_LANGUAGES = frozenset({"ar", "dv"})


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["vigil_version"] = __version__
    # Translation hook: the portal issue installs gettext catalogues here; identity until then.
    templates.env.globals.setdefault("_", lambda text, **kw: text % kw if kw else text)
    return templates


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    lang = getattr(request.state, "language", "en")
    data = {"lang": lang, "dir": "rtl" if lang in RTL_LANGUAGES else "ltr", **(context or {})}
    ctx = data.get("ctx")
    if ctx is not None and "can" not in data:
        # Console pages show only what the signed-in role may do (services still enforce it).
        from vigil.security.permissions import Action

        allows = request.app.state.services.authorizer.allows
        data["can"] = lambda action: allows(ctx.actor, Action(action))
    return templates.TemplateResponse(request, name, data, status_code=status_code)
