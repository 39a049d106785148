"""Keyword sets as dense Aho-Corasick automata over character classes, for the prefilters' C
loop (``_prefilter_kernel.masks``): which keywords each text of a batch holds, in one pass over
its characters.

A table gives every code point its class (0: in no keyword; or ``DROP``: skipped, or ``ODD``:
the text cannot be read this way). Each keyword is a sequence of classes and carries bits;
``masks`` gives per text the OR of the bits of the keywords it holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from vigil.detection.tables import cached_keyed_array

try:  # the C loop (setup.py); each user has a pure Python path for when it is not built
    from vigil.detection import _prefilter_kernel
except ImportError:  # pragma: no cover - exercised where no extension was built
    _prefilter_kernel = None  # type: ignore[assignment]

CODES = 0x110000
DROP = 0xFFFF  # the same as the kernel's
ODD = 0xFFFE
ODD_BIT = 0x80000000  # the mask of a text holding an ``ODD`` code point


def compiled() -> bool:
    """Whether the C loop was built; without it ``ClassAutomaton`` cannot run."""
    return _prefilter_kernel is not None


class ClassAutomaton:
    """``masks(texts)``: per text, the OR of the bits of the keywords it holds (``ODD_BIT``
    alone for a text holding an ``ODD`` code point). With ``squeeze``, a run of one class
    counts as one character, as for skeletons."""

    def __init__(
        self,
        classes: npt.NDArray[np.uint16],
        keywords: Mapping[tuple[int, ...], int],
        squeeze: bool = False,
        beside: tuple[npt.NDArray[np.int32], npt.NDArray[np.uint32]] | None = None,
        cache_as: str | None = None,
    ) -> None:
        """``beside``: another automaton over the same classes (a table of next states, state
        0 first, and the bits of each state) that runs in step: the two become one.
        ``cache_as``: keep the built tables between runs under this name (``tables``)."""
        if classes.shape != (CODES,):
            raise ValueError("a class for every code point")
        self.classes = classes
        self.squeeze = squeeze
        if cache_as is None:
            self._delta, self._accept = _build(keywords, beside)
            return
        # Building a few thousand states in Python is ~40 ms of every start; the tables
        # depend only on the keywords (and ``beside``), which the key holds.
        key = repr(sorted(keywords.items())).encode()
        if beside is not None:
            key += b"|" + beside[0].tobytes() + b"|" + beside[1].tobytes()
        packed = cached_keyed_array(
            f"automaton-{cache_as}", key, lambda: _pack(*_build(keywords, beside)), np.int32
        )
        try:
            self._delta, self._accept = _unpack(packed)
        except ValueError:  # a damaged file: the C loop must never read past the table
            self._delta, self._accept = _build(keywords, beside)

    def masks(
        self, texts: Sequence[str], classes: npt.NDArray[np.uint16] | None = None
    ) -> npt.NDArray[np.uint32]:
        """The masks of ``texts``, read through ``classes`` (default: the automaton's)."""
        if _prefilter_kernel is None:  # pragma: no cover - callers check ``compiled()``
            raise RuntimeError("the prefilter kernel is not built")
        out = np.empty(len(texts), dtype=np.uint32)
        table = self.classes if classes is None else classes
        _prefilter_kernel.masks(list(texts), table, self._delta, self._accept, self.squeeze, out)
        return out


def _build(
    keywords: Mapping[tuple[int, ...], int],
    beside: tuple[npt.NDArray[np.int32], npt.NDArray[np.uint32]] | None,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint32]]:
    """The table of next states (state 0 first) and the bits of each state."""
    width = 1 + max((c for word in keywords for c in word), default=0)
    children: list[dict[int, int]] = [{}]
    accept = [0]
    for word, bits in keywords.items():
        if not word or not all(0 < c < width for c in word):
            raise ValueError(f"not a keyword: {word}")
        node = 0
        for c in word:
            node = children[node].setdefault(c, len(children))
            if node == len(children):
                children.append({})
                accept.append(0)
        accept[node] |= bits
    delta = np.zeros((len(children), width), dtype=np.int32)
    fail = [0] * len(children)
    queue = [0]
    for node in queue:  # breadth first: a node's failure link is shallower
        if node:
            delta[node] = delta[fail[node]]
            accept[node] |= accept[fail[node]]
        for c, child in children[node].items():
            fail[child] = int(delta[fail[node], c]) if node else 0
            delta[node, c] = child
            queue.append(child)
    accept_bits = np.array(accept, dtype=np.uint32)
    if beside is not None:
        return _product(delta, accept_bits, *beside)
    return delta, accept_bits


def _pack(delta: npt.NDArray[np.int32], accept: npt.NDArray[np.uint32]) -> npt.NDArray[np.int32]:
    """One flat array to cache: states and width, the next states, the bits of each state."""
    shape = np.array(delta.shape, dtype=np.int32)
    return np.concatenate([shape, delta.ravel(), accept.view(np.int32)])


def _unpack(
    packed: npt.NDArray[np.int32],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint32]]:
    """``_pack`` undone, as views (no copy). ValueError for an array that is not one, or
    whose next states lie outside the table."""
    if packed.size < 2:
        raise ValueError("not a packed automaton")
    states, width = (int(v) for v in packed[:2])
    if states < 1 or width < 1 or packed.size != 2 + states * (width + 1):
        raise ValueError("not a packed automaton")
    delta = packed[2 : 2 + states * width].reshape(states, width)
    if int(delta.min()) < 0 or int(delta.max()) >= states:
        raise ValueError("a next state outside the automaton")
    return delta, packed[2 + states * width :].view(np.uint32)


def _product(
    delta: npt.NDArray[np.int32],
    accept: npt.NDArray[np.uint32],
    other: npt.NDArray[np.int32],
    other_accept: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint32]]:
    """Two automata over the same classes as one: the pairs of their states that reading can
    reach, the bits of both."""
    width = max(delta.shape[1], other.shape[1])
    delta = np.pad(delta, ((0, 0), (0, width - delta.shape[1])))  # unknown classes: 0
    other = np.pad(other, ((0, 0), (0, width - other.shape[1])))
    index = {(0, 0): 0}
    pairs = [(0, 0)]
    rows: list[list[int]] = []
    for a, b in pairs:  # grows while it is read: breadth first over reachable pairs
        row = []
        for to in zip(delta[a].tolist(), other[b].tolist(), strict=True):
            if to not in index:
                index[to] = len(pairs)
                pairs.append(to)
            row.append(index[to])
        rows.append(row)
    bits = [int(accept[a]) | int(other_accept[b]) for a, b in pairs]
    return np.array(rows, dtype=np.int32), np.array(bits, dtype=np.uint32)
