"""Hashed character and word n-grams, computed for a whole batch at once with numpy.

Python loops over characters cap a classifier at a few thousand posts per second. Here the batch
is joined into one UTF-32 array and every n-gram of every text is hashed with array arithmetic:
a polynomial prefix hash (wrapping uint64) gives the hash of any substring in O(1), so character
n-grams, words and word bigrams all come from the same two arrays. Lower-casing uses a code-point
table so that offsets stay those of the original text (``str.lower`` may change lengths).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import sparse

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

#: Texts are cut to this many characters before hashing: enough for any post, bounded memory.
MAX_CHARS = 4000
SEPARATOR = 0  # code point between texts; never inside a text (NULs are mapped to spaces)
_BASE = np.uint64(0x100000001B3)  # FNV prime: odd, hence invertible modulo 2**64
_BASE_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_ORDER_SALT = 0xC2B2AE3D27D4EB4F


@lru_cache(maxsize=1)
def _fold_table() -> npt.NDArray[np.uint32]:
    """Lower-case map of the Basic Multilingual Plane that never changes a text's length."""
    table = np.arange(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        low = ch.lower()
        if len(low) == 1 and low != ch:
            table[cp] = ord(low)
        elif unicodedata.category(ch) in ("Zs", "Cc") or ch in "\u200b\u200c\u200d\ufeff":
            table[cp] = 32  # every space, tab, newline and zero-width joiner becomes one space
    table[SEPARATOR] = 32
    return table


@lru_cache(maxsize=1)
def _word_table() -> npt.NDArray[np.bool_]:
    """Which BMP code points belong to words: letters, marks and digits."""
    table = np.zeros(0x10000, dtype=np.bool_)
    for cp in range(0x10000):
        table[cp] = unicodedata.category(chr(cp))[0] in "LMN"
    return table


@dataclass
class Encoded:
    """A batch as one array of folded code points, plus where each text starts."""

    codes: npt.NDArray[np.uint32]
    starts: I64  # offset of each text's first character in ``codes``
    lengths: I64
    doc_of: I64 = field(repr=False)  # text index of every position (separators: the next text)


def encode(texts: list[str]) -> Encoded:
    cut = [t[:MAX_CHARS].replace("\x00", " ") for t in texts]
    joined = "\x00".join(cut)
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = raw.copy()
    bmp = codes < 0x10000
    codes[bmp] = _fold_table()[codes[bmp]]
    codes[raw == SEPARATOR] = SEPARATOR
    lengths = np.fromiter((len(t) for t in cut), dtype=np.int64, count=len(cut))
    starts = np.zeros(len(cut), dtype=np.int64)
    if len(cut) > 1:
        starts[1:] = np.cumsum(lengths[:-1] + 1)
    doc_of = np.cumsum(raw == SEPARATOR, dtype=np.int64)
    return Encoded(codes=codes, starts=starts, lengths=lengths, doc_of=doc_of)


@dataclass
class Grams:
    """Every n-gram occurrence of a batch: its text, start, end (in the text) and bucket."""

    doc: I64
    start: I64
    end: I64
    bucket: I64


class Hasher:
    """Maps a batch of texts to hashed n-gram occurrences and to a sparse count matrix."""

    def __init__(
        self,
        bits: int = 20,
        char_orders: tuple[int, ...] = (2, 3, 4, 5),
        word_orders: tuple[int, ...] = (1, 2),
    ) -> None:
        self.bits = bits
        self.char_orders = char_orders
        self.word_orders = word_orders

    @property
    def n_buckets(self) -> int:
        return 1 << self.bits

    def grams(self, texts: list[str]) -> Grams:
        enc = encode(texts)
        codes = enc.codes.astype(np.uint64)
        n = codes.shape[0]
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return Grams(empty, empty, empty, empty)
        powers = np.empty(n, dtype=np.uint64)
        powers[0] = 1
        powers[1:] = _BASE
        powers = np.cumprod(powers, dtype=np.uint64)
        inv = np.empty(n, dtype=np.uint64)
        inv[0] = 1
        inv[1:] = _BASE_INV
        inv = np.cumprod(inv, dtype=np.uint64)
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum((codes + np.uint64(1)) * powers, dtype=np.uint64, out=prefix[1:])
        is_sep = enc.codes == SEPARATOR
        sep_before = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(is_sep, out=sep_before[1:])

        def substring(a: I64, b: I64, salt: int) -> I64:
            h = (prefix[b] - prefix[a]) * inv[a]
            h = (h + np.uint64(salt % 2**64)) * _MIX
            return (h >> np.uint64(64 - self.bits)).astype(np.int64)

        docs: list[I64] = []
        starts: list[I64] = []
        ends: list[I64] = []
        buckets: list[I64] = []
        positions = np.arange(n, dtype=np.int64)
        for order in self.char_orders:
            if n < order:
                continue
            a = positions[: n - order + 1]
            ok = sep_before[a + order] == sep_before[a]
            a = a[ok]
            docs.append(enc.doc_of[a])
            starts.append(a)
            ends.append(a + order)
            buckets.append(substring(a, a + order, order * _ORDER_SALT))
        word = np.zeros(n, dtype=np.bool_)
        bmp = enc.codes < 0x10000
        word[bmp] = _word_table()[enc.codes[bmp]]
        word[~bmp] = True  # emoji and rare scripts: one "word" character each
        edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
        w_start = np.flatnonzero(edges == 1)
        w_end = np.flatnonzero(edges == -1)
        w_doc = enc.doc_of[w_start] if w_start.size else np.zeros(0, dtype=np.int64)
        for order in self.word_orders:
            if w_start.size < order:
                continue
            first = w_start[: w_start.size - order + 1]
            last = w_end[order - 1 :]
            ok = w_doc[: w_start.size - order + 1] == w_doc[order - 1 :]
            first, last = first[ok], last[ok]
            docs.append(enc.doc_of[first])
            starts.append(first)
            ends.append(last)
            buckets.append(substring(first, last, 7919 * order * _ORDER_SALT))
        if not docs:
            empty = np.zeros(0, dtype=np.int64)
            return Grams(empty, empty, empty, empty)
        doc = np.concatenate(docs)
        start = np.concatenate(starts)
        offset = enc.starts[doc]
        return Grams(
            doc=doc,
            start=start - offset,
            end=np.concatenate(ends) - offset,
            bucket=np.concatenate(buckets),
        )

    def matrix(self, texts: list[str]) -> tuple[sparse.csr_matrix, npt.NDArray[np.float32]]:
        """Counts per (text, bucket) and each text's scale 1/sqrt(number of n-grams)."""
        g = self.grams(texts)
        counts = np.bincount(g.doc, minlength=len(texts))
        order = np.argsort(g.doc, kind="stable")
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        data = np.ones(g.doc.shape[0], dtype=np.float32)
        x = sparse.csr_matrix(
            (data, g.bucket[order], indptr), shape=(len(texts), self.n_buckets)
        )
        scale = (1.0 / np.sqrt(np.maximum(counts, 1))).astype(np.float32)
        return x, scale

    def to_json(self) -> dict[str, object]:
        return {
            "bits": self.bits,
            "char_orders": list(self.char_orders),
            "word_orders": list(self.word_orders),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Hasher:
        bits = data["bits"]
        chars = data["char_orders"]
        words = data["word_orders"]
        assert isinstance(bits, int) and isinstance(chars, list) and isinstance(words, list)
        return cls(bits=bits, char_orders=tuple(chars), word_orders=tuple(words))
