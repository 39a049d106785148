"""What every part of the cases service shares: database, audit log, authoriser, options."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.references import normalise_reference
from vigil.errors import NotFound
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.storage.database import Database
from vigil.storage.tables.cases import Case

PORTAL_KEY_FILE = "portal.key"


@dataclass(frozen=True)
class CaseOptions:
    portal_rate_limit: str = "20/minute"
    #: Signs portal session tokens and derives idempotent passphrases; never leaves the keys folder.
    portal_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    portal_session_minutes: int = 15
    retention_days: int = 730
    uploads_dir: Path | None = None
    organisation_name: str = "Vigil support team"

    @classmethod
    def from_settings(cls, settings: object) -> CaseOptions:
        from vigil.security.keys import load_or_create_key
        from vigil.settings import VigilSettings

        assert isinstance(settings, VigilSettings)
        return cls(
            portal_rate_limit=settings.portal_rate_limit,
            portal_key=load_or_create_key(settings.keys_dir, PORTAL_KEY_FILE),
            portal_session_minutes=settings.portal_session_minutes,
            retention_days=settings.case_retention_days,
            uploads_dir=settings.home / "uploads",
            organisation_name=settings.organisation_name,
        )


@dataclass
class CaseDeps:
    db: Database
    audit: AuditLog
    authorizer: Authorizer
    options: CaseOptions


def find_case(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == normalise_reference(reference)))
    if case is None:
        raise NotFound("no case with that reference")
    return case
