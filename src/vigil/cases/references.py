"""Case references: short, unguessable, easy to read aloud over a phone."""

from __future__ import annotations

import secrets

#: Crockford-style alphabet without 0/O, 1/I/L and U, which people confuse.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 3
GROUP_LENGTH = 4  # 12 symbols from 30: about 59 bits, far beyond guessing under rate limits


def new_reference(prefix: str = "VG") -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join((prefix, *groups))


def normalise_reference(text: str) -> str:
    return text.strip().upper().replace(" ", "")


PASSPHRASE_GROUPS = 5  # 20 symbols from 30: about 98 bits


def new_passphrase() -> str:
    """A passphrase to read off a screen and type on a phone: five groups of four."""
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
        for _ in range(PASSPHRASE_GROUPS)
    )


def passphrase_from_digest(digest: bytes) -> str:
    """A passphrase in the same shape, derived from 32 bytes (idempotent replays)."""
    symbols = [ALPHABET[b % len(ALPHABET)] for b in digest[: PASSPHRASE_GROUPS * GROUP_LENGTH]]
    return "-".join(
        "".join(symbols[i : i + GROUP_LENGTH])
        for i in range(0, PASSPHRASE_GROUPS * GROUP_LENGTH, GROUP_LENGTH)
    )


def normalise_passphrase(text: str) -> str:
    return "".join(text.split()).upper()
