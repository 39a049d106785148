# cython: language_level=3
"""The prefilters' loops in C: which texts of a batch could hold a lexicon term or personal
information at all. Same texts as the pure Python paths (``tests/detection/test_prefilters.py``
holds them equal), one pass over each text's characters.

``masks`` (``automaton.ClassAutomaton``): an Aho-Corasick automaton over each text's characters
read as classes. The per-character table gives each code point its class (its place in the
automaton's alphabet, 0 for one no keyword holds), ``DROP`` for one to skip and ``ODD`` for one
the caller must take another way. For skeletons (``skeleton.Prefilter``) the table is the
skeleton map, and a run of one class is read once, as the skeleton cuts runs of a character.
"""

from cpython.unicode cimport PyUnicode_DATA, PyUnicode_GET_LENGTH, PyUnicode_KIND
from libc.stdint cimport int32_t, uint8_t, uint16_t, uint32_t

DROP = 0xFFFF
ODD = 0xFFFE
#: Set in a text's mask when it holds an ``ODD`` character (its other bits mean nothing then).
ODD_BIT = 0x80000000

cdef uint32_t _NONE = 0xFFFD  # no class yet: never equal to a real one


cdef inline uint32_t _mask(
    const uint16_t* classes,
    const int32_t* delta,
    Py_ssize_t width,
    const uint32_t* accept,
    bint squeeze,
    int kind,
    const void* data,
    Py_ssize_t n,
) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint32_t cp, c
    cdef uint32_t prev = _NONE
    cdef uint32_t mask = 0
    cdef int32_t state = 0
    for i in range(n):
        if kind == 1:
            cp = (<const uint8_t*>data)[i]
        elif kind == 2:
            cp = (<const uint16_t*>data)[i]
        else:
            cp = (<const uint32_t*>data)[i]
        c = classes[cp]
        if c == 0xFFFF or (c == prev and squeeze):
            continue
        if c == 0xFFFE:
            return 0x80000000
        if c >= width:  # a class the automaton does not know: in no keyword
            c = 0
        prev = c
        state = delta[state * width + c]
        mask |= accept[state]
    return mask


def masks(
    list texts,
    const uint16_t[::1] classes,
    const int32_t[:, ::1] delta,
    const uint32_t[::1] accept,
    bint squeeze,
    uint32_t[::1] out,
):
    """For each text, the OR of ``accept`` over the states the automaton passes reading it
    (``delta``: state x class), classes from ``classes`` per code point; ``squeeze``: a run of
    one class read once."""
    cdef Py_ssize_t t
    cdef str text
    if classes.shape[0] < 0x110000 or out.shape[0] < len(texts):
        raise ValueError("a class for every code point and a mask for every text")
    if accept.shape[0] != delta.shape[0] or delta.shape[1] < 1:
        raise ValueError("one accept mask per state")
    for t in range(len(texts)):
        text = texts[t]
        out[t] = _mask(
            &classes[0],
            &delta[0, 0],
            delta.shape[1],
            &accept[0],
            squeeze,
            PyUnicode_KIND(text),
            PyUnicode_DATA(text),
            PyUnicode_GET_LENGTH(text),
        )

