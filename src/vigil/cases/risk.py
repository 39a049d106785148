"""Risk assessment: a structured form giving a level and a safety-planning checklist.

The weights follow the usual danger-assessment logic: threats of violence combined with
offline reach (knowing where she lives, having met her) are what raise the level most.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vigil.cases.context import CaseDeps, find_case
from vigil.clock import utcnow
from vigil.errors import InvalidInput
from vigil.security.actor import Actor
from vigil.security.permissions import Action
from vigil.storage.tables.case_work import RiskAssessment

#: Question key → weight.
QUESTIONS: Mapping[str, int] = {
    "threats_of_violence": 3,
    "offline_contact": 2,
    "knows_location": 3,
    "intimate_images": 2,
    "sextortion_demand": 2,
    "known_perpetrator": 1,
    "children_involved": 2,
    "escalating": 2,
    "self_harm_concern": 3,
}
MEDIUM_SCORE = 3
HIGH_SCORE = 8

#: Checklist item → the answers that call for it ("always" for every case).
CHECKLIST: Mapping[str, tuple[str, ...]] = {
    "preserve_evidence": ("always",),
    "review_privacy_settings": ("always",),
    "emergency_contacts": ("threats_of_violence", "knows_location", "self_harm_concern"),
    "safe_place_plan": ("knows_location", "offline_contact"),
    "police_report_option": ("threats_of_violence", "sextortion_demand"),
    "request_takedown": ("intimate_images",),
    "hash_images_on_device": ("intimate_images", "sextortion_demand"),
    "do_not_pay": ("sextortion_demand",),
    "child_protection_referral": ("children_involved",),
    "psychosocial_support": ("self_harm_concern", "escalating"),
    "secure_accounts": ("known_perpetrator", "offline_contact"),
}


@dataclass(frozen=True)
class Assessment:
    score: int
    level: str
    checklist: tuple[str, ...]


def assess(answers: Mapping[str, bool]) -> Assessment:
    unknown = set(answers) - set(QUESTIONS)
    if unknown:
        raise InvalidInput(f"unknown risk question {sorted(unknown)[0]!r}", field="answers")
    yes = {key for key, value in answers.items() if value}
    score = sum(QUESTIONS[key] for key in yes)
    severe_combination = "threats_of_violence" in yes and (
        "knows_location" in yes or "offline_contact" in yes
    )
    if score >= HIGH_SCORE or severe_combination or "self_harm_concern" in yes:
        level = "high"
    elif score >= MEDIUM_SCORE:
        level = "medium"
    else:
        level = "low"
    checklist = tuple(
        item
        for item, triggers in CHECKLIST.items()
        if "always" in triggers or yes.intersection(triggers)
    )
    return Assessment(score=score, level=level, checklist=checklist)


class RiskService:
    def __init__(self, deps: CaseDeps) -> None:
        self.deps = deps

    def record(self, actor: Actor, reference: str, answers: Mapping[str, bool]) -> Assessment:
        self.deps.authorizer.require(
            actor, Action.CASE_UPDATE, record_type="case", record_id=reference
        )
        result = assess(answers)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            session.add(
                RiskAssessment(
                    case_id=case.id,
                    answers={k: bool(v) for k, v in answers.items()},
                    score=result.score,
                    level=result.level,
                    checklist=list(result.checklist),
                    assessed_by=actor.user_id,
                    at=utcnow(),
                )
            )
            case.risk_level = result.level
            case.updated_at = utcnow()
            self.deps.audit.record(
                session,
                actor,
                "case.risk_assess",
                record_type="case",
                record_id=case.reference,
                purpose=result.level,
            )
        return result

    def latest(self, actor: Actor, reference: str) -> Assessment | None:
        from sqlalchemy import select

        self.deps.authorizer.require(
            actor, Action.CASE_READ, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            row = session.scalar(
                select(RiskAssessment)
                .where(RiskAssessment.case_id == case.id)
                .order_by(RiskAssessment.id.desc())
                .limit(1)
            )
            if row is None:
                return None
            return Assessment(score=row.score, level=row.level, checklist=tuple(row.checklist))
