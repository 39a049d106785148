"""Pydantic schemas for evidence, one per use."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EvidencePublic(BaseModel):
    """An evidence item as staff see it (no content)."""

    model_config = ConfigDict(from_attributes=True)

    uid: str
    case_reference: str
    kind: str
    derived_from: str | None
    derivation: str | None
    how: str
    filename: str
    media_type: str
    size: int
    sha256: str
    sha512: str
    source_url: str | None
    capture_id: str | None
    part: str | None
    reporter_hash: str | None
    reporter_hash_mismatch: bool
    sensitive: bool
    added_by: str
    added_at: datetime
    legal_hold: bool
    deleted: bool
    #: True when these bytes were already in the case: nothing new was stored.
    duplicate: bool = False


class CustodyEventPublic(BaseModel):
    seq: int
    at: datetime
    action: str
    item: str | None
    sha256: str | None
    actor: str
    reason: str | None
    hash: str


class LegalHoldChange(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    on: bool
    reason: str = Field(min_length=1, max_length=200)


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=200)


class WorkingCopyBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    derivation: Literal["blurred", "resized", "stripped"]
    reason: str | None = Field(default=None, max_length=200)


class ShareBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    recipient: str = Field(min_length=1, max_length=120)
    reason: str = Field(min_length=1, max_length=200)


class CaptureResult(BaseModel):
    capture_id: str
    items: list[EvidencePublic]
    notes: list[str]


class ExportSummary(BaseModel):
    case_reference: str
    path: str
    items: int
    events: int
    checkpoint_seq: int
    key_fingerprint: str
    sha256: str


class VaultReport(BaseModel):
    blobs: int
    items: int
    chains: int
    events: int
    problems: list[str]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems
