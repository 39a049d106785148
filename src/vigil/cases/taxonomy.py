"""The fixed vocabularies of a case: categories, consent purposes, wishes, statuses.

Categories are the TFGBV taxonomy in plain words, as a survivor would choose them; keys are
stable because scripts send them to ``POST /api/v1/reports``.
"""

from __future__ import annotations

from collections.abc import Mapping

from vigil.detection.taxonomy import CATEGORIES as TAXONOMY_CATEGORIES

#: The detection taxonomy's categories (``vigil.detection.taxonomy``) plus three a survivor
#: needs that no text classifier scores: general harassment, stalking and impersonation.
CATEGORIES = (
    "harassment",
    *TAXONOMY_CATEGORIES,
    "stalking",
    "impersonation",
    "other",
)

#: What the survivor may consent to, each separately.
PURPOSES = ("investigation", "referral", "takedown", "statistics", "hash_sharing")

#: What she wants to happen.
WANTS = ("removal", "investigation", "support", "record")

PLATFORMS = (
    "facebook",
    "instagram",
    "x",
    "tiktok",
    "youtube",
    "telegram",
    "whatsapp",
    "kakaotalk",
    "naver",
    "other",
)

STATUSES = ("new", "in_assessment", "active", "referred", "closed")

#: Allowed status changes. Closing and every step back need a reason.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"in_assessment", "closed"}),
    "in_assessment": frozenset({"active", "closed"}),
    "active": frozenset({"referred", "closed"}),
    "referred": frozenset({"active", "closed"}),
    "closed": frozenset({"active"}),
}
FORWARD = frozenset({("new", "in_assessment"), ("in_assessment", "active"), ("active", "referred")})

PERSON_ROLES = ("survivor", "perpetrator", "witness", "other")
IDENTIFIER_KINDS = ("url", "handle", "email", "phone")
