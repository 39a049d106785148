"""The one exception hierarchy of Vigil.

Every error a user can cause or meet is a ``VigilError``. Each class carries the HTTP status
and CLI exit code it maps to, so the web app and the CLI translate errors in exactly one place.
Messages name what was wrong and never contain personal data.
"""

from __future__ import annotations


class VigilError(Exception):
    """Base of every error Vigil raises on purpose."""

    http_status = 500
    exit_code = 1
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(VigilError):
    """The input is malformed or breaks a rule; ``field`` names the culprit when known."""

    http_status = 422
    exit_code = 2
    code = "invalid_input"


class NotFound(VigilError):
    http_status = 404
    exit_code = 3
    code = "not_found"


class Conflict(VigilError):
    """The request clashes with existing state (a duplicate name, a stale version)."""

    http_status = 409
    exit_code = 4
    code = "conflict"


class AuthenticationRequired(VigilError):
    """No valid credentials or session were presented."""

    http_status = 401
    exit_code = 5
    code = "authentication_required"


class PermissionDenied(VigilError):
    """The actor is known but their role does not allow the action."""

    http_status = 403
    exit_code = 6
    code = "permission_denied"


class ConsentRequired(PermissionDenied):
    """The survivor has not consented to this use of her data."""

    code = "consent_required"


class RateLimited(VigilError):
    http_status = 429
    exit_code = 7
    code = "rate_limited"


class PayloadTooLarge(InvalidInput):
    http_status = 413
    code = "payload_too_large"


class ConfigurationError(VigilError):
    """Settings or files on disk are unusable; the operator must act."""

    exit_code = 8
    code = "configuration_error"


class IntegrityError(VigilError):
    """Stored data failed a check (hash mismatch, broken chain, bad signature)."""

    http_status = 500
    exit_code = 9
    code = "integrity_error"


class StorageFull(VigilError):
    """The disk holding the data folder is full: nothing was stored, the caller may retry."""

    http_status = 507
    exit_code = 10
    code = "storage_full"


def storage_full_cause(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the disk running out of space."""
    import errno

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if "database or disk is full" in str(seen) or "No space left" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
