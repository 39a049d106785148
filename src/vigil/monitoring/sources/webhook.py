"""The authenticated HTTP ingest endpoint: partners and scrapers push posts to Vigil.

Each webhook source has its own bearer token, shown once when the source is added; only its
SHA-256 is stored. Posts arrive at ``POST /api/v1/monitoring/ingest/{source}`` as a JSON list
(or JSON Lines) of records in the ``vigil monitor ingest`` format.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator

from vigil.monitoring.base import Fetched, Source

TOKEN_BYTES = 32


def new_token() -> str:
    return "vgw_" + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    # Tokens are 256 random bits: a plain hash cannot be brute-forced, so no slow KDF.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class WebhookSource(Source):
    name = "webhook"
    description = "Posts pushed over HTTPS with this source's bearer token."
    passive = True

    def fetch(self) -> Iterator[Fetched]:
        return iter(())
