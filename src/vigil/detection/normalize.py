"""Text normalisation for lexicon matching: the tricks people use to dodge word lists.

Three steps, the same in the fast path (all texts) and the slow path (texts with a lexicon hit,
where we also need offsets into the original text):

1. a per-character table: NFKC compatibility folding (full-width and mathematical letters),
   lower case, Latin accents stripped, homoglyphs (Cyrillic/Greek letters that look Latin, inside
   words that also hold Latin letters) and leetspeak (``4``→a, ``3``→e, ``0``→o, ``@``→a, …)
   mapped to Latin letters, zero-width characters dropped;
2. spaced-out words joined: ``s l u t``, ``s.l.u.t``, ``s-l-u-t`` → ``slut``;
3. letters repeated three or more times squeezed: ``sluuuut`` → ``slut``.

``batch_normalize.normalize_batch`` gives the same result for a whole batch (the table step done
with numpy over one UTF-32 array).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

from vigil.detection.tables import cached_array

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
# Arabic, as search engines fold it: tatweel (ـ, stretches a word: غـبـيـة) and vowel marks
# deleted; the alef forms, alef maqsura and taa marbuta written as their common stand-ins
# (قحبه for قحبة): spellings differ by writer and dialect, the words do not.
_ARABIC_MARKS = "\u0640" + "".join(map(chr, range(0x064B, 0x0660))) + "\u0670"
_ARABIC_FOLD: Final = str.maketrans(
    {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        "\u0649": "\u064a",
        "\u0629": "\u0647",
    }
)
#: Characters the table deletes.
_DELETED = _ZERO_WIDTH + _ARABIC_MARKS
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
    """Per-character folding for the BMP and the mathematical alphanumerics (kept between
    runs by ``tables.py``, packed as code point, length, characters)."""
    packed = cached_array("char_table", _packed_char_table, np.uint32, None).tolist()
    table: dict[int, str] = {}
    at = 0
    try:
        while at < len(packed):
            cp, size = packed[at], packed[at + 1]
            if at + 2 + size > len(packed):
                raise ValueError("a cut entry")
            table[cp] = "".join(map(chr, packed[at + 2 : at + 2 + size]))
            at += 2 + size
    except (IndexError, ValueError):  # a cache file that is not what we wrote: build it
        return _build_char_table()
    return table


def _packed_char_table() -> npt.NDArray[np.uint32]:
    packed: list[int] = []
    for cp, out in _build_char_table().items():
        packed += [cp, len(out), *map(ord, out)]
    return np.array(packed, dtype=np.uint32)


def _build_char_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0x20, 0x10000), *range(0x1D400, 0x1D800)]:
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        out = ch if cp in _KEEP_NFKC else unicodedata.normalize("NFKC", ch)
        out = out.lower()
        # Latin letters lose their accents (é → e); the name lookup only where NFKD splits.
        if len(out) == 1 and not out.isascii():
            base = unicodedata.normalize("NFKD", out)
            if base != out and "LATIN" in unicodedata.name(out, ""):
                stripped = "".join(c for c in base if not unicodedata.combining(c))
                if stripped.isascii() and stripped:
                    out = stripped
        out = out.translate(_ARABIC_FOLD)
        if ch in _DELETED:
            out = ""
        if out != ch:
            table[cp] = out
    return table


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
    return undo_tricks(s)


def undo_tricks(s: str, chars: bool = True, spaced: bool = True, refold: bool = True) -> str:
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
    # Only ``_DELETED`` characters map to nothing, so without them an unchanged length means
    # every character mapped to exactly one: the offsets are the identity, no loop needed.
    if len(quick) == len(text) and not any(z in text for z in _DELETED):
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
