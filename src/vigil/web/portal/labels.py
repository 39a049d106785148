"""Plain-word labels for the portal's choices; ``N_`` marks them for the catalogues."""

from __future__ import annotations

from collections.abc import Mapping


def N_(text: str) -> str:  # noqa: N802  (the gettext convention for "translate later")
    return text


CATEGORIES: Mapping[str, tuple[str, str]] = {
    "harassment": (N_("Harassment"), N_("Repeated insults, abuse or unwanted messages.")),
    "threat": (N_("Threats"), N_("Someone threatens to hurt you or people close to you.")),
    "ncii": (
        N_("Intimate images shared"),
        N_("Private or sexual pictures or videos of you shared, or made, without your consent."),
    ),
    "sextortion": (
        N_("Sextortion"),
        N_("Someone demands money, images or sex, threatening to share pictures of you."),
    ),
    "doxxing": (
        N_("Private information posted"),
        N_("Your address, phone number or other personal details made public."),
    ),
    "sexual_harassment": (
        N_("Sexual harassment"),
        N_("Unwanted sexual messages, comments or pictures."),
    ),
    "sexist_abuse": (
        N_("Hateful attacks"),
        N_("Attacks because you are a woman, or because of who you are."),
    ),
    "lgbtqia_hate": (
        N_("Attacks for who you love or who you are"),
        N_("Hate because you are lesbian, gay, bisexual, trans, queer or intersex."),
    ),
    "stalking": (N_("Stalking"), N_("Someone follows or watches what you do, online or offline.")),
    "impersonation": (
        N_("Fake profile"),
        N_("Someone pretends to be you, or uses your pictures or name."),
    ),
    "other": (N_("Something else"), N_("Tell us in your own words.")),
}

PURPOSES: Mapping[str, tuple[str, str]] = {
    "investigation": (
        N_("Look into what happened"),
        N_("Our team may study your report and the accounts involved."),
    ),
    "referral": (
        N_("Connect me with services"),
        N_(
            "We may share what is needed with a service you agree to, such as legal aid "
            "or counselling."
        ),
    ),
    "takedown": (
        N_("Ask platforms to remove content"),
        N_("We may send the links and evidence fingerprints to the platform, never your name."),
    ),
    "statistics": (
        N_("Count my report in statistics"),
        N_("Only anonymous numbers, which never show who you are."),
    ),
    "hash_sharing": (
        N_("Help block re-uploads"),
        N_(
            "A fingerprint of your images (not the images) may be shared so platforms can "
            "block copies."
        ),
    ),
}

WANTS: Mapping[str, str] = {
    "removal": N_("Get the content removed"),
    "investigation": N_("Have it investigated"),
    "support": N_("Get support"),
    "record": N_("Just keep a record"),
}

STATUSES: Mapping[str, str] = {
    "new": N_("Received. Nobody has read it yet."),
    "in_assessment": N_("A caseworker is reading your report."),
    "active": N_("We are working on your case."),
    "referred": N_("We connected your case with a support service."),
    "closed": N_("Your case is closed."),
}

PLATFORMS: Mapping[str, str] = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X (Twitter)",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "kakaotalk": "KakaoTalk",
    "naver": "NAVER",
    "other": N_("Another website or app"),
}
