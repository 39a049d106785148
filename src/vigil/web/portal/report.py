"""The report form (five calm steps on one page, no JavaScript needed) and the receipt."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from vigil.cases.schemas import ReportCreate
from vigil.errors import InvalidInput, RateLimited
from vigil.web.auth import client_key, services_of
from vigil.web.portal import labels
from vigil.web.portal.forms import choices, lines, read_form, text, uploads
from vigil.web.templating import render, request_language

router = APIRouter(include_in_schema=False)


def _form_page(
    request: Request,
    form: dict[str, str] | None = None,
    *,
    consents: list[str] | None = None,
    wants: list[str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "portal/report.html",
        {
            "form": form or {},
            "form_consents": consents or [],
            "form_wants": wants or [],
            "categories": labels.CATEGORIES,
            "purposes": labels.PURPOSES,
            "wants": labels.WANTS,
            "platforms": labels.PLATFORMS,
            "error": error,
        },
        status_code=status,
    )


@router.get("/report")
def report_form(request: Request) -> Response:
    return _form_page(request)


def _field_message(request: Request, field: str | None) -> str:
    from vigil.web.i18n import catalogues

    _ = catalogues().translator(request_language(request))
    messages = {
        "description": _("Please tell us what happened."),
        "category": _("Please choose what kind of abuse it was."),
        "name": _("Give your name, or choose to stay anonymous (then leave the name empty)."),
        "links": _("Each link must start with http:// or https://."),
        "evidence": _(
            "This kind of file is not accepted. Send a picture, PDF, video or text file."
        ),
    }
    return messages.get((field or "").split(".")[0], _("Please check the form and try again."))


@router.post("/report")
async def submit_report(request: Request) -> Response:
    form = await read_form(request)
    try:
        return await _submit(request, form)
    finally:
        await form.close()  # uploaded files are spooled to disk until closed


async def _submit(request: Request, form: FormData) -> Response:
    fields = {
        k: text(form, k)
        for k in (
            "anonymous",
            "name",
            "contact",
            "category",
            "description",
            "when",
            "platform",
            "links",
            "handles",
        )
    }
    consents, wants = choices(form, "consents"), choices(form, "wants")

    def again(field: str | None, status: int = 422) -> Response:
        return _form_page(
            request,
            fields,
            consents=consents,
            wants=wants,
            error=_field_message(request, field),
            status=status,
        )

    try:
        report = ReportCreate(
            description=fields["description"],
            category=fields["category"],
            anonymous=fields["anonymous"] != "no",
            name=fields["name"] or None,
            contact=fields["contact"] or None,
            links=lines(form, "links"),
            handles=lines(form, "handles"),
            consents=consents,
            wants=wants,
            platform=fields["platform"] or None,
            when=fields["when"] or None,
            language=request_language(request),
        )
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        return again(str(loc[0]) if loc else None)
    try:
        files = await uploads(form)
        reference, passphrase = services_of(request).survivor_evidence.submit(
            report, client=client_key(request), files=files
        )
    except InvalidInput as exc:
        return again(exc.field)
    except RateLimited as exc:
        return render(
            request, "error.html", {"status": 429, "message": exc.message}, status_code=429
        )
    return render(
        request,
        "portal/receipt.html",
        {"reference": reference, "passphrase": passphrase, "hide_languages": True},
        status_code=201,
    )
