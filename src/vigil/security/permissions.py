"""Roles, actions and the one permission matrix (role × action).

Services call ``authorize`` (see ``authorization.py``) before they touch data; routers only
authenticate. Admins run the system but do not read survivor cases: need-to-know, as in
GBVIMS practice.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    CASEWORKER = "caseworker"
    MONITOR = "monitor"
    PARTNER_ANALYST = "partner_analyst"


#: Roles that must pass a TOTP second factor before any data is shown.
MFA_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.INVESTIGATOR})


class Action(StrEnum):
    # administration
    USER_MANAGE = "user.manage"
    AUDIT_READ = "audit.read"
    SETTINGS_MANAGE = "settings.manage"
    # cases and survivors
    CASE_CREATE = "case.create"
    CASE_READ = "case.read"
    CASE_UPDATE = "case.update"
    CASE_DELETE = "case.delete"
    SURVIVOR_UNMASK = "survivor.unmask"
    CONSENT_OVERRIDE = "consent.override"
    REFERRAL_CREATE = "referral.create"
    SERVICE_DIRECTORY_MANAGE = "service_directory.manage"
    TAKEDOWN_DRAFT = "takedown.draft"
    TAKEDOWN_APPROVE = "takedown.approve"
    RETENTION_MANAGE = "retention.manage"
    DELETION_APPROVE = "deletion.approve"
    # evidence
    EVIDENCE_ADD = "evidence.add"
    EVIDENCE_READ = "evidence.read"
    EVIDENCE_EXPORT = "evidence.export"
    EVIDENCE_LEGAL_HOLD = "evidence.legal_hold"
    # media matching
    MEDIA_MATCH = "media.match"
    MEDIA_BANK_MANAGE = "media.bank_manage"
    #: See matched (intimate) media in the review queue and decide on it.
    MEDIA_REVIEW = "media.review"
    # monitoring and review
    MONITOR_READ = "monitor.read"
    MONITOR_MANAGE = "monitor.manage"
    REVIEW_DECIDE = "review.decide"
    # linking
    LINK_READ = "link.read"
    LINK_OPEN_OTHER_CASE = "link.open_other_case"
    # insights
    STATS_READ = "stats.read"
    STATS_EXPORT = "stats.export"
    # detection
    DETECTION_SCAN = "detection.scan"


_CASE_WORK = frozenset(
    {
        Action.CASE_CREATE,
        Action.CASE_READ,
        Action.CASE_UPDATE,
        Action.REFERRAL_CREATE,
        Action.TAKEDOWN_DRAFT,
        Action.EVIDENCE_ADD,
        Action.EVIDENCE_READ,
        Action.MEDIA_MATCH,
        Action.DETECTION_SCAN,
    }
)

PERMISSIONS: Mapping[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(
        {
            Action.USER_MANAGE,
            Action.AUDIT_READ,
            Action.SETTINGS_MANAGE,
            Action.SERVICE_DIRECTORY_MANAGE,
            Action.RETENTION_MANAGE,
            Action.MONITOR_MANAGE,
        }
    ),
    Role.SUPERVISOR: _CASE_WORK
    | {
        Action.AUDIT_READ,
        Action.CASE_DELETE,
        Action.SURVIVOR_UNMASK,
        Action.CONSENT_OVERRIDE,
        Action.TAKEDOWN_APPROVE,
        Action.RETENTION_MANAGE,
        Action.DELETION_APPROVE,
        Action.EVIDENCE_EXPORT,
        Action.EVIDENCE_LEGAL_HOLD,
        Action.MEDIA_BANK_MANAGE,
        Action.MEDIA_REVIEW,
        Action.MONITOR_READ,
        Action.MONITOR_MANAGE,
        Action.REVIEW_DECIDE,
        Action.LINK_READ,
        Action.LINK_OPEN_OTHER_CASE,
        Action.STATS_READ,
        Action.STATS_EXPORT,
    },
    Role.INVESTIGATOR: _CASE_WORK
    | {
        Action.EVIDENCE_EXPORT,
        Action.MEDIA_BANK_MANAGE,
        Action.MEDIA_REVIEW,
        Action.MONITOR_READ,
        Action.LINK_READ,
    },
    Role.CASEWORKER: _CASE_WORK | {Action.SURVIVOR_UNMASK, Action.MEDIA_REVIEW},
    Role.MONITOR: frozenset(
        {
            Action.MONITOR_READ,
            Action.REVIEW_DECIDE,
            Action.MEDIA_MATCH,
            Action.DETECTION_SCAN,
            Action.EVIDENCE_ADD,
        }
    ),
    Role.PARTNER_ANALYST: frozenset({Action.STATS_READ}),
}


def is_allowed(role: Role | str, action: Action) -> bool:
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False
