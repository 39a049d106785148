"""Image matching and hash banks: hash an upload, match files or hashes, manage banks."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from vigil.errors import InvalidInput, PayloadTooLarge
from vigil.hashbanks.indexes import Query
from vigil.hashbanks.reviews import ReviewPublic
from vigil.hashbanks.schemas import (
    BankCreate,
    BankPublic,
    DeviceHashesAdd,
    ExportResult,
    HashPublic,
    ImportReport,
    QueryMatches,
)
from vigil.media.hashes import normalise_hex
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/media", tags=["media"])
_STAFF = Depends(api_staff)
#: Hashes one request may match.
MAX_QUERY_HASHES = 10_000


class HashQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=128)
    pdq: str = Field(min_length=64, max_length=64)


class MatchHashesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hashes: list[HashQuery] = Field(min_length=1, max_length=MAX_QUERY_HASHES)
    bank: str | None = None


class IdMatches(BaseModel):
    id: str
    matches: list[dict[str, object]]


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(description="The list itself (CSV, HMA CSV or StopNCII JSON).")
    format: str | None = None
    signature: str | None = Field(default=None, description="The FILE.sig document.")
    public_key: str | None = Field(default=None, description="The issuer's Ed25519 key.")


class ExportResponse(BaseModel):
    result: ExportResult
    content: str
    signature: str


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hash_ids: list[int] | None = None


async def _uploads(request: Request) -> list[tuple[str, bytes]]:
    limit = services_of(request).settings.max_upload_bytes
    uploads: list[tuple[str, bytes]] = []
    async with request.form() as form:
        for upload in form.getlist("file"):
            if isinstance(upload, UploadFile):
                data = await upload.read(limit + 1)
                if len(data) > limit:
                    raise PayloadTooLarge("the file is larger than this installation accepts")
                uploads.append((upload.filename or "upload", data))
    if not uploads:
        raise InvalidInput("send at least one file", field="file")
    return uploads


@router.post("/hash", **guarded(Action.MEDIA_MATCH))
async def hash_files(request: Request, ctx: AuthContext = _STAFF) -> list[HashPublic]:
    """Multipart ``file`` fields → their PDQ hashes; the images are not stored."""
    banks = services_of(request).hashbanks
    out = []
    for name, data in await _uploads(request):
        result = await run_in_threadpool(banks.hash_upload, ctx.actor, data, name)
        out.append(
            HashPublic(file=name, type=result.type, hash=result.hash, quality=result.quality)
        )
    return out


@router.post("/match", **guarded(Action.MEDIA_MATCH))
async def match_files(
    request: Request, bank: str | None = None, ctx: AuthContext = _STAFF
) -> list[QueryMatches]:
    """Multipart ``file`` fields matched against the banks (``?bank=`` for one)."""
    services = services_of(request)
    queries = []
    for name, data in await _uploads(request):
        result = await run_in_threadpool(services.hashbanks.hash_upload, ctx.actor, data, name)
        queries.append(Query.from_result(name, result, data))  # kept if it matches
    return await run_in_threadpool(
        lambda: services.hashbanks.match(ctx.actor, queries, bank_name=bank, source="upload")
    )


@router.post("/match/hashes", **guarded(Action.MEDIA_MATCH))
def match_hashes(
    body: MatchHashesRequest, request: Request, ctx: AuthContext = _STAFF
) -> list[IdMatches]:
    queries = [Query(h.id, (("pdq", normalise_hex(h.pdq)),)) for h in body.hashes]
    results = services_of(request).hashbanks.match(
        ctx.actor, queries, bank_name=body.bank, source="api"
    )
    return [IdMatches(id=r.label, matches=[m.model_dump() for m in r.matches]) for r in results]


@router.get("/banks", **guarded(Action.MEDIA_MATCH))
def list_banks(request: Request, ctx: AuthContext = _STAFF) -> list[BankPublic]:
    return services_of(request).hashbanks.list_banks(ctx.actor)


@router.post("/banks", status_code=201, **guarded(Action.MEDIA_BANK_MANAGE))
def create_bank(body: BankCreate, request: Request, ctx: AuthContext = _STAFF) -> BankPublic:
    return services_of(request).hashbanks.create_bank(ctx.actor, body)


@router.post("/banks/{name}/import", **guarded(Action.MEDIA_BANK_MANAGE))
def import_list(
    name: str, body: ImportRequest, request: Request, ctx: AuthContext = _STAFF
) -> ImportReport:
    return services_of(request).hashbanks.import_list(
        ctx.actor,
        name,
        body.content.encode(),
        format_name=body.format,
        signature=body.signature.encode() if body.signature else None,
        trusted_key=body.public_key,
    )


@router.post("/banks/{name}/export", **guarded(Action.MEDIA_BANK_MANAGE))
def export_list(
    name: str, request: Request, format: str = "hma", ctx: AuthContext = _STAFF
) -> ExportResponse:
    data, signature, result = services_of(request).hashbanks.export_list(
        ctx.actor, name, format_name=format
    )
    return ExportResponse(result=result, content=data.decode(), signature=signature.decode())


@router.post("/banks/{name}/hashes", status_code=201, **guarded(Action.MEDIA_BANK_MANAGE))
def add_device_hashes(
    name: str, body: DeviceHashesAdd, request: Request, ctx: AuthContext = _STAFF
) -> dict[str, list[int]]:
    """Add hashes computed on the survivor's device by ``pdq.js`` (hash, trimmed, frame)."""
    banks = services_of(request).hashbanks
    return {"hash_ids": [banks.add_item(ctx.actor, name, item.to_result()) for item in body.items]}


@router.post("/banks/{name}/withdraw", **guarded(Action.MEDIA_BANK_MANAGE))
def withdraw(
    name: str, body: WithdrawRequest, request: Request, ctx: AuthContext = _STAFF
) -> dict[str, int]:
    count = services_of(request).hashbanks.withdraw(ctx.actor, name, body.hash_ids)
    return {"withdrawn": count}


@router.get("/key", **guarded(Action.MEDIA_MATCH))
def public_key(request: Request) -> dict[str, str]:
    """This installation's Ed25519 public key (base64), which partners use to verify lists."""
    return {"algorithm": "Ed25519", "public_key": services_of(request).hashbanks.public_key()}


class ReviewDecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "dismiss"]


@router.get("/reviews", **guarded(Action.MEDIA_REVIEW))
def list_reviews(
    request: Request,
    status: Literal["pending", "confirmed", "dismissed"] = "pending",
    case: str | None = None,
    ctx: AuthContext = _STAFF,
) -> list[ReviewPublic]:
    """Review items of bank matches (without their media: the console shows those blurred)."""
    return services_of(request).hashbanks.reviews.list(
        ctx.actor, status=status, case_reference=case
    )


@router.post("/reviews/{review_id}/decision", **guarded(Action.MEDIA_REVIEW))
def decide_review(
    review_id: int, body: ReviewDecisionBody, request: Request, ctx: AuthContext = _STAFF
) -> ReviewPublic:
    return services_of(request).hashbanks.reviews.decide(ctx.actor, review_id, body.decision)
