"""The linking engine's extension point: identifier extractors.

An extractor finds one family of identifiers (phones, e-mails, wallets, …) in free text and
returns them normalised, so that the same phone written three ways in three cases becomes one
node of the entity graph. This module knows nothing of the database or the web.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import ClassVar

#: Identifier types, as printed by ``vigil link extract`` (scripts rely on these names).
IDENTIFIER_TYPES = (
    "phone",
    "email",
    "url",
    "handle",
    "profile_url",
    "messaging_id",
    "iban",
    "card",
    "btc",
    "eth",
    "tron",
)

#: Which identifiers name an account on a platform (they share the ``account`` entity kind).
ACCOUNT_TYPES = frozenset({"handle", "profile_url", "messaging_id"})


@dataclass(frozen=True)
class Identifier:
    """One identifier found in a text: ``value`` as written, ``normalized`` as compared.

    ``start``/``end`` are character offsets into the text (Python string indices).
    ``platform`` is set for accounts when the platform is known; ``notes`` carries facts an
    investigator should see (``"shortener"``, ``"checksum"``, ``"deobfuscated"``).
    """

    type: str
    value: str
    normalized: str
    start: int
    end: int
    platform: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def entity_kind(self) -> str:
        """The graph node kind: every way of naming an account is an ``account``."""
        return "account" if self.type in ACCOUNT_TYPES else self.type

    def as_json(self, source_id: object) -> dict[str, object]:
        """The ``vigil link extract`` line (keys and order are a public format)."""
        return {
            "id": source_id,
            "type": self.type,
            "value": self.value,
            "normalized": self.normalized,
            "start": self.start,
            "end": self.end,
        }


class Extractor(abc.ABC):
    """Finds one family of identifiers. ``priority`` settles overlaps: higher wins."""

    name: ClassVar[str]
    priority: ClassVar[int]

    @abc.abstractmethod
    def extract(self, text: str) -> list[Identifier]:
        """All identifiers of this family in ``text``, validated and normalised."""
