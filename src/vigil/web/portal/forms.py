"""Shared helpers of the portal's form routes: language, multipart parsing, the portal cookie."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from vigil.cases.intake import MAX_FILES, Upload
from vigil.errors import InvalidInput
from vigil.services import Services
from vigil.web.auth import services_of
from vigil.web.i18n import catalogues

COOKIE = "vigil-portal"
SECURE_COOKIE = "__Host-vigil-portal"


def cookie_name(services: Services) -> str:
    return SECURE_COOKIE if services.settings.cookie_secure else COOKIE


def set_portal_cookie(response: Response, services: Services, token: str) -> None:
    # A browser-session cookie holding only a signed, short-lived token: no report data.
    response.set_cookie(
        cookie_name(services),
        token,
        httponly=True,
        secure=services.settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def clear_portal_cookie(response: Response, services: Services) -> None:
    response.delete_cookie(
        cookie_name(services),
        path="/",
        httponly=True,
        secure=services.settings.cookie_secure,
        samesite="strict",
    )


def portal_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(services_of(request)))


async def read_form(request: Request) -> FormData:
    limit = services_of(request).settings.max_upload_bytes
    form = await request.form(max_files=MAX_FILES, max_fields=200, max_part_size=limit)
    lang = form.get("lang")
    if isinstance(lang, str) and catalogues().supports(lang):
        request.state.language = lang
    return form


def text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def lines(form: FormData, key: str) -> list[str]:
    return [line.strip() for line in text(form, key).splitlines() if line.strip()]


def choices(form: FormData, key: str) -> list[str]:
    return [v for v in form.getlist(key) if isinstance(v, str) and v]


async def uploads(form: FormData, key: str = "evidence") -> list[Upload]:
    files = [f for f in form.getlist(key) if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_FILES:
        raise InvalidInput(f"send at most {MAX_FILES} files at a time", field="evidence")
    result = []
    for upload in files:
        data = await upload.read()
        if data:
            result.append(Upload(upload.filename, data))
    return result
