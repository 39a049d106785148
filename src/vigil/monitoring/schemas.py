"""Pydantic schemas per use: what comes in and what goes out of the monitoring services."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

NAME_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    kind: str = Field(min_length=1, max_length=32)
    config: dict[str, Any] = Field(default_factory=dict)


class SourcePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    enabled: bool
    checkpoint_at: datetime | None
    last_error: str | None
    created_at: datetime


class SourceCreated(BaseModel):
    source: SourcePublic
    #: Webhook sources only: the bearer token, shown this once.
    token: str | None = None


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    handles: list[str] = Field(default_factory=list, max_length=50)
    kind: str = Field(default="other", pattern=r"^(candidate|journalist|activist|official|other)$")


class PersonPublic(BaseModel):
    id: int
    name: str
    aliases: list[str]
    handles: list[str]
    kind: str
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> PersonPublic:
        return cls(
            id=row.id,
            name=row.name,
            aliases=json.loads(row.aliases),
            handles=json.loads(row.handles),
            kind=row.kind,
            active=row.active,
            created_at=row.created_at,
        )


class PostPublic(BaseModel):
    id: int
    platform: str
    post_id: str
    url: str | None
    author_handle: str | None
    author_name: str | None
    text: str
    lang: str | None
    created_at: datetime
    gbv: bool
    score: float
    category: str | None
    severity: float
    priority: float
    targeted: bool
    review_status: str
    second_review_due: bool
    dup_group: str
    media: list[dict[str, Any]]
    detection: dict[str, Any]
    targets: list[int] = Field(default_factory=list)

    @classmethod
    def of(cls, row: Any, targets: list[int] | None = None) -> PostPublic:
        return cls(
            id=row.id,
            platform=row.platform,
            post_id=row.post_id,
            url=row.url,
            author_handle=row.author_handle,
            author_name=row.author_name,
            text=row.text,
            lang=row.lang,
            created_at=row.created_at,
            gbv=row.gbv,
            score=row.score,
            category=row.category,
            severity=row.severity,
            priority=row.priority,
            targeted=row.targeted,
            review_status=row.review_status,
            second_review_due=row.second_review_due,
            dup_group=row.dup_group,
            media=json.loads(row.media or "[]"),
            detection=json.loads(row.detection or "{}"),
            targets=targets or [],
        )


class Decision(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    RELABEL = "relabel"
    ESCALATE = "escalate"


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    label: str | None = Field(default=None, max_length=64)

    @field_validator("label")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


class QueuePage(BaseModel):
    items: list[PostPublic]
    seen_today: int
    daily_cap: int
    capped: bool


class AlertPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    key: str
    person_id: int | None
    window_start: datetime
    window_end: datetime
    count: int
    score: float
    status: str
    created_at: datetime
    details: dict[str, Any]

    @classmethod
    def of(cls, row: Any) -> AlertPublic:
        return cls(
            id=row.id,
            kind=row.kind,
            key=row.key,
            person_id=row.person_id,
            window_start=row.window_start,
            window_end=row.window_end,
            count=row.count,
            score=row.score,
            status=row.status,
            created_at=row.created_at,
            details=json.loads(row.details or "{}"),
        )


class Agreement(BaseModel):
    pairs: int
    kappa: float | None
    observed_agreement: float | None
