"""Pydantic schemas for cases, one per use."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from vigil.cases.taxonomy import (
    CATEGORIES,
    IDENTIFIER_KINDS,
    PERSON_ROLES,
    PLATFORMS,
    PURPOSES,
    STATUSES,
    WANTS,
)

MAX_URL = 2000
LANGUAGE_CODES = ("en", "ko", "id", "fr", "ka", "bs", "hr", "sr", "mk", "dv", "ar")


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}")
    return value


def check_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_URL:
        raise ValueError("each link must be a web address starting with http:// or https://")
    return value


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=500)


class CasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    title: str
    status: str
    created_at: datetime


# ---- the survivor portal ----------------------------------------------------------------


class ReportCreate(BaseModel):
    """A survivor's report (``POST /api/v1/reports`` and the portal form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=1, max_length=20_000, repr=False)
    category: str
    anonymous: bool
    name: str | None = Field(default=None, max_length=200, repr=False, validate_default=True)
    contact: str | None = Field(default=None, max_length=300, repr=False)
    links: list[str] = Field(default_factory=list, max_length=50)
    consents: list[str] = Field(default_factory=list)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)
    platform: str | None = None
    handles: list[str] = Field(default_factory=list, max_length=50)
    when: str | None = Field(default=None, max_length=100)
    wants: list[str] = Field(default_factory=list)
    language: str = "en"

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return _one_of(value, CATEGORIES, "category")

    @field_validator("links")
    @classmethod
    def _links(cls, value: list[str]) -> list[str]:
        return [check_url(v) for v in value if v.strip()]

    @field_validator("handles")
    @classmethod
    def _handles(cls, value: list[str]) -> list[str]:
        handles = [v.strip() for v in value if v.strip()]
        if any(len(h) > 300 for h in handles):
            raise ValueError("each handle must have at most 300 characters")
        return handles

    @field_validator("consents")
    @classmethod
    def _consents(cls, value: list[str]) -> list[str]:
        for purpose in value:
            _one_of(purpose, PURPOSES, "each consent")
        return sorted(set(value))

    @field_validator("wants")
    @classmethod
    def _wants(cls, value: list[str]) -> list[str]:
        for want in value:
            _one_of(want, WANTS, "each wish")
        return sorted(set(value))

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str | None) -> str | None:
        return None if not value else _one_of(value, PLATFORMS, "platform")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return _one_of(value, LANGUAGE_CODES, "language")

    @field_validator("contact", "when")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("name")
    @classmethod
    def _named_or_anonymous(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = (value or "").strip() or None
        anonymous = info.data.get("anonymous")
        if anonymous is True and value:
            raise ValueError("leave the name empty for an anonymous report")
        if anonymous is False and not value:
            raise ValueError("give a name, or choose to report anonymously")
        return value


class ReportReceipt(BaseModel):
    reference: str
    passphrase: str


class ReportCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reference: str = Field(max_length=64)
    passphrase: str = Field(max_length=128, repr=False)


class ReportStatus(BaseModel):
    status: str


class SurvivorMessage(ReportCredentials):
    body: str = Field(min_length=1, max_length=5000, repr=False)


class ConsentChange(ReportCredentials):
    """The purposes she consents to from now on; every purpose left out is withdrawn."""

    consents: list[str]

    @field_validator("consents")
    @classmethod
    def _consents(cls, value: list[str]) -> list[str]:
        for purpose in value:
            _one_of(purpose, PURPOSES, "each consent")
        return sorted(set(value))


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    direction: str
    body: str
    created_at: datetime


class SurvivorView(BaseModel):
    """What the survivor sees after a status check."""

    reference: str
    status: str
    consents: dict[str, bool]
    messages: list[MessagePublic]
    evidence_count: int
    deletion_requested: bool


# ---- the console ------------------------------------------------------------------------


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: str
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value, STATUSES, "status")


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=20_000)


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=500)
    due_at: datetime | None = None
    assigned_to: int | None = None


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: str
    name: str | None = Field(default=None, max_length=200, repr=False)
    contact: str | None = Field(default=None, max_length=300, repr=False)
    details: str | None = Field(default=None, max_length=5000, repr=False)

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        return _one_of(value, PERSON_ROLES, "role")


class IdentifierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str
    value: str = Field(min_length=1, max_length=MAX_URL)
    platform: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _one_of(value, IDENTIFIER_KINDS, "kind")


class ConsentOverrideRequest(BaseModel):
    """A supervisor acting without consent must say why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=10, max_length=2000)


class PersonPublic(BaseModel):
    id: int
    role: str
    name: str | None
    contact: str | None
    details: str | None
    masked: bool


class IdentifierPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    platform: str | None
    value: str


class NotePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    body: str
    author_id: int | None
    created_at: datetime


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    due_at: datetime | None
    done: bool
    assigned_to: int | None


class StatusChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str
    to_status: str
    reason: str | None
    at: datetime


class EvidencePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sha256: str
    size: int
    media_type: str
    supplied_by: str
    created_at: datetime


class CaseSummary(BaseModel):
    """One line of the intake queue."""

    model_config = ConfigDict(from_attributes=True)

    reference: str
    status: str
    category: str | None
    source: str | None
    risk_level: str | None
    assigned_to: int | None
    created_at: datetime


class CaseDetail(BaseModel):
    """A case as the console shows it; identity fields masked unless unmasked."""

    reference: str
    title: str
    status: str
    source: str | None
    category: str | None
    description: str | None
    anonymous: bool | None
    language: str | None
    platform: str | None
    incident_when: str | None
    wants: list[str]
    risk_level: str | None
    assigned_to: int | None
    created_at: datetime
    consents: dict[str, bool]
    people: list[PersonPublic]
    identifiers: list[IdentifierPublic]
    evidence: list[EvidencePublic]
    notes: list[NotePublic]
    tasks: list[TaskPublic]
    history: list[StatusChangePublic]
    messages: list[MessagePublic]
    legal_hold: bool
    deletion_requested: bool


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
