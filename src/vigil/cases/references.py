"""Case references: short, unguessable, easy to read aloud over a phone."""

from __future__ import annotations

import secrets

#: Crockford-style alphabet without 0/O, 1/I/L and U, which people confuse.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 3
GROUP_LENGTH = 4  # 12 symbols from 30: about 59 bits, far beyond guessing under rate limits


def new_reference(prefix: str = "VG") -> str:
    groups = (
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
    )
    return "-".join((prefix, *groups))


def normalise_reference(text: str) -> str:
    return text.strip().upper().replace(" ", "")
