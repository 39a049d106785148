"""Extension points of the cases service: where evidence bytes go, and how e-mail leaves."""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int


class EvidenceStore(abc.ABC):
    """Keeps the bytes of files survivors and staff upload.

    The built-in store writes encrypted files under the data folder; the evidence vault
    (``vigil.evidence``) can implement this interface to take over, with custody logging.
    ``put`` must be durable before it returns: the database row is written only afterwards.
    """

    name: str

    @abc.abstractmethod
    def put(self, data: bytes, *, media_type: str) -> StoredObject: ...

    @abc.abstractmethod
    def get(self, key: str) -> bytes: ...

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the bytes for good; a missing key is not an error."""


@dataclass(frozen=True)
class OutgoingMail:
    recipient: str
    subject: str
    body: str


class MailSender(abc.ABC):
    """Sends one approved e-mail and returns its Message-ID."""

    name: str

    @abc.abstractmethod
    def send(self, mail: OutgoingMail) -> str: ...
