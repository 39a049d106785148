"""Text normalisation for lexicon matching: the tricks people use to dodge word lists.

Three steps, the same in the fast path (all texts) and the slow path (texts with a lexicon hit,
where we also need offsets into the original text):

1. a per-character table: NFKC compatibility folding (full-width and mathematical letters),
   lower case, Latin accents stripped, homoglyphs (Cyrillic/Greek letters that look Latin, inside
   words that also hold Latin letters) and leetspeak (``4``→a, ``3``→e, ``0``→o, ``@``→a, …)
   mapped to Latin letters, zero-width characters dropped;
2. spaced-out words joined: ``s l u t``, ``s.l.u.t``, ``s-l-u-t`` → ``slut``;
3. letters repeated three or more times squeezed: ``sluuuut`` → ``slut``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

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
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# A lone "a"/"i" before a spaced-out word is a real word ("you are a s l u t").
_SPACED = re.compile(r"(?<!\w)(?![ai] )(?:\w[ .\-_*·]){2,}\w(?!\w)")
_SEPARATORS = re.compile(r"[ .\-_*·]")
_REPEATS = re.compile(r"(\w)\1{2,}")
# A leet character counts only inside a word, before a letter: "b1tch", "wh0re", "@ss".
_LEET_TOKEN = re.compile(r"[\w@$€£|!]*[0-9@$€£|!]+[a-z][\w@$€£|!]*")
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


def _fold_token(match: re.Match[str]) -> str:
    token = match.group(0)
    return "".join(LEET.get(c, c) for c in token)


def _homoglyphs(text: str) -> str:
    if not _HOMOGLYPH_ANY.search(text) or not _MIXED.search(text):
        return text
    out = []
    for word in re.split(r"(\W+)", text):
        if _MIXED.search(word) and any(c in HOMOGLYPHS for c in word):
            word = "".join(HOMOGLYPHS.get(c, c) for c in word)
        out.append(word)
    return "".join(out)


def _char_step(text: str) -> str:
    folded = text.translate(char_table())
    if _LEET_ANY.search(folded):
        folded = _LEET_TOKEN.sub(_fold_token, folded)
    return _homoglyphs(folded)


#: Anything the steps after the table could change: leetspeak, a stretched letter, spaced-out
#: letters, Cyrillic or Greek letters. Most posts have none, and skip those steps.
_TRICKS = re.compile(
    r"[a-z][0-9@$€£|!]+[a-z]"  # b1tch, wh0re
    r"|(?<![\w@$])[@$0-9][a-z]{1,3}(?![a-z])"  # @ss, $lut (not @username)
    r"|(\w)\1\1"  # sluuut
    r"|(?<!\w)\w[ .\-_*·]\w[ .\-_*·]\w(?!\w)"  # s l u t
    r"|[\u0370-\u03ff\u0400-\u052f]"  # Greek or Cyrillic letters: possible homoglyphs
)


def normalize(text: str) -> str:
    """The normalised form of ``text`` (fast path: C-level operations only)."""
    # ASCII needs only lower case from the table, and str.lower is far cheaper than translate.
    s = text.lower() if text.isascii() else text.translate(char_table())
    if not _TRICKS.search(s):
        return s
    s = _char_step(s)
    s = _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group(0)), s)
    return _REPEATS.sub(r"\1", s)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` and, for each of its characters, the index in ``text`` it came from."""
    # Common case: nothing after the table applies and the table kept every character in place
    # (same length, nothing deleted), so offsets are the identity: no loop over characters.
    quick = text.lower() if text.isascii() else text.translate(char_table())
    if (
        not _TRICKS.search(quick)
        and len(quick) == len(text)
        and not any(z in text for z in _ZERO_WIDTH)
    ):
        return quick, list(range(len(text)))
    table = char_table()
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        out = table.get(ord(ch), ch)
        for c in out:
            chars.append(c)
            where.append(i)
    s = "".join(chars)
    if not _TRICKS.search(s):  # exactly as in ``normalize``
        return s, where
    # Leetspeak and homoglyphs map one character to one: offsets do not move.
    if _LEET_ANY.search(s):
        s = _LEET_TOKEN.sub(_fold_token, s)
    s = _homoglyphs(s)
    s, where = _sub_with_offsets(_SPACED, lambda m: _SEPARATORS.sub("", m.group(0)), s, where)
    s, where = _sub_with_offsets(_REPEATS, lambda m: m.group(1), s, where)
    return s, where


def _sub_with_offsets(
    pattern: re.Pattern[str], repl: object, s: str, where: list[int]
) -> tuple[str, list[int]]:
    """Like ``pattern.sub`` for replacements that only delete characters, keeping offsets."""
    assert callable(repl)
    out: list[str] = []
    out_where: list[int] = []
    last = 0
    for m in pattern.finditer(s):
        out.append(s[last : m.start()])
        out_where.extend(where[last : m.start()])
        kept = repl(m)
        # Deletion-only replacement: walk the match and keep characters in order.
        j = 0
        for k in range(m.start(), m.end()):
            if j < len(kept) and s[k] == kept[j]:
                out.append(s[k])
                out_where.append(where[k])
                j += 1
        last = m.end()
    out.append(s[last:])
    out_where.extend(where[last:])
    return "".join(out), out_where
