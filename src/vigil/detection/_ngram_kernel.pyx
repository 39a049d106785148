# cython: language_level=3
"""The fast tier's hot loops in C: hash every n-gram of every text and add up its weights.

Same numbers as the numpy path in ``features.Hasher`` (``scores_of``, ``word_sums``;
``tests/detection/test_kernels.py`` holds them equal): the same polynomial hashes, buckets,
per-text scale and repetition damping. One pass over each text instead of a dozen numpy
passes over the batch, and no intermediate arrays: the n-grams are never stored.
"""

from libc.math cimport sqrt
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, qsort
from libc.string cimport memset

cdef uint64_t BASE = 0x100000001B3ULL
cdef uint64_t MIX = 0x9E3779B97F4A7C15ULL
cdef int SKETCH_WORDS = 8  # 512 bits: a cheap lower bound on distinct n-grams
cdef enum:
    MAX_HEADS = 64


cdef extern from *:
    int popcount64 "__builtin_popcountll"(unsigned long long) nogil
    void prefetch "__builtin_prefetch"(const void*) nogil


cdef struct Model:
    const uint32_t* codes  # the batch, folded as ``features.encode`` folds it
    const uint8_t* word_table  # per BMP code point: is it a word character
    const uint64_t* present  # packed weights (``features.PackedWeights``)
    const uint32_t* rank
    const float* rows
    int heads
    int shift
    const int64_t* char_orders
    const uint64_t* char_salts
    int n_char
    int max_char
    int char_slot[16]  # per order - 1: its index in char_orders, -1 when not hashed
    const int64_t* word_orders
    const uint64_t* word_salts
    int n_word
    int distinct_order
    double min_distinct


cdef struct Scratch:
    int64_t* seen  # buckets of the order whose distinct share is measured
    uint64_t* word_hash
    int64_t* word_start
    int64_t* word_end
    int64_t* word_of  # per position of the text: its word, -1 outside words
    double* word_sums  # per word of the text: the explained head's summed weights
    int64_t* gram  # per n-gram of the text: its bucket, then its packed row (-1: none)
    int64_t* owner  # per n-gram of the text: the word it counts for (-1: none)


cdef int _cmp(const void* a, const void* b) noexcept nogil:
    cdef int64_t x = (<const int64_t*>a)[0]
    cdef int64_t y = (<const int64_t*>b)[0]
    return (x > y) - (x < y)


cdef inline int64_t _bucket(const Model* m, uint64_t h, uint64_t salt) noexcept nogil:
    return <int64_t>(((h + salt) * MIX) >> m.shift)


cdef inline int64_t _row(const Model* m, int64_t bucket) noexcept nogil:
    """The packed row of ``bucket``, or -1 when it has no weight: a bit per bucket says so,
    and the bits set before it say which row is its."""
    cdef uint64_t word = m.present[bucket >> 6]
    cdef uint64_t bit = 1ULL << (bucket & 63)
    if word & bit:
        return m.rank[bucket >> 6] + popcount64(word & (bit - 1))
    return -1


cdef inline void _add(
    const Model* m, int64_t row, double* acc, int head, double* sums, int64_t word
) noexcept nogil:
    """Every head into ``acc`` (unless NULL); ``head`` (unless -1) into the word's sum."""
    cdef int k
    if row < 0:
        return
    if acc != NULL:
        for k in range(m.heads):
            acc[k] += m.rows[row * m.heads + k]
    if head >= 0 and word >= 0:
        sums[word] += m.rows[row * m.heads + head]


cdef double _distinct_share(int64_t* seen, int64_t count) noexcept nogil:
    """Share of distinct values among ``count`` buckets: exact when the sketch bound is low."""
    cdef uint64_t sketch[8]
    cdef int64_t i, distinct = 0
    cdef int w
    if count == 0:
        return 1.0
    for w in range(SKETCH_WORDS):
        sketch[w] = 0
    for i in range(count):
        sketch[(seen[i] >> 6) & 7] |= 1ULL << (seen[i] & 63)
    for w in range(SKETCH_WORDS):
        distinct += popcount64(sketch[w])
    if distinct >= count * 0.5:  # at or above the line: the exact value does not matter
        return distinct / <double>count
    qsort(seen, count, sizeof(int64_t), _cmp)
    distinct = 1
    for i in range(1, count):
        if seen[i] != seen[i - 1]:
            distinct += 1
    return distinct / <double>count


cdef int64_t _words(const Model* m, Scratch* w, int64_t s, int64_t length) noexcept nogil:
    """Words (maximal runs of word characters) of one text, their hashes (sum of
    (code + 1) * BASE**k), and the word of every position. Returns how many."""
    cdef int64_t i, n = 0
    cdef uint64_t h = 0, pw = 1, c
    cdef bint inside = False
    for i in range(length + 1):
        if i < length:
            c = m.codes[s + i]
            if c >= 0x10000 or m.word_table[c]:
                if not inside:
                    inside = True
                    h = 0
                    pw = 1
                    w.word_start[n] = i
                h += (c + 1) * pw
                pw *= BASE
                w.word_of[i] = n
                continue
            w.word_of[i] = -1
        if inside:
            w.word_hash[n] = h
            w.word_end[n] = i
            n += 1
            inside = False
    return n


cdef double _text(
    const Model* m,
    Scratch* w,
    int64_t s,
    int64_t length,
    double* acc,
    int head,
    double* sums,
    int64_t* n_words_out,
) noexcept nogil:
    """One text: weight sums into ``acc`` (unless NULL) and ``head``'s (unless -1) into
    ``sums`` per word (an n-gram counts for the word it starts in; the words are left in
    ``w``). Returns the text's scale: 1/sqrt(n-grams), damped when mostly repeats."""
    cdef int64_t i, j, bucket, row, total = 0, n_seen = 0
    cdef int64_t n_words = _words(m, w, s, length)
    cdef int k, q, o, r
    cdef uint64_t h
    cdef double scale, share
    n_words_out[0] = n_words
    if head >= 0:
        for j in range(n_words):
            sums[j] = 0.0
    # Pass 1: every n-gram's bucket and the word it counts for, asking the memory system for
    # its presence bit at once; pass 2: its packed row, asking for that row; pass 3: add. The
    # table lookups of a text then overlap instead of waiting one after another.
    for i in range(length):
        h = 0
        for k in range(m.max_char):
            if i + k >= length:
                break
            h = h * BASE + (<uint64_t>m.codes[s + i + k] + 1)
            q = m.char_slot[k]
            if q < 0:
                continue
            bucket = _bucket(m, h, m.char_salts[q])
            prefetch(&m.present[bucket >> 6])
            w.gram[total] = bucket
            w.owner[total] = w.word_of[i]
            total += 1
            if k + 1 == m.distinct_order:
                w.seen[n_seen] = bucket
                n_seen += 1
    for q in range(m.n_word):
        o = <int>m.word_orders[q]
        for j in range(n_words - o + 1):
            h = w.word_hash[j]
            for r in range(1, o):
                h = h * MIX + w.word_hash[j + r]
            bucket = _bucket(m, h, m.word_salts[q])
            prefetch(&m.present[bucket >> 6])
            w.gram[total] = bucket
            w.owner[total] = j
            total += 1
    for j in range(total):
        row = _row(m, w.gram[j])
        w.gram[j] = row
        if row >= 0:
            prefetch(&m.rows[row * m.heads])
    for j in range(total):
        _add(m, w.gram[j], acc, head, sums, w.owner[j])
    scale = 1.0 / sqrt(total if total > 0 else 1)
    if n_seen > 0:
        share = _distinct_share(w.seen, n_seen)
        if share < m.min_distinct:
            scale *= sqrt(share / m.min_distinct)
    return scale


cdef int64_t _top(
    const Scratch* w, int64_t n_words, int limit, int64_t* best
) noexcept nogil:
    """The ``limit`` words with the highest positive sums, highest first (ties: the earlier
    word), as ``numpy.lexsort`` orders them; returns how many."""
    cdef int64_t j, count = 0, p, r
    cdef double v
    for j in range(n_words):
        v = w.word_sums[j]
        if v <= 0:
            continue
        p = count
        while p > 0 and v > w.word_sums[best[p - 1]]:
            p -= 1
        if p >= limit:
            continue
        if count < limit:
            count += 1
        r = count - 1
        while r > p:
            best[r] = best[r - 1]
            r -= 1
        best[p] = j
    return count


cdef class Kernel:
    """A packed model and hasher settings, bound once; ``score`` and ``word_sums`` per batch."""

    cdef Model m
    cdef object _keep  # the arrays the Model's pointers point into

    def __init__(
        self,
        const uint8_t[::1] word_table,
        const uint64_t[::1] present,
        const uint32_t[::1] rank,
        const float[:, ::1] rows,
        const int64_t[::1] char_orders,
        const uint64_t[::1] char_salts,
        const int64_t[::1] word_orders,
        const uint64_t[::1] word_salts,
        int distinct_order,
        double min_distinct,
        int bits,
    ):
        cdef int q
        if rows.shape[1] > MAX_HEADS:
            raise ValueError(f"at most {MAX_HEADS} heads")
        if rows.shape[0] == 0 or present.shape[0] == 0:
            raise ValueError("an empty weight table")
        self._keep = (word_table, present, rank, rows, char_orders, char_salts, word_orders,
                      word_salts)
        self.m.word_table = &word_table[0]
        self.m.present = &present[0]
        self.m.rank = &rank[0]
        self.m.rows = &rows[0, 0]
        self.m.heads = <int>rows.shape[1]
        self.m.shift = 64 - bits
        self.m.n_char = <int>char_orders.shape[0]
        self.m.char_orders = &char_orders[0] if self.m.n_char else NULL
        self.m.char_salts = &char_salts[0] if self.m.n_char else NULL
        self.m.n_word = <int>word_orders.shape[0]
        self.m.word_orders = &word_orders[0] if self.m.n_word else NULL
        self.m.word_salts = &word_salts[0] if self.m.n_word else NULL
        self.m.max_char = 0
        for q in range(16):
            self.m.char_slot[q] = -1
        for q in range(self.m.n_char):
            if not 1 <= char_orders[q] <= 16 or self.m.char_slot[char_orders[q] - 1] >= 0:
                raise ValueError("character n-gram orders must be distinct, 1 to 16")
            self.m.char_slot[char_orders[q] - 1] = q
            if char_orders[q] > self.m.max_char:
                self.m.max_char = <int>char_orders[q]
        self.m.distinct_order = distinct_order
        self.m.min_distinct = min_distinct

    def score(
        self,
        const uint32_t[::1] codes,
        const int64_t[::1] starts,
        const int64_t[::1] lengths,
        float[:, ::1] out,
        int explain_head=-1,
        int64_t[:, ::1] top_start=None,
        int64_t[:, ::1] top_end=None,
        double[:, ::1] top_weight=None,
    ):
        """Scaled weight sums per text (texts x heads) into ``out``. With ``explain_head``
        (>= 0), in the same pass each text's top words for that head (the columns of the
        ``top_*`` arrays, texts x how many; start -1 where a text has fewer)."""
        cdef Model m = self.m
        cdef Scratch w
        cdef Py_ssize_t d
        cdef int k, limit = 0
        cdef double acc[MAX_HEADS]
        cdef double scale
        cdef int64_t n_words, count, j
        cdef int64_t best[MAX_HEADS]
        if explain_head >= m.heads:
            raise ValueError("no such head")
        _check_batch(codes, starts, lengths)
        if out.shape[0] != starts.shape[0] or out.shape[1] != m.heads:
            raise ValueError("out: one row per text, one column per head")
        if explain_head >= 0:
            if top_start is None or top_end is None or top_weight is None:
                raise ValueError("explaining needs the three top arrays")
            limit = <int>top_start.shape[1]
            if limit > MAX_HEADS or top_start.shape[0] != starts.shape[0]:
                raise ValueError("top arrays: one row per text, at most 64 columns")
            if (top_end.shape[0] != top_start.shape[0] or top_end.shape[1] != limit
                    or top_weight.shape[0] != top_start.shape[0] or top_weight.shape[1] != limit):
                raise ValueError("top arrays of different shapes")
            top_start[:, :] = -1
        if starts.shape[0] == 0 or codes.shape[0] == 0:
            out[:, :] = 0
            return
        m.codes = &codes[0]
        _alloc(&w, _longest(lengths), m.n_char + m.n_word)
        try:
            with nogil:
                for d in range(starts.shape[0]):
                    for k in range(m.heads):
                        acc[k] = 0.0
                    scale = _text(
                        &m, &w, starts[d], lengths[d], acc, explain_head, w.word_sums, &n_words
                    )
                    for k in range(m.heads):
                        out[d, k] = <float>(acc[k] * scale)
                    if explain_head < 0:
                        continue
                    count = _top(&w, n_words, limit, best)
                    for j in range(count):
                        top_start[d, j] = w.word_start[best[j]]
                        top_end[d, j] = w.word_end[best[j]]
                        top_weight[d, j] = w.word_sums[best[j]] * scale
        finally:
            _free(&w)

    def word_sums(
        self,
        const uint32_t[::1] codes,
        const int64_t[::1] starts,
        const int64_t[::1] lengths,
        int head,
        int64_t[::1] doc,
        int64_t[::1] start,
        int64_t[::1] end,
        double[::1] sums,
    ):
        """Every word of every text (``doc``, ``start``, ``end`` in the text) with the scaled
        sum of ``head``'s weights of the n-grams that start in it; returns how many words.
        The output arrays need room for one word per character."""
        cdef Model m = self.m
        cdef Scratch w
        cdef Py_ssize_t d
        cdef int64_t n = 0, i, count
        cdef double scale
        if head < 0 or head >= m.heads:
            raise ValueError("no such head")
        _check_batch(codes, starts, lengths)
        count = 0
        for d in range(lengths.shape[0]):
            count += lengths[d]
        if min(doc.shape[0], start.shape[0], end.shape[0], sums.shape[0]) < count:
            raise ValueError("the output arrays need room for one word per character")
        if starts.shape[0] == 0 or codes.shape[0] == 0:
            return 0
        m.codes = &codes[0]
        _alloc(&w, _longest(lengths), m.n_char + m.n_word)
        try:
            with nogil:
                for d in range(starts.shape[0]):
                    scale = _text(&m, &w, starts[d], lengths[d], NULL, head, &sums[n], &count)
                    for i in range(count):
                        doc[n + i] = d
                        start[n + i] = w.word_start[i]
                        end[n + i] = w.word_end[i]
                        sums[n + i] *= scale
                    n += count
        finally:
            _free(&w)
        return n


cdef void _check_batch(
    const uint32_t[::1] codes, const int64_t[::1] starts, const int64_t[::1] lengths
) except *:
    """Every text inside ``codes``: the loops read without bounds checks."""
    cdef Py_ssize_t d
    if lengths.shape[0] != starts.shape[0]:
        raise ValueError("one start and one length per text")
    for d in range(starts.shape[0]):
        if starts[d] < 0 or lengths[d] < 0 or starts[d] + lengths[d] > codes.shape[0]:
            raise ValueError("a text reaches past the batch")


cdef int64_t _longest(const int64_t[::1] lengths):
    cdef int64_t longest = 0
    cdef Py_ssize_t d
    for d in range(lengths.shape[0]):
        if lengths[d] > longest:
            longest = lengths[d]
    return longest


cdef void _alloc(Scratch* w, int64_t longest, int per_position) except *:
    cdef size_t n = <size_t>(longest + 1)
    w.gram = <int64_t*>malloc(n * per_position * sizeof(int64_t))
    w.owner = <int64_t*>malloc(n * per_position * sizeof(int64_t))
    w.seen = <int64_t*>malloc(n * sizeof(int64_t))
    w.word_hash = <uint64_t*>malloc(n * sizeof(uint64_t))
    w.word_start = <int64_t*>malloc(n * sizeof(int64_t))
    w.word_end = <int64_t*>malloc(n * sizeof(int64_t))
    w.word_of = <int64_t*>malloc(n * sizeof(int64_t))
    w.word_sums = <double*>malloc(n * sizeof(double))
    if not (w.seen and w.word_hash and w.word_start and w.word_end and w.word_of and w.word_sums
            and w.gram and w.owner):
        _free(w)
        raise MemoryError()


cdef void _free(Scratch* w) noexcept:
    free(w.seen)
    free(w.word_hash)
    free(w.word_start)
    free(w.word_end)
    free(w.word_of)
    free(w.word_sums)
    free(w.gram)
    free(w.owner)
    memset(w, 0, sizeof(Scratch))  # every pointer NULL: freeing twice is harmless
