"""Which texts of a batch could hold a lexicon term at all: a cheap, lossy prefilter.

The normalisation (``normalize.py``) changes a text only in these ways after its per-character
table: it maps some characters to Latin letters (leetspeak, homoglyphs), deletes some
separators (spaced-out letters) and cuts runs of a repeated letter. A text's *skeleton* does all
of that everywhere, without conditions: the table, then every leet character and homoglyph
mapped, every separator (and NUL, which matching treats as a space) dropped, and every run of a
character cut to one. Each step of the normalisation leaves the skeleton as it is, so when a
term occurs in a normalised text, the term's skeleton occurs in the text's skeleton. A text
whose skeleton holds no term's skeleton cannot hit, and skips normalisation altogether; the
others go the exact way.

Where the C loop is built (``_prefilter_kernel``), one pass over each text's characters reads its
skeleton through an automaton of the term skeletons (``automaton.py``); otherwise the skeletons
of a whole batch come from numpy over one UTF-32 array, and ``pyahocorasick`` finds every term
skeleton in all of them in one pass. Both find the same texts.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Any, Final, Generic, TypeVar

import ahocorasick  # type: ignore[import-not-found]
import numpy as np
import numpy.typing as npt

from vigil.detection import automaton
from vigil.detection.normalize import HOMOGLYPHS, LEET, SEPARATORS, char_table
from vigil.detection.tables import cached_array

_CODES: Final = 0x110000
_DROP: Final = 0xFFFFFFFF  # a character the skeleton leaves out
_ODD: Final = 0xFFFFFFFE  # a character the table maps to several: the text goes the slow way
_RUNS = re.compile(r"(.)\1+", re.DOTALL)
_MAP: Final[dict[int, str | None]] = {
    **{ord(k): v for k, v in {**LEET, **HOMOGLYPHS}.items()},
    **{ord(s): None for s in SEPARATORS + "\x00"},
}


def skeleton(text: str) -> str:
    """The skeleton of a text the table has already folded (a normalised term, say)."""
    return _RUNS.sub(r"\1", text.translate(_MAP))


def text_skeletons(text: str) -> tuple[str, ...]:
    """The skeletons a raw text may need: of its table fold, and of the fold folded again (the
    normalisation does that to texts whose table output is not final, e.g. ǆ → dž → dz)."""
    once = text.translate(char_table())
    twice = once.translate(char_table())
    return (skeleton(once),) if twice == once else (skeleton(once), skeleton(twice))


@lru_cache(maxsize=1)
def _table() -> npt.NDArray[np.uint32]:
    """Table fold then skeleton map for every code point, as one array (4.4 MB): ``_DROP``
    where it leaves nothing, ``_ODD`` where it leaves several different characters."""
    return cached_array("skeleton", _build_table, np.uint32, (_CODES,))


def _build_table() -> npt.NDArray[np.uint32]:
    table = np.arange(_CODES, dtype=np.uint32)
    for cp, out in ({cp: chr(cp) for cp in _MAP} | char_table()).items():
        # The image of the character folded once or twice, runs cut: the same for both, and
        # at most one character, or the text needs ``text_skeletons``.
        images = {skeleton(out), skeleton(out.translate(char_table()))}
        only = images.pop()
        if images or len(only) > 1:
            table[cp] = _ODD
        else:
            table[cp] = ord(only) if only else _DROP
    return table


K = TypeVar("K", bound=Hashable)


class Prefilter(Generic[K]):
    """``candidates(texts)``: for each key (a matcher), the indexes of the texts whose skeleton
    holds the skeleton of one of its terms: a superset of the texts the key's terms hit."""

    def __init__(self, terms: Mapping[K, Iterable[str]], compiled: bool = True) -> None:
        by_skeleton: dict[str, set[K]] = {}
        for key, bodies in terms.items():
            for body in bodies:
                by_skeleton.setdefault(skeleton(body), set()).add(key)
        # A term with an empty skeleton (only separators) could be anywhere.
        self._always: set[K] = by_skeleton.pop("", set())
        self._keys = list(terms)
        self._automaton: Any = None
        self._dfa: _Dfa[K] | None = None
        if not by_skeleton:
            return
        alphabet = {ch for skel in by_skeleton for ch in skel}
        if compiled and automaton.compiled() and len(self._keys) < 32 and len(alphabet) < 60000:
            self._dfa = _Dfa(by_skeleton, self._keys)
            return
        terms_automaton = ahocorasick.Automaton()
        for skel, keys in by_skeleton.items():
            terms_automaton.add_word(skel, tuple(keys))
        terms_automaton.make_automaton()
        self._automaton = terms_automaton

    def candidates(self, texts: Sequence[str]) -> dict[K, list[int]]:
        found: dict[K, set[int]] = {key: set() for key in self._keys}
        everything = range(len(texts))
        for key in self._always:
            found[key].update(everything)
        if self._dfa is not None and texts:
            self._dfa.search(texts, found)
        elif self._automaton is not None and texts:
            joined, joints, odd = _skeleton_batch(texts)
            self._search(joined, joints, None, found)
            if odd:  # their parts of ``joined`` are empty: their skeletons on their own
                pairs = [(i, s) for i in odd for s in text_skeletons(texts[i])]
                joints = list(accumulate(len(s) + 1 for _, s in pairs))
                joined = "\x00".join(s for _, s in pairs)
                self._search(joined, joints, [i for i, _ in pairs], found)
        return {key: sorted(found[key]) for key in self._keys}

    def _search(
        self,
        joined: str,
        joints: Sequence[int],
        owners: Sequence[int] | None,
        found: dict[K, set[int]],
    ) -> None:
        """One automaton pass over skeletons joined by NULs (never part of a skeleton); the
        ``n``th of them, between ``joints``, belongs to text ``owners[n]`` (default ``n``)."""
        for last, keys in self._automaton.iter(joined):
            n = bisect_right(joints, last)
            for key in keys:
                found[key].add(owners[n] if owners is not None else n)


def _skeleton_batch(texts: Sequence[str]) -> tuple[str, list[int], list[int]]:
    """The skeletons of ``texts`` joined by NULs, where the NULs are, and the texts left empty
    there because a character of theirs maps to several (they need ``text_skeletons``)."""
    joined = "\x00".join(texts)
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = _table()[raw]
    # The joints (NULs inside texts map to _DROP, so lengths say where the joints are).
    joints = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1)[:-1] - 1
    odd: list[int] = []
    odd_at = np.flatnonzero(mapped == _ODD)
    if odd_at.size:
        odd = np.unique(np.searchsorted(joints, odd_at)).tolist()
        starts = np.concatenate([[0], joints + 1])
        stops = np.concatenate([joints, [raw.size]])
        for i in odd:
            mapped[starts[i] : stops[i]] = _DROP
    mapped[joints] = 0
    kept = mapped[mapped != _DROP]
    if kept.size > 1:
        differs = np.empty(kept.size, dtype=np.bool_)
        differs[0] = True
        np.not_equal(kept[1:], kept[:-1], out=differs[1:])
        differs[1:] |= kept[1:] == 0  # joints stay, even side by side (empty texts)
        kept = kept[differs]
    skeletons = kept.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    return skeletons, np.flatnonzero(kept == 0).tolist(), odd


class _Dfa(Generic[K]):
    """The term skeletons as an automaton for the C loop (``automaton.ClassAutomaton``): a
    class per character that a skeleton holds, the keys as bits."""

    def __init__(self, by_skeleton: Mapping[str, set[K]], keys: list[K]) -> None:
        self._keys = keys
        alphabet = sorted({ch for skel in by_skeleton for ch in skel})
        cls = {ch: k + 1 for k, ch in enumerate(alphabet)}  # 0: no skeleton holds it
        # Per code point: its skeleton character's class, as it is (for skeletons already
        # made: texts with an odd character) or through the table (raw texts).
        plain = np.zeros(_CODES, dtype=np.uint16)
        for ch, c in cls.items():
            plain[ord(ch)] = c
        self._plain = plain
        table = _table()
        classes = plain[np.minimum(table, _CODES - 1)]
        classes[table == _DROP] = automaton.DROP
        classes[table == _ODD] = automaton.ODD
        words = {
            tuple(cls[ch] for ch in skel): sum(1 << keys.index(k) for k in owners)
            for skel, owners in by_skeleton.items()
        }
        self._automaton = automaton.ClassAutomaton(
            classes, words, squeeze=True, cache_as="skeleton"
        )

    def search(self, texts: Sequence[str], found: dict[K, set[int]]) -> None:
        masks = self._automaton.masks(texts)
        odd = masks == automaton.ODD_BIT
        if odd.any():
            masks[odd] = 0
            for i in np.flatnonzero(odd).tolist():
                more = self._automaton.masks(text_skeletons(texts[i]), self._plain)
                masks[i] = np.bitwise_or.reduce(more)
        for bit, key in enumerate(self._keys):
            found[key].update(np.flatnonzero(masks & (1 << bit)).tolist())
