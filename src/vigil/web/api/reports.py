"""The survivor portal's JSON API: unauthenticated, rate-limited, uniform 404.

Scripts rely on ``POST /reports`` and ``POST /reports/status`` exactly as they are.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from vigil.cases.schemas import (
    ConsentChange,
    ReportCreate,
    ReportCredentials,
    ReportReceipt,
    ReportStatus,
    SurvivorMessage,
    SurvivorView,
)
from vigil.errors import InvalidInput
from vigil.web.auth import client_key, services_of
from vigil.web.portal.forms import lines, read_form, text, uploads

router = APIRouter(tags=["portal"])
# The two routes scripts rely on live at /reports; the survivor's other calls under /portal/.
REPORTS = "/reports"
PORTAL = "/portal/reports"


class ConsentResult(BaseModel):
    withdrawn: list[str]
    granted: list[str]


class EvidenceAdded(BaseModel):
    added: int


@router.post(REPORTS, status_code=201)
def file_report(body: ReportCreate, request: Request) -> ReportReceipt:
    """File a report. The passphrase is shown only in this response."""
    reference, passphrase = services_of(request).cases.intake.submit(
        body, client=client_key(request)
    )
    return ReportReceipt(reference=reference, passphrase=passphrase)


@router.post(f"{REPORTS}/status")
def report_status(body: ReportCredentials, request: Request) -> ReportStatus:
    """The status of a report; 404 alike for an unknown reference and a wrong passphrase."""
    return ReportStatus(
        status=services_of(request).cases.intake.status(body, client=client_key(request))
    )


@router.post(f"{PORTAL}/view")
def view_report(body: ReportCredentials, request: Request) -> SurvivorView:
    intake = services_of(request).cases.intake
    return intake.view(intake.authenticate(body, client=client_key(request)))


@router.post(f"{PORTAL}/messages", status_code=204)
def message_caseworker(body: SurvivorMessage, request: Request) -> Response:
    intake = services_of(request).cases.intake
    creds = ReportCredentials(reference=body.reference, passphrase=body.passphrase)
    intake.send_message(intake.authenticate(creds, client=client_key(request)), body.body)
    return Response(status_code=204)


@router.post(f"{PORTAL}/consent")
def change_consent(body: ConsentChange, request: Request) -> ConsentResult:
    """Set the purposes she consents to; every one left out is withdrawn and propagates."""
    creds = ReportCredentials(reference=body.reference, passphrase=body.passphrase)
    report = services_of(request).consent_withdrawal.by_survivor_credentials(
        creds, body.consents, client=client_key(request)
    )
    return ConsentResult(
        withdrawn=list(report.change.withdrawn), granted=list(report.change.granted)
    )


@router.post(f"{PORTAL}/deletion", status_code=202)
def request_deletion(body: ReportCredentials, request: Request) -> dict[str, str]:
    intake = services_of(request).cases.intake
    intake.request_deletion(intake.authenticate(body, client=client_key(request)))
    return {"status": "deletion_requested"}


@router.post(f"{PORTAL}/evidence", status_code=201)
async def add_evidence(request: Request) -> EvidenceAdded:
    """Multipart: ``reference``, ``passphrase``, files in ``evidence``, ``links`` one per line."""
    form = await read_form(request)
    intake = services_of(request).cases.intake
    try:
        if not text(form, "reference") or not text(form, "passphrase"):
            raise InvalidInput("give the reference and passphrase", field="reference")
        creds = ReportCredentials(
            reference=text(form, "reference")[:64], passphrase=text(form, "passphrase")[:128]
        )
        case_id = intake.authenticate(creds, client=client_key(request))
        added = services_of(request).survivor_evidence.add(
            case_id, await uploads(form), lines(form, "links")
        )
    finally:
        await form.close()
    return EvidenceAdded(added=added)
