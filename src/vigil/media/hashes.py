"""256-bit perceptual hashes: hex text, bytes and the (N, 4) uint64 arrays indexes work on.

Hex follows ThreatExchange and HMA: 64 lower-case hex digits, the hasher's first bit being the
most significant. Arrays hold each hash as four big-endian 64-bit words, so the Hamming
distance is the popcount of the XOR of the words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from vigil.errors import InvalidInput

HASH_BITS = 256
HASH_BYTES = HASH_BITS // 8
HASH_WORDS = HASH_BITS // 64
HEX_DIGITS = HASH_BITS // 4

_HEX = re.compile(r"^[0-9a-f]{64}$")

Words = npt.NDArray[np.uint64]


def normalise_hex(value: str, *, field: str = "pdq") -> str:
    """A 64-hex-digit hash in canonical (lower-case, stripped) form, or ``InvalidInput``."""
    text = value.strip().lower()
    if not _HEX.match(text):
        raise InvalidInput(
            f"{field}: not a 256-bit hash of 64 hex digits: {value[:80]!r}", field=field
        )
    return text


def bits_to_hex(bits: Iterable[int]) -> str:
    """Hex for a sequence of 256 bits, the first one most significant (ThreatExchange order)."""
    array = np.asarray(list(bits), dtype=np.uint8)
    if array.shape != (HASH_BITS,):
        raise InvalidInput(f"a hash has {HASH_BITS} bits, got {array.size}")
    return bytes(np.packbits(array)).hex()


def hex_to_bits(value: str) -> npt.NDArray[np.uint8]:
    raw = np.frombuffer(bytes.fromhex(normalise_hex(value)), dtype=np.uint8)
    return np.unpackbits(raw)


def hex_to_words(values: Sequence[str]) -> Words:
    """Parse many hashes at once into an (N, 4) uint64 array."""
    if not values:
        return np.zeros((0, HASH_WORDS), dtype=np.uint64)
    try:
        raw = bytes.fromhex("".join(values))
    except ValueError:
        for value in values:
            normalise_hex(value)
        raise
    if len(raw) != HASH_BYTES * len(values):
        for value in values:
            normalise_hex(value)
    return np.frombuffer(raw, dtype=">u8").reshape(-1, HASH_WORDS).astype(np.uint64)


def words_to_hex(words: Words) -> list[str]:
    data = np.ascontiguousarray(words, dtype=np.uint64).astype(">u8").tobytes()
    return [data[i : i + HASH_BYTES].hex() for i in range(0, len(data), HASH_BYTES)]


def hamming(a: str, b: str) -> int:
    """Hamming distance between two hex hashes."""
    x = int(normalise_hex(a), 16) ^ int(normalise_hex(b), 16)
    return x.bit_count()


def distances(queries: Words, codes: Words) -> npt.NDArray[np.int32]:
    """All pairwise distances, (len(queries), len(codes)); for small inputs and tests."""
    out = np.zeros((len(queries), len(codes)), dtype=np.int32)
    for w in range(HASH_WORDS):
        out += np.bitwise_count(queries[:, w, None] ^ codes[None, :, w]).astype(np.int32)
    return out


def random_words(count: int, rng: np.random.Generator) -> Words:
    """Uniformly random hashes (benchmarks and tests)."""
    return rng.integers(0, 2**64, size=(count, HASH_WORDS), dtype=np.uint64)


def flip_bits(words: Words, counts: npt.NDArray[np.int_], rng: np.random.Generator) -> Words:
    """Copies of ``words`` with ``counts[i]`` distinct random bits flipped in row ``i``."""
    out = words.copy()
    for i, k in enumerate(counts):
        for bit in rng.choice(HASH_BITS, size=int(k), replace=False):
            out[i, bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return out
