"""Normalisation for a whole batch at once: ``normalize_batch`` gives ``[normalize(t) for t
in texts]`` and ``fold_batch`` each text's table fold and what else ``normalize`` would do to
it. The table step runs with numpy over the batch joined into one UTF-32 array, and the tricks
test (leetspeak, spacing, stretching) as array shifts: only texts that need the regex steps
(or hold an unusual character) pay per-text work.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

from vigil.detection.normalize import SEPARATORS, char_table, normalize, undo_tricks
from vigil.detection.tables import cached_array

#: Code points the numpy table covers: the BMP and the mathematical alphanumerics.
_TABLE_SIZE: Final = 0x1D800


@lru_cache(maxsize=1)
def _code_table() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    """``char_table`` as an array for one-to-one mappings, and which code points map to
    something else (several characters or none): texts holding those use ``translate``."""
    table = np.arange(_TABLE_SIZE, dtype=np.uint32)
    special = np.zeros(_TABLE_SIZE, dtype=np.bool_)
    for cp, out in char_table().items():
        if len(out) == 1:
            table[cp] = ord(out)
        else:
            special[cp] = True
    return table, special


@lru_cache(maxsize=1)
def _class_table() -> npt.NDArray[np.uint8]:
    """Character classes of the BMP for the tricks test: bit 1 ``\\w``, 2 a-z, 4 a leet
    character, 8 a spacing separator, 16 Greek or Cyrillic."""
    return cached_array("trick_classes", _build_class_table, np.uint8, (0x10000,))


def _build_class_table() -> npt.NDArray[np.uint8]:
    table = np.zeros(0x10000, dtype=np.uint8)
    for cp in range(0x10000):
        ch = chr(cp)
        table[cp] = (
            (ch.isalnum() or ch == "_")
            | ("a" <= ch <= "z") << 1
            | (ch in "0123456789@$€£|!") << 2
            | (ch in SEPARATORS) << 3
            | (0x370 <= cp <= 0x3FF or 0x400 <= cp <= 0x52F) << 4
        )
    return table


def _trick_positions(codes: npt.NDArray[np.uint32]) -> list[npt.NDArray[np.int64]]:
    """Positions where ``normalize._TRICKS`` matches, found with array shifts (the regex costs
    ~0.1 µs a character); every alternative of ``_TRICKS`` is tested exactly. Three kinds: leetspeak
    or Greek/Cyrillic letters, spaced-out letters, a letter repeated three times. Returns
    where any matches, where the character step has work, and where letters may be spaced out
    (``_SPACED`` matches only there)."""
    n = codes.size
    cls = _class_table()[np.minimum(codes, 0xFFFF)]
    astral = np.flatnonzero(codes > 0xFFFF)
    if astral.size:  # rare: emoji and the like; their \w-ness from Python itself
        cls[astral] = [int(chr(c).isalnum()) for c in codes[astral].tolist()]
    word, az, leet, sep = cls & 1 > 0, cls & 2 > 0, cls & 4 > 0, cls & 8 > 0
    hits = [np.flatnonzero(cls & 16)]
    spaced_at = triple_at = np.zeros(0, dtype=np.int64)
    if n >= 3:  # (\w)\1\1
        same = (codes[:-2] == codes[1:-1]) & (codes[1:-1] == codes[2:])
        triple_at = np.flatnonzero(word[:-2] & same)
    pad = np.zeros(1, dtype=np.bool_)
    before_w = np.concatenate([pad, word[:-1]])  # char before is \w (none at the start)
    after_w = np.concatenate([word[1:], pad])
    if n >= 2:
        # [a-z][leet]+[a-z]: a run of leet characters with a-z on both sides
        edges = np.diff(np.concatenate([pad, leet, pad]).astype(np.int8))
        lo, hi = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        ok = (lo > 0) & (hi < n)
        lo, hi = lo[ok], hi[ok]
        hits.append(lo[az[lo - 1] & az[hi]])
        # (?<![\w@$])[@$0-9][a-z]{1,3}(?![a-z]): a run of 1-3 a-z letters after the sign
        a_edges = np.diff(np.concatenate([pad, az, pad]).astype(np.int8))
        a_lo, a_hi = np.flatnonzero(a_edges == 1), np.flatnonzero(a_edges == -1)
        sign = a_lo - 1
        ok = (sign >= 0) & (a_hi - a_lo <= 3)
        sign = sign[ok]
        ch = codes[sign]
        starts = (ch == ord("@")) | (ch == ord("$")) | ((ch >= ord("0")) & (ch <= ord("9")))
        prev = codes[np.maximum(sign - 1, 0)]
        free = (sign == 0) | ~(before_w[sign] | (prev == ord("@")) | (prev == ord("$")))
        hits.append(sign[starts & free])
    spread_at = spaced_at
    if n >= 5:  # (?<!\w)\w[sep]\w[sep]\w(?!\w)
        k = n - 4
        spread = ~before_w[:k] & word[:k] & sep[1 : k + 1] & word[2 : k + 2] & sep[3 : k + 3]
        spread &= word[4:]
        spaced_at = np.flatnonzero(spread & ~after_w[4:])
        # Where ``_SPACED`` may match: with "_", a word character and a separator, the
        # letters may go on past the fifth ("s_l_u_t_s"), which the trick test leaves out.
        spread_at = np.flatnonzero(spread)
    # What makes the character step do something once a trick is found: any leet character
    # before a-z (``_LEET_ANY``, even "@user"), or a Greek/Cyrillic letter.
    chars_at = np.concatenate([hits[0], np.flatnonzero(leet[:-1] & az[1:])]).astype(np.int64)
    found = np.concatenate([*hits, spaced_at, triple_at]).astype(np.int64)
    return [found, chars_at, spread_at]


def normalize_batch(texts: Sequence[str]) -> list[str]:
    """``[normalize(t) for t in texts]``, with the per-character table applied to the whole
    batch at once."""
    folded = _fold_batch(texts)
    if folded is None:
        return [normalize(t) for t in texts]
    parts, mapped, bounds, odd = folded
    found, chars, spaced = (
        set(np.searchsorted(bounds, at, side="right").tolist()) for at in _trick_positions(mapped)
    )
    # The remaining steps work token by token and never across a NUL (not a word character,
    # not a separator), so each group of texts that needs the same steps takes them joined:
    # one regex call per step for the group instead of one per text. Texts with odd
    # characters take the table once more, as ``normalize`` does (it is not idempotent there).
    groups = (
        (sorted(found & odd), True, True),
        (sorted((found - odd) & chars), True, False),
        (sorted(found - odd - chars), False, False),
    )
    for group, with_chars, refold in groups:
        if group:
            spread = with_chars or any(i in spaced for i in group)
            joined_group = "\x00".join(parts[i] for i in group)
            done = undo_tricks(joined_group, with_chars, spread, refold)
            for i, part in zip(group, done.split("\x00"), strict=True):
                parts[i] = part
    return parts


#: What ``normalize`` does to a text after its table fold (``fold_batch``).
PLAIN: Final = 0  # nothing: the fold, one character per character, is the normal form
TRICKY: Final = 1  # the trick steps; the table maps each character to one
OTHER: Final = 2  # anything (a character the table maps to several or none, a NUL)


def fold_batch(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """The table fold of each text and its kind (``PLAIN``, ``TRICKY``, ``OTHER``): a plain
    text's normal form is its fold, with the identity as offsets (``normalize_with_offsets``
    gives the same), and no NUL is in it; ``normalize`` takes a tricky one through the same
    steps as ``normalize_with_offsets``. The fold of an ``OTHER`` text means nothing."""
    folded = _fold_batch(texts)
    if folded is None:
        return list(texts), [OTHER] * len(texts)
    parts, mapped, bounds, odd = folded
    kinds = [PLAIN] * len(texts)
    for i in np.searchsorted(bounds, _trick_positions(mapped)[0], side="right").tolist():
        kinds[i] = TRICKY
    for i in odd:
        kinds[i] = OTHER
    return parts, kinds


def _fold_batch(
    texts: Sequence[str],
) -> tuple[list[str], npt.NDArray[np.uint32], npt.NDArray[np.int64], set[int]] | None:
    """The table fold of each text, of the batch joined by NULs as an array and where its NULs
    are, and the texts holding a character the table maps to several or none (folded with
    ``translate``); None for fewer than two texts or a NUL inside one."""
    joined = "\x00".join(texts)
    if len(texts) < 2 or joined.count("\x00") != len(texts) - 1:  # a NUL inside a text
        return None
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table, special = _code_table()
    inside = raw < _TABLE_SIZE
    idx = np.where(inside, raw, 0)
    mapped = np.where(inside, table[idx], raw)
    folded = mapped.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    parts = folded.split("\x00")
    bounds = np.flatnonzero(raw == 0)
    # Texts holding a character the table maps to several (… → ...) or none: ``translate``,
    # then the tricks test on the batch as folded.
    odd = set(np.searchsorted(bounds, np.flatnonzero(special[idx] & inside), side="right").tolist())
    if odd:
        for i in odd:
            parts[i] = texts[i].translate(char_table())
        mapped = np.frombuffer("\x00".join(parts).encode("utf-32-le", "surrogatepass"), np.uint32)
        bounds = np.flatnonzero(mapped == 0)
    return parts, mapped, bounds, odd
