"""The one mapping from ``vigil.errors`` to HTTP responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from vigil.errors import AuthenticationRequired, VigilError, storage_full_cause

log = logging.getLogger("vigil.web")


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith("/api/") and path != "/healthz"


def _json(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    error: dict[str, str] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status)


def _html(request: Request, status: int, message: str) -> Response:
    from vigil.web.templating import render

    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def vigil_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VigilError)
    if exc.http_status >= 500:
        log.error("server error", extra={"event": exc.code})
    if _wants_html(request):
        if isinstance(exc, AuthenticationRequired) and request.url.path.startswith("/console"):
            return RedirectResponse("/console/login", status_code=303)
        return _html(request, exc.http_status, exc.message)
    return _json(exc.http_status, exc.code, exc.message, exc.field)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form")]
    field = ".".join(loc) or None
    # Never echo the submitted value back: it may be a survivor's words.
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    if _wants_html(request):
        return _html(request, 422, message)
    return _json(422, "invalid_input", message, field)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _wants_html(request):
        return _html(request, exc.status_code, str(exc.detail))
    return _json(exc.status_code, "http_error", str(exc.detail))


async def unexpected_error(request: Request, exc: Exception) -> Response:
    if storage_full_cause(exc):
        log.error("storage full", extra={"event": "storage_full"})
        return _json(
            507,
            "storage_full",
            "the server's storage is full; nothing was stored, please try again later",
        )
    log.exception("unexpected error", extra={"event": "unhandled"})
    return _json(500, "internal_error", "something went wrong; nothing was changed")


class Redirect(Exception):
    """Raised by console dependencies to send the browser elsewhere (e.g. to the MFA page)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


async def redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.url, status_code=303)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Redirect, redirect)
    app.add_exception_handler(VigilError, vigil_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
