"""Payment identifiers (common in sextortion): IBANs, card numbers, crypto wallets.

Every candidate must pass its checksum (IBAN mod-97, Luhn, Base58Check, Bech32/Bech32m),
which keeps long numbers that only look like accounts out of the graph.
"""

from __future__ import annotations

import re
from typing import ClassVar

import base58
from stdnum import iban, luhn

from vigil.linking import bech32
from vigil.linking.base import Extractor, Identifier

_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])"
)
#: Cards as people write them: all digits, 4-4-4-4(-3), or Amex-style 4-6-5, one separator.
_CARD = re.compile(
    r"(?<![\d+-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?!\d|-\d)"
)
#: Issuer prefixes of the card networks people are asked to pay to.
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|62|9860|8600)")
_BASE58 = re.compile(r"(?<![A-Za-z0-9])[13T][1-9A-HJ-NP-Za-km-z]{25,34}(?![A-Za-z0-9])")
_BECH32 = re.compile(
    r"(?<![A-Za-z0-9])(?:bc1|tb1|BC1|TB1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}(?![A-Za-z0-9])"
)
_ETH = re.compile(r"(?<![A-Za-z0-9])0x[0-9a-fA-F]{40}(?![A-Za-z0-9])")

#: Base58Check version bytes: Bitcoin P2PKH and P2SH, and TRON (where USDT is often asked).
_BTC_VERSIONS = frozenset({0x00, 0x05})
_TRON_VERSION = 0x41


class IbanExtractor(Extractor):
    name = "iban"
    priority: ClassVar[int] = 80

    def extract(self, text: str) -> list[Identifier]:
        found = []
        for m in _IBAN.finditer(text):
            value = m.group(0).rstrip()
            # The pattern may swallow a following number ("… 8009 13:45"): drop trailing groups
            # until the checksum holds.
            while value:
                compact = iban.compact(value)
                if iban.is_valid(compact):
                    found.append(
                        Identifier("iban", value, compact, m.start(), m.start() + len(value))
                    )
                    break
                if " " not in value:
                    break
                value = value.rsplit(" ", 1)[0]
        return found


class CardExtractor(Extractor):
    name = "card"
    priority: ClassVar[int] = 70

    def extract(self, text: str) -> list[Identifier]:
        found = []
        for m in _CARD.finditer(text):
            value = m.group(0)
            digits = re.sub(r"\D", "", value)
            if _CARD_PREFIX.match(digits) and luhn.is_valid(digits):
                found.append(Identifier("card", value, digits, m.start(), m.end()))
        return found


def _base58_version(candidate: str) -> int | None:
    try:
        payload = base58.b58decode_check(candidate)
    except ValueError:
        return None
    return payload[0] if len(payload) == 21 else None


class CryptoWalletExtractor(Extractor):
    """Bitcoin (legacy, P2SH, SegWit), TRON and Ethereum-style addresses."""

    name = "crypto"
    priority: ClassVar[int] = 90

    def extract(self, text: str) -> list[Identifier]:
        found = []
        for m in _BASE58.finditer(text):
            value = m.group(0)
            version = _base58_version(value)
            if version in _BTC_VERSIONS and value[0] in "13":
                found.append(
                    Identifier("btc", value, value, m.start(), m.end(), notes=("base58check",))
                )
            elif version == _TRON_VERSION and value[0] == "T":
                found.append(
                    Identifier("tron", value, value, m.start(), m.end(), notes=("base58check",))
                )
        for m in _BECH32.finditer(text):
            value = m.group(0)
            if bech32.is_segwit_address(value):
                found.append(
                    Identifier("btc", value, value.lower(), m.start(), m.end(), notes=("bech32",))
                )
        for m in _ETH.finditer(text):
            value = m.group(0)
            # EIP-55 mixed case is a checksum we cannot check without Keccak; the lower-case
            # form is the address either way.
            found.append(Identifier("eth", value, value.lower(), m.start(), m.end()))
        return found
