"""Evidence: list, upload, read (custody-logged), custody history, legal hold, export."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, Response, StreamingResponse

from vigil.errors import InvalidInput, PayloadTooLarge
from vigil.evidence.custody import CustodyAction
from vigil.evidence.schemas import (
    CustodyEventPublic,
    EvidencePublic,
    LegalHoldChange,
    ReasonBody,
    ShareBody,
    WorkingCopyBody,
)
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(tags=["evidence"])
_STAFF = Depends(api_staff)


@router.get("/cases/{reference}/evidence", **guarded(Action.EVIDENCE_READ))
def list_evidence(
    reference: str, request: Request, ctx: AuthContext = _STAFF
) -> list[EvidencePublic]:
    return services_of(request).evidence.list_case(ctx.actor, reference)


@router.post("/cases/{reference}/evidence", status_code=201, **guarded(Action.EVIDENCE_ADD))
async def upload_evidence(
    reference: str, request: Request, ctx: AuthContext = _STAFF
) -> list[EvidencePublic]:
    """Multipart upload: one or more ``file`` fields; optional ``reporter_hash``, ``source_url``."""
    services = services_of(request)
    limit = services.settings.max_upload_bytes
    uploads: list[tuple[str, bytes]] = []
    async with request.form() as form:  # closes the spooled files when done
        text = {k: v for k, v in form.items() if isinstance(v, str) and v}
        for upload in form.getlist("file"):
            if isinstance(upload, UploadFile):
                data = await upload.read(limit + 1)
                if len(data) > limit:
                    raise PayloadTooLarge(
                        "the file is larger than this installation accepts", field="file"
                    )
                uploads.append((upload.filename or "upload", data))
    if not uploads:
        raise InvalidInput("send at least one file", field="file")
    claimed = text.get("reporter_hash") if len(uploads) == 1 else None
    # Vault writes and fsyncs block: keep them off the event loop.
    return [
        await run_in_threadpool(
            services.evidence.add_bytes,
            ctx.actor,
            reference,
            data,
            name,
            "upload",
            text.get("source_url"),
            claimed,
            reason=text.get("reason"),
        )
        for name, data in uploads
    ]


@router.get("/evidence/{uid}", **guarded(Action.EVIDENCE_READ))
def get_evidence(uid: str, request: Request, ctx: AuthContext = _STAFF) -> EvidencePublic:
    return services_of(request).evidence.get(ctx.actor, uid)


@router.get("/evidence/{uid}/content", **guarded(Action.EVIDENCE_READ))
def download_evidence(uid: str, request: Request, ctx: AuthContext = _STAFF) -> Response:
    """The bytes as an attachment, streamed; a ``download`` custody event."""
    item, chunks = services_of(request).evidence.stream(
        ctx.actor, uid, CustodyAction.DOWNLOAD, request.query_params.get("reason")
    )
    return streamed(item, chunks, "application/octet-stream", f'attachment; filename="{item.uid}"')


def streamed(
    item: EvidencePublic, chunks: Iterator[bytes], media_type: str, disposition: str
) -> Response:
    """An item's verified chunks as they come off the vault (bounded memory). The length is
    announced, so a stream stopped by a segment that fails its check arrives visibly short."""
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "Content-Length": str(item.size),
            "X-Content-SHA256": item.sha256,
        },
    )


@router.get("/evidence/{uid}/custody", **guarded(Action.EVIDENCE_READ))
def custody(uid: str, request: Request, ctx: AuthContext = _STAFF) -> list[CustodyEventPublic]:
    return services_of(request).evidence.custody_history(ctx.actor, uid=uid)


@router.post("/evidence/{uid}/legal-hold", **guarded(Action.EVIDENCE_LEGAL_HOLD))
def legal_hold(
    uid: str, body: LegalHoldChange, request: Request, ctx: AuthContext = _STAFF
) -> EvidencePublic:
    return services_of(request).evidence.set_legal_hold(ctx.actor, uid, body.on, body.reason)


@router.post("/evidence/{uid}/working-copy", status_code=201, **guarded(Action.EVIDENCE_READ))
def working_copy(
    uid: str, body: WorkingCopyBody, request: Request, ctx: AuthContext = _STAFF
) -> EvidencePublic:
    """A blurred, resized or metadata-stripped copy of an image, linked to its original."""
    return services_of(request).evidence.make_working_copy(
        ctx.actor, uid, body.derivation, reason=body.reason
    )


@router.post("/evidence/{uid}/share", **guarded(Action.EVIDENCE_EXPORT))
def share(uid: str, body: ShareBody, request: Request, ctx: AuthContext = _STAFF) -> EvidencePublic:
    return services_of(request).evidence.share(ctx.actor, uid, body.recipient, body.reason)


@router.post("/evidence/{uid}/delete", **guarded(Action.DELETION_APPROVE))
def delete(
    uid: str, body: ReasonBody, request: Request, ctx: AuthContext = _STAFF
) -> EvidencePublic:
    return services_of(request).evidence.delete(ctx.actor, uid, body.reason)


def bundle_response(
    request: Request, ctx: AuthContext, reference: str, reason: str | None
) -> Response:
    """Export to a temporary file and stream it; the file is removed once sent."""
    folder = Path(tempfile.mkdtemp(prefix="vigil-bundle-"))
    path = folder / "bundle.zip"

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    try:
        summary = services_of(request).evidence.export(ctx.actor, reference, path, reason)
    except BaseException:
        cleanup()
        raise
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"evidence-{summary.case_reference}.zip",
        headers={"X-Bundle-SHA256": summary.sha256},
        background=BackgroundTask(cleanup),
    )


@router.post("/cases/{reference}/evidence/export", **guarded(Action.EVIDENCE_EXPORT))
def export(reference: str, request: Request, ctx: AuthContext = _STAFF) -> Response:
    return bundle_response(request, ctx, reference, request.query_params.get("reason"))
