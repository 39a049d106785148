"""Vigil's categories of technology-facilitated gender-based violence (see docs/taxonomy.md)."""

from __future__ import annotations

from typing import Final

GBV: Final = "gbv"
SEXIST_ABUSE: Final = "sexist_abuse"
THREAT: Final = "threat"
SEXUAL_HARASSMENT: Final = "sexual_harassment"
DOXXING: Final = "doxxing"
SEXTORTION: Final = "sextortion"
NCII: Final = "ncii"
LGBTQIA_HATE: Final = "lgbtqia_hate"

#: Every category a result carries a score for, in a fixed order; ``gbv`` is any of them.
CATEGORIES: Final[tuple[str, ...]] = (
    SEXIST_ABUSE,
    THREAT,
    SEXUAL_HARASSMENT,
    DOXXING,
    SEXTORTION,
    NCII,
    LGBTQIA_HATE,
)

#: Categories a statistical model can learn from the labelled data there is; the others
#: (doxxing, sextortion, ncii) come from lexicons and the PII detector.
LEARNED: Final[tuple[str, ...]] = (GBV, SEXIST_ABUSE, THREAT, SEXUAL_HARASSMENT, LGBTQIA_HATE)

DESCRIPTIONS: Final[dict[str, str]] = {
    SEXIST_ABUSE: "derogation, animosity and gendered insults aimed at women or girls",
    THREAT: "threats of violence or sexual violence, and incitement to harm",
    SEXUAL_HARASSMENT: "unwanted sexual remarks and sexual objectification",
    DOXXING: "exposing a person's private information (address, phone, identity numbers)",
    SEXTORTION: "coercion or blackmail with intimate images",
    NCII: "offering, requesting or sharing intimate images without consent",
    LGBTQIA_HATE: "hate against lesbian, gay, bisexual, trans, queer, intersex, asexual people",
}

#: Languages Vigil must recognise; ``sh`` stands for Bosnian, Croatian and Serbian together.
REQUIRED_LANGUAGES: Final[tuple[str, ...]] = ("en", "ko", "id", "fr", "ka", "sh", "mk", "dv", "ar")
