"""The statistical records: one per case whose survivor consented to statistics.

Only coarse, closed-vocabulary fields are read; free text never enters a record, so no name,
handle or number can reach a table. A value outside its vocabulary becomes ``other``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

# The case vocabularies are data, not the cases service: statistics must count in the same
# words the caseworkers record.
from vigil.cases.taxonomy import CATEGORIES as CATEGORIES
from vigil.cases.taxonomy import PLATFORMS as PLATFORMS
from vigil.storage.tables.cases import Case, CaseConsent
from vigil.storage.tables.referrals import Referral, TakedownRequest, TakedownUrl

STATISTICS_PURPOSE = "statistics"
NOT_RECORDED = "not_recorded"
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

LANGUAGES = ("ko", "id", "fr", "ka", "dv", "bs", "mk", "en", "other")
OUTCOMES = ("referred", "content_removed", "referred_and_removed", "none_yet")
REMOVAL_BANDS = ("under_1_day", "1_7_days", "8_30_days", "over_30_days", "not_removed")


@dataclass(frozen=True)
class CaseRecord:
    """What statistics may know of one case (no identifier, no free text, no date finer
    than a month)."""

    month: str
    category: str
    platform: str
    language: str
    region: str
    age_band: str
    relationship: str
    outcome: str
    removal: str


def _vocab(value: str | None, allowed: tuple[str, ...]) -> str:
    if not value:
        return NOT_RECORDED
    value = value.strip().lower()
    return value if value in allowed else "other"


def _removal_band(hours: float | None) -> str:
    if hours is None:
        return "not_removed"
    if hours < 24:
        return "under_1_day"
    if hours <= 7 * 24:
        return "1_7_days"
    if hours <= 30 * 24:
        return "8_30_days"
    return "over_30_days"


def load_records(session: Session, start: datetime, end: datetime) -> list[CaseRecord]:
    """Records of cases opened in ``[start, end)`` with consent to statistics."""
    consented = select(CaseConsent.case_id).where(
        CaseConsent.purpose == STATISTICS_PURPOSE, CaseConsent.granted.is_(True)
    )
    cases = list(
        session.scalars(
            select(Case).where(
                Case.id.in_(consented), Case.created_at >= start, Case.created_at < end
            )
        )
    )
    ids = [c.id for c in cases]
    referred = set(session.scalars(select(Referral.case_id).where(Referral.case_id.in_(ids))))
    removed: dict[int, float] = {}
    rows = session.execute(
        select(
            TakedownRequest.case_id,
            TakedownRequest.sent_at,
            TakedownRequest.drafted_at,
            TakedownUrl.updated_at,
        )
        .join(TakedownUrl, TakedownUrl.request_id == TakedownRequest.id)
        .where(TakedownRequest.case_id.in_(ids), TakedownUrl.state == "removed")
    )
    for case_id, sent_at, drafted_at, removed_at in rows:
        elapsed = max(0.0, (removed_at - (sent_at or drafted_at)).total_seconds() / 3600)
        removed[case_id] = min(elapsed, removed.get(case_id, elapsed))
    records = []
    for case in cases:
        is_referred, hours = case.id in referred, removed.get(case.id)
        outcome = (
            "referred_and_removed"
            if is_referred and hours is not None
            else "referred"
            if is_referred
            else "content_removed"
            if hours is not None
            else "none_yet"
        )
        language = (case.language or "").lower()
        records.append(
            CaseRecord(
                month=case.created_at.strftime("%Y-%m"),
                category=_vocab(case.category, CATEGORIES),
                platform=_vocab(case.platform, PLATFORMS),
                language=(
                    language
                    if language in LANGUAGES
                    else "other"
                    if _LANGUAGE.match(language) or language
                    else NOT_RECORDED
                ),
                # The cases module records no region, age band or relationship yet.
                region=NOT_RECORDED,
                age_band=NOT_RECORDED,
                relationship=NOT_RECORDED,
                outcome=outcome,
                removal=_removal_band(hours),
            )
        )
    return records
