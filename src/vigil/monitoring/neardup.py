"""Near-duplicate grouping: posts with (almost) the same words share a group id.

Word 3-gram shingles of the normalised text (mentions, hashtags and links removed, since
copy-paste campaigns vary them) are MinHashed, a whole batch at once with numpy, and looked up
in a banded LSH index (16 bands of 4 rows: pairs above ~0.5 Jaccard collide in some band with
high probability). A candidate joins the group only if its estimated Jaccard similarity
reaches ``NEAR_DUP_THRESHOLD``. Memory is bounded: the index keeps the most recent
``capacity`` distinct texts and forgets the oldest.

The group id is a hash of the first text of the group, so it is the same in every process.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import OrderedDict
from typing import Any

import numpy as np
import numpy.typing as npt

#: Estimated Jaccard similarity of shingle sets at which two posts are near-duplicates.
NEAR_DUP_THRESHOLD = 0.6
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 3
DEFAULT_CAPACITY = 100_000

_NOISE = re.compile(r"https?://\S+|[@#][\w.\-@]+")
_WORD = re.compile(r"\w+")

U64 = npt.NDArray[np.uint64]


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(_NOISE.sub(" ", text.casefold())))


def shingles(normalised: str) -> list[str]:
    """The word 3-grams of a normalised text (the whole text when it is shorter)."""
    words = normalised.split()
    if len(words) < SHINGLE_WORDS:
        return [normalised]
    return [" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)]


def text_key(normalised: str) -> str:
    return hashlib.blake2b(normalised.encode(), digest_size=16).hexdigest()


def _odd_constants(count: int, seed: int) -> U64:
    rng = np.random.default_rng(seed)
    return rng.integers(1, 1 << 63, size=count, dtype=np.uint64) | np.uint64(1)


# Multiply-shift hashing (Dietzfelbinger): (a·x + b) mod 2**64, top 32 bits; a odd.
_A = _odd_constants(NUM_PERM, 1)
_B = _odd_constants(NUM_PERM, 2)
_SHINGLE_MIX = _odd_constants(SHINGLE_WORDS, 3)
_BAND_MIX = _odd_constants(ROWS, 4)
_BAND_SALT = _odd_constants(BANDS, 5)
_SHIFT = np.uint64(32)


def shingle_hashes(normalised_texts: list[str]) -> tuple[U64, npt.NDArray[np.int64]]:
    """Hashes of every text's shingles, concatenated in order, and how many each text has.

    Words are hashed once per distinct word; 3-word windows are mixed for the whole batch at
    once, and windows that straddle two texts are dropped. A text of fewer than three words
    is one shingle of its own.
    """
    split = [t.split() for t in normalised_texts]
    lengths = np.fromiter((len(ws) for ws in split), dtype=np.int64, count=len(split))
    vocab = {w: zlib.crc32(w.encode()) for w in {w for ws in split for w in ws}}
    total = int(lengths.sum())
    h = np.fromiter((vocab[w] for ws in split for w in ws), dtype=np.uint64, count=total)
    short = lengths < SHINGLE_WORDS
    counts = np.where(short, 1, lengths - (SHINGLE_WORDS - 1))
    out = np.empty(int(counts.sum()), dtype=np.uint64)
    slot = np.concatenate(([0], np.cumsum(counts)[:-1]))
    is_short_slot = np.zeros(len(out), dtype=bool)
    is_short_slot[slot[short]] = True
    ends = np.cumsum(lengths)
    with np.errstate(over="ignore"):
        if total >= SHINGLE_WORDS:
            windows = h[:-2] * _SHINGLE_MIX[0] + h[1:-1] * _SHINGLE_MIX[1] + h[2:] * _SHINGLE_MIX[2]
            doc_of = np.repeat(np.arange(len(split)), lengths)[: total - 2]
            valid = np.arange(total - 2) + 2 < ends[doc_of]
            out[~is_short_slot] = windows[valid]
        short_values = [
            int((h[end - n : end] * _SHINGLE_MIX[:n]).sum())
            for end, n in zip(ends[short].tolist(), lengths[short].tolist(), strict=True)
        ]
        out[is_short_slot] = np.array(short_values, dtype=np.uint64)
    return out, counts


def signatures(normalised_texts: list[str]) -> U64:
    """MinHash signatures, one row per text: per permutation, the least shingle hash."""
    hashes, counts = shingle_hashes(normalised_texts)
    with np.errstate(over="ignore"):
        values = (hashes[:, None] * _A[None, :] + _B[None, :]) >> _SHIFT
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return np.minimum.reduceat(values, starts, axis=0)


def band_keys(sigs: U64) -> list[list[int]]:
    """One integer per band and text: rows of a band hashed together, salted by band."""
    with np.errstate(over="ignore"):
        banded = sigs.reshape(len(sigs), BANDS, ROWS) * _BAND_MIX
        keys: U64 = banded.sum(axis=2, dtype=np.uint64) + _BAND_SALT
    return keys.tolist()  # type: ignore[no-any-return]


def jaccard_estimate(
    a: npt.NDArray[np.unsignedinteger[Any]], b: npt.NDArray[np.unsignedinteger[Any]]
) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


class NearDuplicates:
    """Assigns group ids, batch by batch, remembering the recent past only."""

    def __init__(
        self, *, threshold: float = NEAR_DUP_THRESHOLD, capacity: int = DEFAULT_CAPACITY
    ) -> None:
        self.threshold = threshold
        self.capacity = capacity
        # text key -> (group, signature as 32-bit values); insertion order is age
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        # band key (salted by band, so one table serves all bands) -> first text key
        self._bands: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def assign(self, texts: list[str]) -> list[str]:
        normalised = [normalise(t) for t in texts]
        keys = [text_key(n) for n in normalised]
        # Groups known before this batch, taken now: remembering this batch's new texts may
        # evict old ones (the memory is bounded) before the loop reaches their repeats.
        assigned: dict[str, str] = {}
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None and key not in assigned:
                assigned[key] = entry[0]
                self._entries.move_to_end(key)  # seen again: keep it longer
        fresh = [i for i, k in enumerate(keys) if k not in assigned]
        sigs = signatures([normalised[i] for i in fresh]) if fresh else None
        bands = band_keys(sigs) if sigs is not None else []
        row_of = {i: r for r, i in enumerate(fresh)}
        out: list[str] = []
        for i, key in enumerate(keys):
            if key in assigned:
                out.append(assigned[key])
                continue
            assert sigs is not None
            row = row_of[i]
            sig, mine = sigs[row], bands[row]
            group = key
            tried: set[str] = set()
            for band in mine:
                other = self._bands.get(band)
                if other is None or other in tried or other not in self._entries:
                    continue
                tried.add(other)
                candidate_group, candidate_sig = self._entries[other]
                if jaccard_estimate(sig, np.frombuffer(candidate_sig, dtype=np.uint32)) >= (
                    self.threshold
                ):
                    group = candidate_group
                    break
            self._remember(key, group, sig, mine)
            assigned[key] = group
            out.append(group)
        return out

    def _remember(self, key: str, group: str, sig: U64, bands: list[int]) -> None:
        self._entries[key] = (group, sig.astype(np.uint32).tobytes())
        for band in bands:
            self._bands.setdefault(band, key)
        while len(self._entries) > self.capacity:
            old, (_, old_sig) = self._entries.popitem(last=False)
            old_bands = band_keys(np.frombuffer(old_sig, dtype=np.uint32).astype(np.uint64)[None])
            for band in old_bands[0]:
                if self._bands.get(band) == old:
                    del self._bands[band]
