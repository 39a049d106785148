"""The OpenAPI document, with Vigil's one error shape declared for every error status.

FastAPI documents its own validation-error body; Vigil answers every error, 422 included, as
``{"error": {"code", "message", "field"?}}`` (``web/errors.py``), so the document says that, and
schema-based fuzzing can hold the API to it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}
ERROR_STATUSES = {
    "401": "Not signed in",
    "403": "Not allowed (role, CSRF or consent)",
    "404": "Not found",
    "409": "Conflict",
    "413": "Too large",
    "422": "Invalid input; `field` names the culprit",
    "429": "Rate limited",
}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ERROR_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses[status] = {"description": description, **ref}
        app.openapi_schema = spec
        return spec

    app.openapi = build  # type: ignore[method-assign]
