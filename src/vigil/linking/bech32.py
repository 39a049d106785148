"""Bech32 / Bech32m checksums for SegWit addresses (BIP-173, BIP-350).

Only verification is needed: a string that fails its checksum is not an address, which keeps
random words that happen to start with ``bc1`` out of the graph.
"""

from __future__ import annotations

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3
SEGWIT_HRPS = frozenset({"bc", "tb", "bcrt"})


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_GENERATOR):
            if (top >> i) & 1:
                checksum ^= gen
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def decode(address: str) -> tuple[str, list[int], int] | None:
    """``(hrp, data without checksum, constant)`` or None when malformed."""
    if address.lower() != address and address.upper() != address:
        return None  # mixed case is invalid by the standard
    address = address.lower()
    pos = address.rfind("1")
    if pos < 1 or pos + 7 > len(address) or len(address) > 90:
        return None
    hrp, body = address[:pos], address[pos + 1 :]
    if any(c not in CHARSET for c in body):
        return None
    data = [CHARSET.find(c) for c in body]
    const = _polymod(_hrp_expand(hrp) + data)
    if const not in (BECH32_CONST, BECH32M_CONST):
        return None
    return hrp, data[:-6], const


def is_segwit_address(address: str) -> bool:
    """True for a valid SegWit address: v0 with Bech32, v1+ with Bech32m (BIP-350)."""
    decoded = decode(address)
    if decoded is None:
        return False
    hrp, data, const = decoded
    if hrp not in SEGWIT_HRPS or not data or data[0] > 16:
        return False
    version = data[0]
    program_bits = (len(data) - 1) * 5
    program_bytes = program_bits // 8
    if program_bits % 8 >= 5 or not 2 <= program_bytes <= 40:
        return False
    if version == 0:
        return const == BECH32_CONST and program_bytes in (20, 32)
    return const == BECH32M_CONST


def _convert_bits(data: bytes, from_bits: int, to_bits: int) -> list[int]:
    acc, bits, out = 0, 0, []
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & ((1 << to_bits) - 1))
    if bits:
        out.append((acc << (to_bits - bits)) & ((1 << to_bits) - 1))
    return out


def encode_segwit(hrp: str, version: int, program: bytes) -> str:
    """A SegWit address (for tests and benchmarks that plant valid addresses)."""
    data = [version, *_convert_bits(program, 8, 5)]
    const = BECH32_CONST if version == 0 else BECH32M_CONST
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data + checksum)
