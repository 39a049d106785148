"""Clearly-marked synthetic demo data: staff of every role and a few cases.

Every name and text here is invented; titles carry the ``[DEMO]`` mark so nobody mistakes
them for a real survivor's case.
"""

from __future__ import annotations

import secrets

from vigil.cases.referrals import ServiceEntry
from vigil.cases.schemas import CaseCreate, ReportCreate
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.security.schemas import UserCreate
from vigil.services import Services

DEMO_ADMIN = "demo-admin"
DEMO_MARK = "[DEMO]"

DEMO_STAFF = (
    ("demo-supervisor", "Demo Supervisor", Role.SUPERVISOR),
    ("demo-investigator", "Demo Investigator", Role.INVESTIGATOR),
    ("demo-caseworker", "Demo Caseworker", Role.CASEWORKER),
    ("demo-monitor", "Demo Monitor", Role.MONITOR),
    ("demo-partner", "Demo Partner Analyst", Role.PARTNER_ANALYST),
)

DEMO_CASES = (
    f"{DEMO_MARK} Threatening messages after a breakup (synthetic)",
    f"{DEMO_MARK} Fake profile sharing a home address (synthetic)",
    f"{DEMO_MARK} Sextortion demand by e-mail (synthetic)",
)


DEMO_REPORTS = (
    (
        f"{DEMO_MARK} Someone I used to date keeps messaging threats and posted where I work.",
        "en",
        ("investigation", "referral", "statistics"),
    ),
    (
        f"{DEMO_MARK} 모르는 계정이 제 사진을 올리겠다고 협박합니다. (합성 데이터)",
        "ko",
        ("investigation", "takedown", "hash_sharing"),
    ),
)
DEMO_SERVICES = (
    ("[DEMO] Women's helpline (synthetic)", "hotline", "KR", "ko,en"),
    ("[DEMO] Legal aid clinic (synthetic)", "legal_aid", "ID", "id,en"),
    ("[DEMO] Shelter network (synthetic)", "shelter", "CI", "fr"),
)


def _password() -> str:
    return secrets.token_urlsafe(18)


def load_demo(services: Services) -> str:
    """Create demo data once; (re)set the demo administrator's password and return it."""
    operator = Actor.operator("demo")
    password = _password()
    admin_id = services.accounts.find_user_id(DEMO_ADMIN)
    if admin_id is not None:
        services.accounts.set_password(operator, admin_id, password)
        return password
    services.accounts.create_user(
        operator,
        UserCreate(
            username=DEMO_ADMIN,
            display_name="Demo Administrator",
            role=Role.ADMIN,
            password=password,
        ),
    )
    for username, name, role in DEMO_STAFF:
        # Other demo staff get unknowable passwords: an admin resets one to use it.
        services.accounts.create_user(
            operator,
            UserCreate(username=username, display_name=name, role=role, password=_password()),
        )
    cases = [services.cases.create(operator, CaseCreate(title=title)) for title in DEMO_CASES]
    _load_portal_reports(services)
    _load_referral_directory(services, operator)
    _load_evidence(services, operator, cases[0].reference)
    return password


def _load_portal_reports(services: Services) -> None:
    """Two reports as a survivor would file them through the portal, one in Korean."""
    for text, language, consents in DEMO_REPORTS:
        services.cases.intake.submit(
            ReportCreate(
                description=text,
                category="threat",
                anonymous=True,
                consents=list(consents),
                language=language,
                links=["https://social.example/post/demo-1"],
            ),
            client="demo",
        )


def _load_referral_directory(services: Services, operator: Actor) -> None:
    for name, kind, country, languages in DEMO_SERVICES:
        services.cases.referrals.add_service(
            operator,
            ServiceEntry(
                name=name,
                kind=kind,
                country=country,
                languages=languages,
                contact="+00 000 000 000 (demo)",
                description="Synthetic demo entry, not a real service.",
            ),
        )


def _load_evidence(services: Services, operator: Actor, reference: str) -> None:
    """A generated image (a coloured square, never a real photo) in the first demo case."""
    services.evidence.add_bytes(
        operator,
        reference,
        _demo_png(),
        "demo-screenshot.png",
        how="upload",
        media_type="image/png",
        sensitive=False,
        reason="demo data",
    )


def _demo_png() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), (236, 240, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 60), fill=(54, 85, 143))
    draw.text((30, 80), "[DEMO] synthetic screenshot", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
