"""Text normalisation for lexicon matching: the tricks people use to dodge word lists.

Three steps, the same in the fast path (all texts) and the slow path (texts with a lexicon hit,
where we also need offsets into the original text):

1. a per-character table: NFKC compatibility folding (full-width and mathematical letters),
   lower case, Latin accents stripped, homoglyphs (Cyrillic/Greek letters that look Latin, inside
   words that also hold Latin letters) and leetspeak (``4``→a, ``3``→e, ``0``→o, ``@``→a, …)
   mapped to Latin letters, zero-width characters dropped;
2. spaced-out words joined: ``s l u t``, ``s.l.u.t``, ``s-l-u-t`` → ``slut``;
3. letters repeated three or more times squeezed: ``sluuuut`` → ``slut``.

``normalize_batch`` gives the same result for a whole batch, the table step done with numpy over
one UTF-32 array: only texts that need steps 2-3 (or an unusual character) pay per-text work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

LEET: Final[dict[str, str]] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "@": "a",
    "$": "s",
    "€": "e",
    "£": "l",
    "|": "l",
    "!": "i",
}
#: Letters of other scripts that look like Latin ones (the usual homograph set).
HOMOGLYPHS: Final[dict[str, str]] = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "һ": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "к": "k",
    "м": "m",
    "т": "t",
    "в": "b",
    "н": "h",
    "α": "a",
    "ο": "o",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ѵ": "v",
}
#: What may separate spaced-out letters (``s.l.u.t``); the spacing step deletes them (and
#: ``skeleton.py`` relies on it deleting nothing else).
SEPARATORS: Final = " .-_*·"
_SEP = "[" + re.escape(SEPARATORS) + "]"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# A lone "a"/"i" before a spaced-out word is a real word ("you are a s l u t").
_SPACED = re.compile(r"(?<!\w)(?![ai] )(?:\w" + _SEP + r"){2,}\w(?!\w)")
_SEPARATORS = re.compile(_SEP)
_REPEATS = re.compile(r"(\w)\1{2,}")
# A leet character counts only inside a word, before a letter: "b1tch", "wh0re", "@ss".
# Whole tokens only (the lookbehind): without it, a long run of letters with no leet in it
# (4,000 Hangul characters) was tried from every position, quadratic in its length.
_LEET_TOKEN = re.compile(r"(?<![\w@$€£|!])[\w@$€£|!]*?[0-9@$€£|!][a-z][\w@$€£|!]*")
_LEET_ANY = re.compile(r"[0-9@$€£|!][a-z]")
_MIXED = re.compile(r"[a-z]")
_HOMOGLYPH_ANY = re.compile("[" + "".join(HOMOGLYPHS) + "]")
_KEEP_NFKC = range(0x3130, 0x3190)  # Hangul compatibility jamo (ㅅㅂ) must stay as typed


@lru_cache(maxsize=1)
def char_table() -> dict[int, str]:
    """Per-character folding for the BMP and the mathematical alphanumerics."""
    table: dict[int, str] = {}
    for cp in [*range(0x20, 0x10000), *range(0x1D400, 0x1D800)]:
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        out = ch if cp in _KEEP_NFKC else unicodedata.normalize("NFKC", ch)
        out = out.lower()
        if out.isascii() is False and len(out) == 1 and "LATIN" in unicodedata.name(out, ""):
            base = unicodedata.normalize("NFKD", out)
            stripped = "".join(c for c in base if not unicodedata.combining(c))
            if stripped.isascii() and stripped:
                out = stripped
        if ch in _ZERO_WIDTH:
            out = ""
        if out != ch:
            table[cp] = out
    return table


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


_LEET_TABLE: Final = str.maketrans(LEET)


def _fold_token(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET_TABLE)


#: The rest of a token from a position on (``_LEET_TOKEN``'s character class).
_TOKEN_REST = re.compile(r"[\w@$€£|!]*")
_TOKEN_PUNCT: Final = frozenset("@$€£|!")


def _fold_leet(s: str) -> str:
    """``_LEET_TOKEN.sub(_fold_token, s)``: each token (a run of word and leet characters) that
    holds a leet character before a-z (``_LEET_ANY``) folded. The regex tried every token
    character by character; here only the few leet pairs are looked for."""
    out: list[str] = []
    last = 0
    for m in _LEET_ANY.finditer(s):
        if m.start() < last:  # in a token already folded
            continue
        start = m.start()
        while start > last and (s[start - 1] in _TOKEN_PUNCT or is_word(s[start - 1])):
            start -= 1
        rest = _TOKEN_REST.match(s, m.start())  # always matches: it may be empty
        end = rest.end() if rest else m.end()
        out.append(s[last:start])
        out.append(s[start:end].translate(_LEET_TABLE))
        last = end
    if not last:
        return s
    out.append(s[last:])
    return "".join(out)


def is_word(ch: str) -> bool:
    """Whether ``\\w`` matches the character."""
    return ch.isalnum() or ch == "_"


def _homoglyphs(text: str) -> str:
    if not _HOMOGLYPH_ANY.search(text) or not _MIXED.search(text):
        return text
    out = []
    for word in re.split(r"(\W+)", text):
        if _MIXED.search(word) and any(c in HOMOGLYPHS for c in word):
            word = "".join(HOMOGLYPHS.get(c, c) for c in word)
        out.append(word)
    return "".join(out)


def _char_step(text: str, refold: bool = True) -> str:
    # ``refold``: the table again (it is not idempotent for the few characters it maps to
    # several, e.g. ǆ → dž → dz); a text folded without those may skip it.
    folded = text.translate(char_table()) if refold else text
    folded = _fold_leet(folded)
    return _homoglyphs(folded)


#: Anything the steps after the table could change: leetspeak, a stretched letter, spaced-out
#: letters, Cyrillic or Greek letters. Most posts have none, and skip those steps.
_TRICKS = re.compile(
    r"[a-z][0-9@$€£|!]+[a-z]"  # b1tch, wh0re
    r"|(?<![\w@$])[@$0-9][a-z]{1,3}(?![a-z])"  # @ss, $lut (not @username)
    r"|(\w)\1\1"  # sluuut
    r"|(?<!\w)\w" + _SEP + r"\w" + _SEP + r"\w(?!\w)"  # s l u t
    r"|[\u0370-\u03ff\u0400-\u052f]"  # Greek or Cyrillic letters: possible homoglyphs
)


def normalize(text: str) -> str:
    """The normalised form of ``text`` (fast path: C-level operations only)."""
    # ASCII needs only lower case from the table, and str.lower is far cheaper than translate.
    s = text.lower() if text.isascii() else text.translate(char_table())
    if not _TRICKS.search(s):
        return s
    return _undo_tricks(s)


def _undo_tricks(s: str, chars: bool = True, spaced: bool = True, refold: bool = True) -> str:
    """Steps 2-3 (and leetspeak, homoglyphs) on a text the table has folded. A caller that
    knows the text has no leetspeak or Greek/Cyrillic (``chars``) or no spaced-out letters
    skips those steps: they could not change it."""
    if not chars:
        if spaced:
            s = _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), s)
        return _REPEATS.sub(r"\1", s)
    s = _char_step(s, refold)
    s = _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), s)
    return _REPEATS.sub(r"\1", s)


def normalize_with_offsets(text: str, tricky: bool = False) -> tuple[str, list[int]]:
    """``normalize(text)`` and, for each of its characters, the index in ``text`` it came from.
    ``tricky``: the caller knows that ``_TRICKS`` matches the table fold (``fold_batch``)."""
    quick = text.lower() if text.isascii() else text.translate(char_table())
    # Only zero-width characters map to nothing, so without them an unchanged length means
    # every character mapped to exactly one: the offsets are the identity, no loop needed.
    if len(quick) == len(text) and not any(z in text for z in _ZERO_WIDTH):
        s, where = quick, list(range(len(text)))
    else:
        table = char_table()
        chars: list[str] = []
        where = []
        for i, ch in enumerate(text):
            out = table.get(ord(ch), ch)
            for c in out:
                chars.append(c)
                where.append(i)
        s = "".join(chars)
    if not tricky and not _TRICKS.search(s):  # exactly as in ``normalize``
        return s, where
    # Leetspeak and homoglyphs map one character to one: offsets do not move.
    s = _fold_leet(s)
    s = _homoglyphs(s)
    # Both steps only delete: a spaced-out run keeps its letters (every other character, the
    # separators between them dropped, "_" too), a stretched letter its first character.
    s, where = _delete_with_offsets(_SPACED, _spaced_letters, s, where)
    s, where = _delete_with_offsets(_REPEATS, _first_letter, s, where)
    return s, where


def _spaced_letters(m: re.Match[str]) -> Iterable[int]:
    # ``_SPACED`` matches a letter, then separator and letter in turn: the even offsets.
    return (k for k in range(m.start(), m.end(), 2) if m.string[k] not in SEPARATORS)


def _first_letter(m: re.Match[str]) -> Iterable[int]:
    return (m.start(),)


def _delete_with_offsets(
    pattern: re.Pattern[str],
    keep: Callable[[re.Match[str]], Iterable[int]],
    s: str,
    where: list[int],
) -> tuple[str, list[int]]:
    """Like ``pattern.sub``, each match replaced by its characters at the indexes ``keep``
    gives, in order, and offsets kept."""
    out: list[str] = []
    out_where: list[int] = []
    last = 0
    for m in pattern.finditer(s):
        out.append(s[last : m.start()])
        out_where.extend(where[last : m.start()])
        for k in keep(m):
            out.append(s[k])
            out_where.append(where[k])
        last = m.end()
    if not last:  # no match
        return s, where
    out.append(s[last:])
    out_where.extend(where[last:])
    return "".join(out), out_where


@lru_cache(maxsize=1)
def _class_table() -> npt.NDArray[np.uint8]:
    """Character classes of the BMP for the tricks test: bit 1 ``\\w``, 2 a-z, 4 a leet
    character, 8 a spacing separator, 16 Greek or Cyrillic."""
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
    """Positions where ``_TRICKS`` matches, found with array shifts (the regex costs ~0.1 µs
    a character); every alternative of ``_TRICKS`` is tested exactly. Three kinds: leetspeak
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
            done = _undo_tricks(joined_group, with_chars, spread, refold)
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
