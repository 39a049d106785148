"""Pydantic schemas for cases, one per use."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=500)


class CasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    title: str
    status: str
    created_at: datetime
