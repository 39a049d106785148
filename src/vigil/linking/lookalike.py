"""Handle look-alikes: ``kim_jisoo``, ``kim.j1soo`` and ``kіm_jisoo`` (Cyrillic і) are
probably one person who was blocked and came back.

Each handle is reduced to a *skeleton* (Unicode confusables → Latin, NFKC, case folded, digits
that stand in for letters → letters, separators dropped); equal skeletons score 1, others score
by edit similarity of their skeletons. A score is a lead for an investigator, never a finding.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from confusable_homoglyphs import confusables

#: Digits and signs that people type for letters ("l33t" spelling).
DIGIT_SWAPS = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "9": "g",
        "$": "s",
        "@": "a",
        "!": "i",
        "|": "l",
    }
)
#: ``i``/``l`` and ``rn``/``m`` look alike in most fonts.
_VISUAL_PAIRS = (("rn", "m"), ("vv", "w"), ("i", "l"))
_SEPARATORS = str.maketrans("", "", "._-· ")

#: Scores at or above this mark a pair as a possible same person.
LOOKALIKE_THRESHOLD = 0.85
#: Skeletons shorter than this match by accident too often to mean anything.
MIN_SKELETON_LENGTH = 4


@lru_cache(maxsize=4096)
def _latin_for(char: str) -> str:
    if char.isascii():
        return char
    for entry in confusables.confusables_data.get(char, ()):
        candidate = str(entry["c"])
        if candidate.isascii() and candidate.isalnum():
            return candidate.lower()
    return char


def skeleton(handle: str) -> str:
    """The look-alike key of a handle (platform prefix and ``@`` removed)."""
    name = handle.rsplit(":", 1)[-1].lstrip("@")
    name = unicodedata.normalize("NFKC", name)
    name = "".join(_latin_for(c) for c in name).casefold()
    name = name.translate(DIGIT_SWAPS).translate(_SEPARATORS)
    for pair, single in _VISUAL_PAIRS:
        name = name.replace(pair, single)
    return name


@dataclass(frozen=True)
class LookalikeScore:
    a: str
    b: str
    score: float
    reasons: tuple[str, ...]

    @property
    def possible_same_person(self) -> bool:
        return self.score >= LOOKALIKE_THRESHOLD


def _reasons(a: str, b: str) -> tuple[str, ...]:
    reasons = []
    if any(not c.isascii() for c in a + b):
        reasons.append("homoglyphs")
    if any(c.isdigit() for c in a + b):
        reasons.append("digit_swaps")
    if a.translate(_SEPARATORS) != a or b.translate(_SEPARATORS) != b:
        reasons.append("separators")
    return tuple(reasons)


def score(a: str, b: str) -> LookalikeScore:
    """How alike two handles look, 0..1 (1: the same skeleton)."""
    name_a, name_b = a.rsplit(":", 1)[-1].lstrip("@"), b.rsplit(":", 1)[-1].lstrip("@")
    if name_a.casefold() == name_b.casefold():
        return LookalikeScore(a, b, 1.0, ("same_name",))
    sa, sb = skeleton(a), skeleton(b)
    if min(len(sa), len(sb)) < MIN_SKELETON_LENGTH:
        return LookalikeScore(a, b, 0.0, ())
    if sa == sb:
        return LookalikeScore(a, b, 1.0, _reasons(name_a, name_b))
    ratio = SequenceMatcher(None, sa, sb, autojunk=False).ratio()
    # One trailing number added or changed ("kim_jisoo" → "kim_jisoo2") is a classic comeback.
    stem_a, stem_b = name_a.rstrip("0123456789"), name_b.rstrip("0123456789")
    if stem_a and stem_a.casefold() == stem_b.casefold():
        return LookalikeScore(a, b, max(ratio, 0.9), ("number_suffix",))
    return LookalikeScore(a, b, round(ratio, 3), ("similar",) if ratio >= 0.5 else ())


def lookalike_pairs(
    handles: list[str], threshold: float = LOOKALIKE_THRESHOLD
) -> list[LookalikeScore]:
    """Every pair at or above ``threshold``, best first (blocks by skeleton prefix for speed)."""
    by_prefix: dict[str, list[str]] = {}
    for handle in sorted(set(handles)):
        by_prefix.setdefault(skeleton(handle)[:2], []).append(handle)
    pairs = []
    for group in by_prefix.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                result = score(a, b)
                if result.score >= threshold:
                    pairs.append(result)
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))
