"""Pydantic schemas of the linking service, one per use."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=200_000)
    source: str = Field(default="case_text", pattern=r"^[a-z_]{1,32}$")
    source_ref: str | None = Field(default=None, max_length=64)


class IdentifierOut(BaseModel):
    type: str
    value: str
    normalized: str
    start: int
    end: int
    platform: str | None = None
    notes: list[str] = Field(default_factory=list)


class IngestResult(BaseModel):
    identifiers: list[IdentifierOut]
    new_links: int


class PostObservation(BaseModel):
    """A public post as linking needs it (monitoring hands these over through a flow)."""

    model_config = ConfigDict(extra="forbid")

    platform: str = Field(min_length=1, max_length=32)
    post_id: str = Field(min_length=1, max_length=255)
    author: str = Field(min_length=1, max_length=255)
    text: str = ""
    posted_at: datetime
    thread: str | None = Field(default=None, max_length=255)
    reply_to_author: str | None = Field(default=None, max_length=255)
    media_hashes: list[str] = Field(default_factory=list)
    case_reference: str | None = None


class Holder(BaseModel):
    """Whom to ask about a linked case: a name and a role, never the case itself."""

    name: str
    role: str


class SharedTrace(BaseModel):
    kind: str
    value: str  # as recorded in the asker's own case


class CaseLink(BaseModel):
    """A link from the asker's case to another case: that it exists, why, and whom to ask."""

    token: str
    shared: list[SharedTrace]
    holder: Holder
    first_linked: datetime


class LinkNoticeOut(BaseModel):
    id: int
    case_reference: str  # the recipient's own case
    link: CaseLink
    seen: bool


class OpenedLink(BaseModel):
    """What a supervisor sees after opening a link (audited)."""

    reference: str
    title: str
    status: str
    created_at: datetime
    holder: Holder
    shared: list[SharedTrace]


class NetworkOut(BaseModel):
    rank: int
    score: float
    accounts: list[str]
    evidence: dict[str, int]
    cases: int
    first_seen: str
    last_seen: str


class RepeatPerpetratorOut(BaseModel):
    label: str
    kind: str
    platform: str
    cases: int
    aliases: list[str]
    first_seen: str
    last_seen: str
