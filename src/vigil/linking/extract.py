"""All extractors together: one pass over a text, overlaps settled by priority."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from vigil.linking.accounts import HandleExtractor, UrlExtractor
from vigil.linking.base import Extractor, Identifier
from vigil.linking.contacts import (
    DEFAULT_PHONE_REGIONS,
    EmailExtractor,
    MessagingIdExtractor,
    PhoneExtractor,
)
from vigil.linking.payments import CardExtractor, CryptoWalletExtractor, IbanExtractor
from vigil.registry import Registry

BUILTIN_EXTRACTORS: tuple[type[Extractor], ...] = (
    CryptoWalletExtractor,
    IbanExtractor,
    EmailExtractor,
    CardExtractor,
    UrlExtractor,
    MessagingIdExtractor,
    PhoneExtractor,
    HandleExtractor,
)


def extractor_registry() -> Registry[type[Extractor]]:
    return Registry(Extractor, BUILTIN_EXTRACTORS)


def _fold_digits(text: str) -> str:
    """Full-width and other Unicode digits → ASCII, keeping every offset unchanged."""
    return "".join(
        str(unicodedata.digit(c))
        if c.isdigit() and not c.isascii() and unicodedata.digit(c, -1) >= 0
        else c
        for c in text
    )


class IdentifierExtractor:
    """Runs every extractor; where two findings overlap, the higher priority (then the longer)
    wins, so a wallet inside an explorer URL is a wallet and a phone inside an IBAN is not."""

    def __init__(
        self,
        extractors: Iterable[Extractor] | None = None,
        *,
        phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    ) -> None:
        if extractors is None:
            extractors = [
                PhoneExtractor(phone_regions) if cls is PhoneExtractor else cls()
                for cls in BUILTIN_EXTRACTORS
            ]
        self.extractors = sorted(extractors, key=lambda e: -e.priority)

    def extract(self, text: str) -> list[Identifier]:
        folded = _fold_digits(text)
        candidates: list[tuple[int, Identifier]] = []
        for extractor in self.extractors:
            for found in extractor.extract(folded):
                # Report the text as written, not as folded.
                original = text[found.start : found.end]
                if original != found.value:
                    found = Identifier(
                        found.type,
                        original,
                        found.normalized,
                        found.start,
                        found.end,
                        found.platform,
                        found.notes,
                    )
                candidates.append((extractor.priority, found))
        candidates.sort(key=lambda c: (-c[0], -(c[1].end - c[1].start), c[1].start))
        accepted: list[Identifier] = []
        for _priority, found in candidates:
            if all(found.end <= a.start or a.end <= found.start for a in accepted):
                accepted.append(found)
        return sorted(accepted, key=lambda i: (i.start, i.end))
