"""The media engine's extension points: hashers and Hamming indexes.

This package knows nothing of the database or the web; it is usable from a notebook.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from vigil.media.hashes import Words

#: PDQ's default match threshold (Hamming distance, of 256 bits), as in ThreatExchange and HMA.
PDQ_DEFAULT_THRESHOLD = 31
#: Below this quality PDQ hashes of flat or tiny images match too much to be trusted.
PDQ_MIN_QUALITY = 50
#: Exact hashes match only at distance 0.
EXACT_THRESHOLD = 0


@dataclass(frozen=True)
class HashResult:
    """One file's hash: ``type`` names the hasher, ``quality`` is 0-100 (100 for exact hashes).

    ``variants`` are (kind, hex) hashes a bank keeps beside ``hash`` (trimmed borders, the
    frame hash); ``probes`` are (kind, hex) hashes a query also looks up (dihedral turns,
    crop zooms). Each kind is compared only with hashes of its own kind.
    """

    type: str
    hash: str
    quality: int
    variants: tuple[tuple[str, str], ...] = field(default=())
    probes: tuple[tuple[str, str], ...] = field(default=())

    def bank_hashes(self) -> tuple[tuple[str, str], ...]:
        return ((self.type, self.hash), *self.variants)

    def query_hashes(self) -> tuple[tuple[str, str], ...]:
        return tuple(dict.fromkeys(((self.type, self.hash), *self.variants, *self.probes)))


class Hasher(abc.ABC):
    """Turns a file into hashes. Subclasses set a stable ``name`` and the kinds they accept."""

    name: ClassVar[str]
    #: "image", "video" or "any".
    media: ClassVar[str]
    #: Whether hashes compare by Hamming distance (perceptual) or only by equality (exact).
    perceptual: ClassVar[bool]

    @abc.abstractmethod
    def hash_file(self, path: Path) -> HashResult:
        """Hash one file; ``vigil.errors.InvalidInput`` if it is unreadable or hostile."""

    def hash_bytes(self, data: bytes, *, filename: str = "upload") -> HashResult:
        """Hash an in-memory file (uploads); the default writes nothing to disk."""
        raise NotImplementedError(f"{self.name} hashes files only")


@dataclass(frozen=True)
class Match:
    """A query (by position in the batch) matched an indexed hash id at ``distance``."""

    query: int
    id: int
    distance: int


class Index(abc.ABC):
    """Hamming-distance search over 256-bit hashes with integer ids.

    Every implementation returns the same matches as brute force within its documented
    radius; the conformance tests check it.
    """

    name: ClassVar[str]

    @abc.abstractmethod
    def add(self, codes: Words, ids: npt.NDArray[np.int64]) -> None:
        """Add hashes (an (N, 4) uint64 array) with their ids; adding is incremental."""

    @abc.abstractmethod
    def remove(self, ids: Sequence[int] | npt.NDArray[np.int64]) -> int:
        """Remove every hash with one of ``ids``; returns how many were removed."""

    @abc.abstractmethod
    def search(self, queries: Words, radius: int) -> list[Match]:
        """All (query, id) pairs within ``radius``, the nearest first for each query."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """The number of live (not removed) hashes."""

    @abc.abstractmethod
    def nbytes(self) -> int:
        """Memory held by the index's arrays."""

    @abc.abstractmethod
    def save(self, path: Path) -> None:
        """Write the index to ``path`` in Vigil's own format (an .npz of plain arrays)."""

    @classmethod
    @abc.abstractmethod
    def load(cls, path: Path) -> Index:
        """Read an index written by ``save``; never unpickles anything."""
