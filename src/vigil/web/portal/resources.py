"""Helplines per country, keeping evidence safely, and reporting on each platform."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.errors import NotFound
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
RESOURCES_FILE = Path(__file__).parent / "resources.json"


@lru_cache(maxsize=1)
def _resources() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RESOURCES_FILE.read_text(encoding="utf-8"))
    return data


def _page(request: Request, country: str | None) -> Response:
    data = _resources()
    return render(
        request,
        "portal/resources.html",
        {
            "countries": data["countries"],
            "country": country,
            "platform_links": data["platforms"],
        },
    )


@router.get("/resources")
def resources(request: Request) -> Response:
    return _page(request, None)


@router.get("/resources/{country}")
def country_resources(country: str, request: Request) -> Response:
    code = country.upper()
    if code not in _resources()["countries"]:
        raise NotFound("no resources for that country yet")
    return _page(request, code)
