"""Takedown letters per platform and language (en, ko, id, fr).

A letter names the platform's own policy, the legal or policy basis, every URL and the
SHA-256 of each piece of evidence; never the survivor's name or contact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vigil.errors import InvalidInput

TAKEDOWN_LANGUAGES = ("en", "ko", "id", "fr")

#: The policy each platform applies (proper names; not translated).
PLATFORM_POLICIES: Mapping[str, str] = {
    "facebook": "Meta Community Standards",
    "instagram": "Instagram Community Guidelines (Meta Community Standards)",
    "x": "X Rules (non-consensual nudity, private information, abuse and harassment)",
    "tiktok": "TikTok Community Guidelines",
    "youtube": "YouTube Community Guidelines",
    "telegram": "Telegram Terms of Service",
    "whatsapp": "WhatsApp Terms of Service",
    "kakaotalk": "Kakao Operation Policy",
    "naver": "NAVER Operation Policy",
    "other": "your terms of service",
}

BASES = ("intimate_images", "privacy", "harassment", "threats", "impersonation", "local_law")

_BASIS_TEXT: Mapping[str, Mapping[str, str]] = {
    "en": {
        "intimate_images": "intimate images shared without consent",
        "privacy": "publication of private personal information (doxxing)",
        "harassment": "targeted harassment",
        "threats": "threats of violence",
        "impersonation": "impersonation of a real person",
        "local_law": "content that is unlawful under the law of the country where she lives",
    },
    "ko": {
        "intimate_images": "동의 없이 유포된 성적 촬영물",
        "privacy": "개인정보 무단 공개(신상털기)",
        "harassment": "표적 괴롭힘",
        "threats": "폭력 위협",
        "impersonation": "실존 인물 사칭",
        "local_law": "피해자가 거주하는 국가의 법률상 불법인 정보",
    },
    "id": {
        "intimate_images": "gambar intim yang disebarkan tanpa persetujuan",
        "privacy": "penyebaran informasi pribadi (doxing)",
        "harassment": "pelecehan yang ditargetkan",
        "threats": "ancaman kekerasan",
        "impersonation": "peniruan identitas orang sungguhan",
        "local_law": "konten yang melanggar hukum di negara tempat korban tinggal",
    },
    "fr": {
        "intimate_images": "images intimes diffusées sans consentement",
        "privacy": "divulgation d'informations personnelles (doxxing)",
        "harassment": "harcèlement ciblé",
        "threats": "menaces de violence",
        "impersonation": "usurpation de l'identité d'une personne réelle",
        "local_law": "contenu illicite selon la loi du pays où elle réside",
    },
}

_SUBJECT: Mapping[str, str] = {
    "en": "Takedown request {reference}: {basis}",
    "ko": "삭제 요청 {reference}: {basis}",
    "id": "Permintaan penghapusan {reference}: {basis}",
    "fr": "Demande de retrait {reference} : {basis}",
}

_BODY: Mapping[str, str] = {
    "en": """To the {platform} trust and safety team,

We support a person affected by the content listed below and ask you to remove it
under {policy}. Basis: {basis}.

Content (URLs):
{urls}

Evidence held by us (SHA-256):
{hashes}

The person concerned has consented to this request. Please reply quoting {reference},
and tell us when each item has been removed.

{organisation}
""",
    "ko": """{platform} 신뢰 및 안전 담당자께,

저희는 아래 게시물로 피해를 입은 분을 지원하고 있으며, {policy}에 따라
해당 게시물의 삭제를 요청합니다. 근거: {basis}.

게시물 (URL):
{urls}

저희가 보관 중인 증거 (SHA-256):
{hashes}

피해자는 이 요청에 동의하였습니다. 회신 시 {reference}를 기재해 주시고,
각 게시물의 삭제 여부를 알려 주십시오.

{organisation}
""",
    "id": """Kepada tim trust and safety {platform},

Kami mendampingi seseorang yang terdampak oleh konten di bawah ini dan meminta Anda
menghapusnya berdasarkan {policy}. Dasar: {basis}.

Konten (URL):
{urls}

Bukti yang kami simpan (SHA-256):
{hashes}

Orang yang bersangkutan telah menyetujui permintaan ini. Mohon balas dengan menyebut
{reference}, dan beri tahu kami ketika setiap konten telah dihapus.

{organisation}
""",
    "fr": """À l'équipe confiance et sécurité de {platform},

Nous accompagnons une personne touchée par les contenus listés ci-dessous et vous
demandons de les retirer en application de {policy}. Fondement : {basis}.

Contenus (URL) :
{urls}

Preuves que nous conservons (SHA-256) :
{hashes}

La personne concernée a consenti à cette demande. Merci de répondre en citant
{reference} et de nous indiquer quand chaque contenu a été retiré.

{organisation}
""",
}


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def render_letter(
    *,
    platform: str,
    language: str,
    basis: str,
    reference: str,
    urls: Sequence[str],
    hashes: Sequence[str],
    organisation: str,
) -> Letter:
    if language not in TAKEDOWN_LANGUAGES:
        raise InvalidInput(f"letters exist in {', '.join(TAKEDOWN_LANGUAGES)}", field="language")
    if platform not in PLATFORM_POLICIES:
        raise InvalidInput("unknown platform", field="platform")
    if basis not in BASES:
        raise InvalidInput(f"basis must be one of {', '.join(BASES)}", field="basis")
    if not urls:
        raise InvalidInput("name at least one URL to remove", field="urls")
    basis_text = _BASIS_TEXT[language][basis]
    subject = _SUBJECT[language].format(reference=reference, basis=basis_text)
    body = _BODY[language].format(
        platform=platform.capitalize() if platform != "x" else "X",
        policy=PLATFORM_POLICIES[platform],
        basis=basis_text,
        urls="\n".join(f"  - {u}" for u in urls),
        hashes="\n".join(f"  - {h}" for h in hashes) or "  -",
        reference=reference,
        organisation=organisation,
    )
    return Letter(subject=subject, body=body)
