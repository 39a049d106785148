"""Pydantic schemas for hash banks, one per use."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vigil.media.base import PDQ_DEFAULT_THRESHOLD, HashResult

#: Thresholds above this match unrelated images far too often (PDQ's authors advise <= 31-63).
MAX_THRESHOLD = 63
BANK_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
HEX256 = r"^[0-9a-fA-F]{64}$"


class BankCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(pattern=BANK_NAME_PATTERN, description="lower-case letters, digits, _ . -")
    kind: Literal["positive", "negative"] = "positive"
    threshold: int = Field(default=PDQ_DEFAULT_THRESHOLD, ge=0, le=MAX_THRESHOLD)
    provenance: str = Field(default="import", min_length=1, max_length=128)
    description: str | None = Field(default=None, max_length=500)
    case_reference: str | None = Field(default=None, max_length=32)
    consent_record: str | None = Field(default=None, max_length=2000)
    share_with_partners: bool = False

    @model_validator(mode="after")
    def _consent_for_survivor_banks(self) -> BankCreate:
        if self.case_reference and not self.consent_record:
            raise ValueError("a bank linked to a case needs the survivor's consent record")
        if self.share_with_partners and self.case_reference is not None and not self.consent_record:
            raise ValueError("sharing a survivor's hashes needs her consent record")
        return self


class BankPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    threshold: int
    provenance: str
    description: str | None
    owner_label: str
    case_id: int | None
    share_with_partners: bool
    created_at: datetime
    withdrawn_at: datetime | None
    active_hashes: int = 0


class HashMatchPublic(BaseModel):
    bank: str
    hash_id: int
    distance: int


class QueryMatches(BaseModel):
    """Matches of one query (a file or a hash given by id)."""

    label: str
    hash: str
    matches: list[HashMatchPublic]
    suppressed_by_negative_bank: bool = False


class ImportReport(BaseModel):
    bank: str
    format: str
    added: int
    withdrawn: int
    skipped: int
    issuer: str | None = None
    created_bank: bool = False


class ExportResult(BaseModel):
    bank: str
    format: str
    active: int
    withdrawn: int
    key_id: str
    sha256: str


class HashPublic(BaseModel):
    """What a hasher says about one file."""

    file: str
    type: str
    hash: str
    quality: int


class DeviceHashes(BaseModel):
    """What ``pdq.js`` computes on the survivor's device: never the image itself."""

    model_config = ConfigDict(extra="forbid")

    hash: str = Field(pattern=HEX256)
    quality: int = Field(ge=0, le=100)
    trimmed: str | None = Field(default=None, pattern=HEX256)
    frame: str | None = Field(default=None, pattern=HEX256)

    def to_result(self) -> HashResult:
        variants = []
        if self.trimmed:
            variants.append(("pdq", self.trimmed.lower()))
        if self.frame:
            variants.append(("pdq-frame", self.frame.lower()))
        return HashResult("pdq", self.hash.lower(), self.quality, variants=tuple(variants))


class DeviceHashesAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[DeviceHashes] = Field(min_length=1, max_length=100)
