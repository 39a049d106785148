"""Hashed character and word n-grams, computed for a whole batch at once with numpy.

Python loops over characters cap a classifier at a few thousand posts per second. Here the batch
is joined into one UTF-32 array and every n-gram of every text is hashed with array arithmetic:
a polynomial prefix hash (wrapping uint64) gives the hash of any substring in O(1), so character
n-grams, words and word bigrams all come from the same two arrays. Lower-casing uses a code-point
table so that offsets stay those of the original text (``str.lower`` may change lengths).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vigil.detection.tables import cached_array

if TYPE_CHECKING:  # imported where needed: scanning with the compiled kernel never needs it
    from scipy import sparse

    from vigil.detection.compiled import CompiledScorer

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Texts are cut to this many characters before hashing: enough for any post, bounded memory.
MAX_CHARS = 4000
SEPARATOR = 0  # code point between texts; never inside a text (NULs are mapped to spaces)
_BASE = np.uint64(0x100000001B3)  # FNV prime: odd, hence invertible modulo 2**64
_BASE_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
ORDER_SALT = 0xC2B2AE3D27D4EB4F


#: Below this share of distinct character n-grams a text counts as repetitive (``_scale``).
MIN_DISTINCT = 0.5
DISTINCT_ORDER = 4  # the n-gram order whose distinct share is measured
_SKETCH_BITS = 512  # per text, for the cheap bound in ``_distinct_share``


def _distinct_share(doc: I64, bucket: I64, n_docs: int) -> npt.NDArray[np.float64]:
    """Per text, the share of its n-grams (``bucket`` in text order) that are distinct, exact
    where it is below ``MIN_DISTINCT`` and otherwise any value at or above it.

    A bitmap of ``_SKETCH_BITS`` per text gives a lower bound (set bits <= distinct n-grams)
    at array speed; only texts whose bound is under the line are counted exactly.
    """
    counts = np.bincount(doc, minlength=n_docs)
    share = np.ones(n_docs, dtype=np.float64)
    if bucket.size == 0:
        return share
    sketch = np.zeros((n_docs, _SKETCH_BITS), dtype=np.bool_)
    sketch.reshape(-1)[doc * _SKETCH_BITS + (bucket & (_SKETCH_BITS - 1))] = True
    seen = counts > 0
    share[seen] = np.count_nonzero(sketch, axis=1)[seen] / counts[seen]
    low = np.flatnonzero(share < MIN_DISTINCT)
    if low.size:  # exact, for all of them in one sort: distinct (text, bucket) pairs
        mine = np.isin(doc, low)
        pairs = np.unique(doc[mine] * (1 << 32) + bucket[mine])
        share[low] = np.bincount(pairs >> 32, minlength=n_docs)[low] / counts[low]
    return share


@lru_cache(maxsize=1)
def _fold_table() -> npt.NDArray[np.uint32]:
    """Lower-case map of the Basic Multilingual Plane that never changes a text's length."""
    return cached_array("feature_fold", _build_fold_table, np.uint32, (0x10000,))


def _build_fold_table() -> npt.NDArray[np.uint32]:
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
def word_table() -> npt.NDArray[np.bool_]:
    """Which BMP code points belong to words: letters, marks and digits."""
    return cached_array("word_chars", _build_word_table, np.bool_, (0x10000,))


def _build_word_table() -> npt.NDArray[np.bool_]:
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
    folded = _fold_table()[np.minimum(raw, 0xFFFF)]
    codes = np.where(raw < 0x10000, folded, raw)
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
    scale: npt.NDArray[np.float32]  # per text, as ``Hasher.blocks`` scales its rows


@dataclass
class Featurized:
    """A batch hashed once: every n-gram as (order: > 0 characters, < 0 words; start
    positions in the batch; buckets), and each text's scale."""

    enc: Encoded
    parts: list[tuple[int, I64, I64]]
    scale: npt.NDArray[np.float32]
    indptr: list[I64]  # per part: where each text's n-grams start (CSR row pointers)


@dataclass
class Words:
    doc: I64
    start: I64  # in the text
    end: I64
    gstart: I64  # in the batch
    gend: I64
    offsets: I64  # where each word's text starts in the batch


def _row_pointers(enc: Encoded, parts: list[tuple[int, I64, I64]]) -> list[I64]:
    """Per part, where each text's n-grams start: texts are contiguous in the batch and
    n-grams sorted by position, so a binary search, not a count per n-gram."""
    return [np.append(np.searchsorted(pos, enc.starts), pos.size) for _o, pos, _b in parts]


def _word_mask(enc: Encoded) -> npt.NDArray[np.bool_]:
    # emoji and rare scripts beyond the BMP count as word characters
    return word_table()[np.minimum(enc.codes, 0xFFFF)] | (enc.codes >= 0x10000)


def _word_bounds(enc: Encoded, word: npt.NDArray[np.bool_] | None = None) -> tuple[I64, I64]:
    word = _word_mask(enc) if word is None else word
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


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

    def _hash(self, h: U64, salt: int) -> I64:
        h = (h + np.uint64(salt % 2**64)) * _MIX
        return (h >> np.uint64(64 - self.bits)).view(np.int64)

    def _char_grams(self, enc: Encoded) -> Iterator[tuple[int, I64, I64]]:
        """(order, start positions, buckets) of character n-grams, in position order.

        Rolling hashes over contiguous slices: no gathers, so this runs at memory speed.
        """
        codes = enc.codes.astype(np.uint64) + np.uint64(1)
        n = codes.shape[0]
        is_sep = (enc.codes == SEPARATOR).astype(np.int32)
        sep_before = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(is_sep, out=sep_before[1:])
        rolling = codes
        for order in range(1, max(self.char_orders, default=0) + 1):
            if order > 1:
                rolling = rolling[:-1] * _BASE + codes[order - 1 :]
            if order not in self.char_orders or rolling.shape[0] == 0:
                continue
            count = rolling.shape[0]
            ok = sep_before[order : order + count] == sep_before[:count]
            pos = np.flatnonzero(ok)
            yield order, pos, self._hash(rolling[ok], order * ORDER_SALT)

    def words(self, texts: list[str]) -> Words:
        """Word runs of a batch, in global and per-text coordinates."""
        enc = encode(texts)
        w_start, w_end = _word_bounds(enc)
        doc = enc.doc_of[w_start]
        offset = enc.starts[doc]
        return Words(doc, w_start - offset, w_end - offset, w_start, w_end, enc.starts)

    def _word_grams(self, enc: Encoded) -> Iterator[tuple[int, I64, I64, I64]]:
        """(order, start, end, buckets) of word n-grams (words: runs of letters and digits)."""
        word = _word_mask(enc)
        w_start, w_end = _word_bounds(enc, word)
        if w_start.size == 0:
            return
        # Polynomial hash of each word from a prefix sum over word characters only.
        codes = enc.codes.astype(np.uint64) + np.uint64(1)
        n = codes.shape[0]
        powers = np.full(n, _BASE, dtype=np.uint64)
        powers[0] = 1
        powers = np.cumprod(powers, dtype=np.uint64)
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(codes * powers * word, dtype=np.uint64, out=prefix[1:])
        inv = np.full(n, _BASE_INV, dtype=np.uint64)
        inv[0] = 1
        inv_at = np.cumprod(inv, dtype=np.uint64)[w_start]
        w_hash = (prefix[w_end] - prefix[w_start]) * inv_at
        w_doc = enc.doc_of[w_start]
        for order in self.word_orders:
            if w_start.size < order:
                continue
            k = w_start.size - order + 1
            h = w_hash[:k].copy()
            for j in range(1, order):
                h = h * _MIX + w_hash[j : j + k]
            ok = w_doc[:k] == w_doc[order - 1 :]
            yield (
                order,
                w_start[:k][ok],
                w_end[order - 1 :][ok],
                self._hash(h[ok], 7919 * order * ORDER_SALT),
            )

    def grams(self, texts: list[str]) -> Grams:
        """Every n-gram occurrence with its span: for explanations."""
        enc = encode(texts)
        docs: list[I64] = []
        starts: list[I64] = []
        ends: list[I64] = []
        buckets: list[I64] = []
        parts: list[tuple[int, I64, I64]] = []
        for order, pos, bucket in self._char_grams(enc):
            docs.append(enc.doc_of[pos])
            starts.append(pos)
            ends.append(pos + order)
            buckets.append(bucket)
            parts.append((order, pos, bucket))
        for order, first, last, bucket in self._word_grams(enc):
            docs.append(enc.doc_of[first])
            starts.append(first)
            ends.append(last)
            buckets.append(bucket)
            parts.append((-order, first, bucket))
        scale = self._scale(enc, parts, _row_pointers(enc, parts))
        if not docs:
            empty = np.zeros(0, dtype=np.int64)
            return Grams(empty, empty, empty, empty, scale)
        doc = np.concatenate(docs)
        offset = enc.starts[doc]
        return Grams(
            doc=doc,
            start=np.concatenate(starts) - offset,
            end=np.concatenate(ends) - offset,
            bucket=np.concatenate(buckets),
            scale=scale,
        )

    def featurize(self, texts: list[str]) -> Featurized:
        """Hash a batch once: scoring (``scores_of``) and explanations (``word_sums``) read it."""
        enc = encode(texts)
        parts = [(o, pos, b) for o, pos, b in self._char_grams(enc)]
        parts += [(-o, first, b) for o, first, _l, b in self._word_grams(enc)]
        indptr = _row_pointers(enc, parts)
        return Featurized(enc, parts, self._scale(enc, parts, indptr), indptr)

    def word_sums(
        self,
        texts: list[str],
        column: npt.NDArray[np.float32],
        featurized: Featurized | None = None,
        docs: I64 | None = None,
    ) -> tuple[Words, F64]:
        """The words of ``texts`` and, per word, the summed contributions ``column[bucket]``
        (scaled as ``blocks`` scales) of the n-grams that start in it: for explanations.
        With ``featurized`` (a batch hashed for scoring) and ``docs`` (which of its texts
        ``texts`` are), nothing is hashed again. One pass over the n-grams, no sorting."""
        feat = featurized if featurized is not None else self.featurize(texts)
        enc = feat.enc
        n_docs = enc.starts.shape[0]
        chosen = np.arange(n_docs) if docs is None else docs
        position = np.full(n_docs, -1, dtype=np.int64)  # batch text -> index in ``texts``
        position[chosen] = np.arange(chosen.size)
        w_start, w_end = _word_bounds(enc)
        keep = position[enc.doc_of[w_start]] >= 0
        w_start, w_end = w_start[keep], w_end[keep]
        batch_doc = enc.doc_of[w_start]
        offset = enc.starts[batch_doc]
        words = Words(position[batch_doc], w_start - offset, w_end - offset, w_start, w_end, offset)
        # The word each position of the batch belongs to (-1: none, or a text not asked for).
        lengths = w_end - w_start
        word_of = np.full(enc.codes.shape[0] + 1, -1, dtype=np.int64)
        first = np.repeat(w_start - np.cumsum(lengths) + lengths, lengths)
        word_of[first + np.arange(int(lengths.sum()))] = np.repeat(np.arange(w_start.size), lengths)
        sums = np.zeros(w_start.size, dtype=np.float64)
        for _o, pos, bucket in feat.parts:
            owner = word_of[pos]
            ok = owner >= 0
            weight = column[bucket[ok]] * feat.scale[enc.doc_of[pos[ok]]]
            sums += np.bincount(owner[ok], weights=weight, minlength=w_start.size)
        return words, sums

    def blocks(self, texts: list[str]) -> tuple[list[sparse.csr_matrix], npt.NDArray[np.float32]]:
        """One count matrix per n-gram order (rows already in text order, so no sorting),
        and each text's scale (``_scale``)."""
        feat = self.featurize(texts)
        return self._blocks(feat), feat.scale

    def _blocks(self, feat: Featurized) -> list[sparse.csr_matrix]:
        from scipy import sparse

        n_docs = feat.enc.starts.shape[0]
        mats: list[sparse.csr_matrix] = []
        for (_o, _pos, bucket), indptr in zip(feat.parts, feat.indptr, strict=True):
            data = np.ones(bucket.shape[0], dtype=np.float32)
            mats.append(sparse.csr_matrix((data, bucket, indptr), shape=(n_docs, self.n_buckets)))
        return mats

    def _scale(
        self, enc: Encoded, parts: list[tuple[int, I64, I64]], indptr: list[I64]
    ) -> npt.NDArray[np.float32]:
        """Each text's scale: 1/sqrt(number of n-grams), lowered for repetitive texts.

        Counts grow with every copy of a repeated string, so "slut slut slut …" would score
        ~sqrt(copies) times "slut". Natural text has over half of its character n-grams
        distinct (99.5 % of the dev posts), a string repeated k times about 1/k: below
        ``MIN_DISTINCT`` the scale shrinks by sqrt(distinct share / MIN_DISTINCT), so any
        number of copies scores about like two, and other texts keep their scores exactly.
        """
        n_docs = enc.starts.shape[0]
        total = np.zeros(n_docs, dtype=np.int64)
        for rows in indptr:
            total += np.diff(rows)
        scale = 1.0 / np.sqrt(np.maximum(total, 1))
        chars = [o for o, _p, _b in parts if o > 0]
        if chars:
            order = DISTINCT_ORDER if DISTINCT_ORDER in chars else max(chars)
            _o, pos, bucket = next(p for p in parts if p[0] == order)
            share = _distinct_share(enc.doc_of[pos], bucket, n_docs)
            scale *= np.sqrt(np.minimum(share / MIN_DISTINCT, 1.0))
        return scale.astype(np.float32)

    def matrix(self, texts: list[str]) -> sparse.csr_matrix:
        from scipy import sparse

        """The scaled feature matrix of a batch: for training."""
        mats, scale = self.blocks(texts)
        if not mats:
            empty = np.zeros(0, dtype=np.int64)
            indptr = np.zeros(len(texts) + 1, dtype=np.int64)
            data = np.zeros(0, dtype=np.float32)
            return sparse.csr_matrix((data, empty, indptr), shape=(len(texts), self.n_buckets))
        x = mats[0]
        for m in mats[1:]:
            x = x + m
        return sparse.csr_matrix(sparse.diags(scale) @ x)

    def scores(
        self,
        texts: list[str],
        weights: npt.NDArray[np.float32],
        scorer: CompiledScorer | None = None,
    ) -> npt.NDArray[np.float32]:
        """Linear scores ``X @ weights`` (scaled as ``matrix`` scales): by the compiled kernel
        where it was built (``scorer``: ``weights`` bound to it once, for repeated calls),
        else by ``scores_of`` on the batch hashed with numpy."""
        from vigil.detection.compiled import CompiledScorer

        scorer = scorer or CompiledScorer.bind(self, weights)
        if scorer is None:
            return self.scores_of(self.featurize(texts), weights)
        return scorer.scores(texts)[0]

    def scores_of(
        self, feat: Featurized, weights: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        out = np.zeros((feat.scale.shape[0], weights.shape[1]), dtype=np.float32)
        for m in self._blocks(feat):
            out += m @ weights
        return out * feat.scale[:, None]

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
