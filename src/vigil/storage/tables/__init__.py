"""All tables, one module per concept. Importing this package registers them all."""

from vigil.storage.tables import (
    accounts,
    audit,
    case_work,
    cases,
    evidence,
    insights,
    linking,
    media,
    monitoring,
    notifications,
    referrals,
)

__all__ = [
    "accounts",
    "audit",
    "case_work",
    "cases",
    "evidence",
    "insights",
    "linking",
    "media",
    "monitoring",
    "notifications",
    "referrals",
]
