# cython: language_level=3
"""Language identification's per-text work in C: script rules and lid.176's prediction.

Same numbers as the numpy path (``lid176.Lid176`` and ``langid._scripts``; ``tests/detection/
test_lid_kernel.py`` holds them equal). ``predict`` makes one pass over each line instead of a
dozen numpy passes over the batch: fastText's tokens, word ids and subword hashes, the input
rows added up as the numpy path adds them (same blocks, same order, float32, so the hidden
vectors are bit for bit the same), and the hierarchical softmax walked depth first from the
likelier child, pruning what cannot come near the best leaf (fastText's own search) instead of
scoring all 176 leaves. Its float32 exp/log are libm's, not numpy's, so a line whose best leaf is
within ``margin`` of another is marked for the caller to score the numpy way.
"""

from libc.math cimport exp, expf, logf
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport free, malloc


cdef uint32_t FNV_OFFSET = 2166136261U
cdef uint32_t FNV_PRIME = 16777619U
cdef uint16_t ABSENT = 0xFFFF  # ``lid176._ABSENT``
cdef uint32_t SLOT_MIX = 2654435769U  # golden ratio: spreads FNV's low bits over the table
cdef enum:
    MAX_DIM = 64  # hidden size (lid.176: 16)
    MAX_ORDERS = 8  # subword orders minn..maxn (lid.176: 2..4)
    ORDER_BITS = 3  # a noted n-gram: its bucket (then its row) << 3 | its order - minn
    ORDER_MASK = 7


cdef inline uint32_t _fnv(uint32_t h, uint8_t byte) noexcept nogil:
    # fastText hashes int8_t(c) widened to uint32: bytes >= 128 are sign-extended.
    return (h ^ <uint32_t><int32_t><int8_t>byte) * FNV_PRIME


cdef extern from *:
    void prefetch "__builtin_prefetch"(const void*) nogil


cdef inline bint _space(uint8_t c) noexcept nogil:
    # The bytes fastText splits words on (``Dictionary::readWord``; ``lid176._SPACE_TABLE``).
    return c == 32 or c == 10 or c == 9 or c == 11 or c == 12 or c == 13 or c == 0


def word_table(
    const uint32_t[::1] hashes, const int64_t[::1] rows, uint32_t[::1] keys, int32_t[::1] vals
):
    """Fill an open-addressing table (size a power of two, ``vals`` -1 where empty) with
    hash -> row. ``hashes`` is sorted stably, so of equal hashes the first row wins, as the
    numpy path's left ``searchsorted`` finds it."""
    cdef Py_ssize_t i
    cdef uint32_t mask = <uint32_t>(keys.shape[0] - 1)
    cdef uint32_t s
    if keys.shape[0] & mask or vals.shape[0] != keys.shape[0]:
        raise ValueError("table size must be a power of two, at least twice the words")
    if keys.shape[0] < 2 * hashes.shape[0] or rows.shape[0] != hashes.shape[0]:
        raise ValueError("table size must be a power of two, at least twice the words")
    vals[:] = -1
    for i in range(hashes.shape[0]):
        s = (hashes[i] * SLOT_MIX) & mask
        while vals[s] != -1 and keys[s] != hashes[i]:
            s = (s + 1) & mask
        if vals[s] == -1:
            keys[s] = hashes[i]
            vals[s] = <int32_t>rows[i]


# What the hot loops read, as plain pointers: one argument for the helpers, not a dozen
# memoryviews.
cdef struct _Model:
    const uint32_t* word_keys  # open addressing, ``word_table``
    const int32_t* word_vals
    uint32_t word_mask
    int longest  # bytes of the longest vocabulary word: longer ones are not looked up
    const uint16_t* ngram_rows  # hash bucket -> row, 0xFFFF where the model pruned it
    uint32_t bucket
    int minn
    int maxn
    const float* rows  # input matrix (dequantised), rows x dim
    int dim


cdef inline int32_t _word_row(const _Model* m, uint32_t h) noexcept nogil:
    cdef uint32_t s = (h * SLOT_MIX) & m.word_mask
    while m.word_vals[s] != -1:
        if m.word_keys[s] == h:
            return m.word_vals[s]
        s = (s + 1) & m.word_mask
    return -1


cdef inline void _add_row(float* acc, const _Model* m, Py_ssize_t row) noexcept nogil:
    cdef const float* x = m.rows + row * m.dim
    cdef int k
    for k in range(m.dim):
        acc[k] += x[k]


cdef inline Py_ssize_t _gram(
    const _Model* m, uint32_t* grams, Py_ssize_t at, uint32_t h, int n
) noexcept nogil:
    """Note the n-gram's bucket (and order, in the low bits), and have its entry fetched."""
    cdef uint32_t bucket = h % m.bucket
    prefetch(m.ngram_rows + bucket)
    grams[at] = (bucket << ORDER_BITS) | <uint32_t>(n - m.minn)
    return at + 1


cdef Py_ssize_t _subwords(
    const _Model* m, const uint8_t* word, Py_ssize_t length, uint8_t* ext, int32_t* first,
    uint32_t* grams, Py_ssize_t at,
) noexcept nogil:
    """Note every minn..maxn-character n-gram of "<" + word + ">" in ``grams`` from ``at`` on;
    returns where the next goes. ``ext`` and ``first`` have room for length + 3."""
    cdef Py_ssize_t i, j, c, n_chars = 1, b
    cdef int n, nb
    cdef uint32_t h
    cdef uint8_t high = 0
    ext[0] = 60
    first[0] = 0
    for i in range(length):
        ext[i + 1] = word[i]
        high |= word[i]
        if (word[i] & 0xC0) != 0x80:  # a UTF-8 lead byte starts a character
            first[n_chars] = <int32_t>(i + 1)
            n_chars += 1
    ext[length + 1] = 62
    if high < 0x80:  # ASCII, most words: a byte per character, the same hashes faster
        for c in range(length + 2):
            h = FNV_OFFSET
            for n in range(1, min(m.maxn, length + 2 - c) + 1):
                h = _fnv(h, ext[c + n - 1])
                if n >= m.minn:
                    at = _gram(m, grams, at, h, n)
        return at
    first[n_chars] = <int32_t>(length + 1)
    n_chars += 1
    first[n_chars] = <int32_t>(length + 2)
    for c in range(n_chars):
        h = FNV_OFFSET
        for n in range(1, m.maxn + 1):
            j = c + n - 1
            if j >= n_chars:
                break
            # At most 4 bytes of a character, as the numpy path hashes them.
            nb = min(first[j + 1] - first[j], 4)
            for b in range(first[j], first[j] + nb):
                h = _fnv(h, ext[b])
            if n >= m.minn:
                at = _gram(m, grams, at, h, n)
    return at


cdef Py_ssize_t _add_grams(
    const _Model* m, uint32_t* grams, Py_ssize_t count, float* sums
) noexcept nogil:
    """Add the rows of the noted n-grams to ``sums`` (one ``MAX_DIM`` accumulator per order:
    the numpy path sums each order apart, in this order); returns how many had a row.

    A line's n-grams are hashed first (``_gram`` asks for their bucket entries), then looked
    up here (asking for their rows), then added: each pass finds what the one before asked for
    in cache. The 4 MB bucket table and the 3 MB input matrix are not in cache, and whether an
    n-gram has a row (one in ten) is a branch the CPU cannot predict; looking up and adding as
    the hashes came was ~15% slower."""
    cdef Py_ssize_t i, kept = 0
    cdef uint16_t row
    for i in range(count):
        row = m.ngram_rows[grams[i] >> ORDER_BITS]
        if row != ABSENT:
            prefetch(m.rows + row * m.dim)
            grams[kept] = (<uint32_t>row << ORDER_BITS) | (grams[i] & ORDER_MASK)
            kept += 1
    for i in range(kept):
        _add_row(sums + (grams[i] & ORDER_MASK) * MAX_DIM, m, grams[i] >> ORDER_BITS)
    return kept


cdef struct _Tree:
    const float* output  # inner nodes x dim, the output matrix
    const int32_t* left  # children of inner node osz + i: left (log(1 - f)), right (log f)
    const int32_t* right
    int osz  # leaves (labels); nodes osz.. are inner, the root is the last
    int dim
    double cut  # prune below best - cut: the margin plus what later turns could still add
    double best
    double second
    int arg


cdef void _walk(_Tree* t, const float* h, int node, double partial) noexcept nogil:
    """fastText's ``HierarchicalSoftmaxLoss::dfs`` for k=1, in the numpy path's float32 steps
    (z, f, log(f + 1e-5), log(1 - f + 1e-5)); keeps the best leaf and the runner-up."""
    cdef int i, k
    cdef float z = 0.0, f
    if partial < t.best - t.cut:
        return
    if node < t.osz:
        if partial > t.best:
            t.second = t.best
            t.best = partial
            t.arg = node
        elif partial > t.second:
            t.second = partial
        return
    i = node - t.osz
    for k in range(t.dim):
        z += t.output[i * t.dim + k] * h[k]
    z = min(max(z, <float>-60.0), <float>60.0)
    f = <float>1.0 / (<float>1.0 + expf(-z))
    # The likelier child first: the best leaf is found early and prunes the rest.
    if f >= 0.5:
        _walk(t, h, t.right[i], partial + logf(f + <float>1e-5))
        _walk(t, h, t.left[i], partial + logf(<float>1.0 - f + <float>1e-5))
    else:
        _walk(t, h, t.left[i], partial + logf(<float>1.0 - f + <float>1e-5))
        _walk(t, h, t.right[i], partial + logf(f + <float>1e-5))


def predict(
    const uint8_t[::1] data,
    const uint32_t[::1] word_keys,
    const int32_t[::1] word_vals,
    int longest,
    int eos,
    const uint16_t[::1] ngram_rows,
    uint32_t bucket,
    int minn,
    int maxn,
    const float[:, ::1] rows,
    const float[:, ::1] output,
    const int32_t[::1] left,
    const int32_t[::1] right,
    int osz,
    double margin,
    double slack,
    float[:, ::1] hidden,
    int32_t[::1] best,
    double[::1] prob,
    uint8_t[::1] near,
):
    """Per line of ``data`` (UTF-8, each line ended by a newline): the hidden vector, the best
    label, its probability, and whether another label scored within ``margin`` of it (log).

    ``slack`` bounds what the turns below a node can add (log(1 + 1e-5) each)."""
    cdef Py_ssize_t n_lines = hidden.shape[0]
    cdef Py_ssize_t size = data.shape[0]
    cdef int dim = rows.shape[1]
    cdef int n_orders = maxn - minn + 1
    cdef Py_ssize_t at = 0, start, line = 0, i, longest_line = 0, noted
    cdef int k, o
    cdef int32_t wr
    cdef int64_t count
    cdef uint32_t h
    cdef float words[MAX_DIM]
    cdef float grams[MAX_ORDERS * MAX_DIM]
    cdef float total
    cdef uint8_t* ext
    cdef int32_t* first  # byte offset in ext of each character, and the end
    cdef uint32_t* noted_grams
    cdef _Model m
    cdef _Tree tree
    if dim > MAX_DIM or n_orders > MAX_ORDERS or minn < 1 or n_orders < 1:
        raise ValueError("model shape not supported by the compiled kernel")
    if osz < 1 or output.shape[1] != dim or hidden.shape[1] != dim or size == 0:
        raise ValueError("inconsistent model arrays")
    if min(output.shape[0], left.shape[0], right.shape[0]) < osz - 1:
        raise ValueError("inconsistent model arrays")
    if not 0 <= eos < rows.shape[0]:
        raise ValueError("inconsistent model arrays")
    if min(best.shape[0], prob.shape[0], near.shape[0]) < n_lines:
        raise ValueError("an output per line")
    if bucket < 2 or bucket >= 1 << (32 - ORDER_BITS) or ngram_rows.shape[0] != bucket:
        raise ValueError("2 to 2**29 hash buckets, and a row (or none) for each")
    if word_keys.shape[0] != word_vals.shape[0] or word_keys.shape[0] & (word_keys.shape[0] - 1):
        raise ValueError("the word table's size is a power of two")
    m.word_keys = &word_keys[0]
    m.word_vals = &word_vals[0]
    m.word_mask = <uint32_t>(word_keys.shape[0] - 1)
    m.longest = longest
    m.ngram_rows = &ngram_rows[0]
    m.bucket = bucket
    m.minn = minn
    m.maxn = maxn
    m.rows = &rows[0, 0]
    m.dim = dim
    tree.output = &output[0, 0] if output.shape[0] > 0 else NULL
    tree.left = &left[0] if left.shape[0] > 0 else NULL
    tree.right = &right[0] if right.shape[0] > 0 else NULL
    tree.osz = osz
    tree.dim = dim
    tree.cut = margin + slack
    start = 0
    for i in range(size):
        if data[i] == 10:
            longest_line = max(longest_line, i - start)
            start = i + 1
    longest_line = max(longest_line, size - start)
    ext = <uint8_t*>malloc(size + 3)
    first = <int32_t*>malloc((size + 3) * sizeof(int32_t))
    # A word of L bytes has at most L + 2 n-grams of an order, a line of L bytes 3 L + 1.
    noted_grams = <uint32_t*>malloc(n_orders * (3 * longest_line + 8) * sizeof(uint32_t))
    if ext == NULL or first == NULL or noted_grams == NULL:
        free(ext)
        free(first)
        free(noted_grams)
        raise MemoryError()
    try:
        with nogil:
            while line < n_lines:
                for k in range(dim):
                    words[k] = 0.0
                    for o in range(n_orders):
                        grams[o * MAX_DIM + k] = 0.0
                count = 1  # the line's EOS ("</s>", from its newline): its own row
                noted = 0
                # Words: runs of non-space bytes up to the newline (or the end of the data).
                while at < size and data[at] != 10:
                    if _space(data[at]):
                        at += 1
                        continue
                    start = at
                    while at < size and not _space(data[at]):
                        at += 1
                    # The word itself, when the vocabulary could hold it; then its n-grams.
                    if at - start <= longest:
                        h = FNV_OFFSET
                        for i in range(start, at):
                            h = _fnv(h, data[i])
                        wr = _word_row(&m, h)
                        if wr >= 0:
                            _add_row(words, &m, wr)
                            count += 1
                    noted = _subwords(&m, &data[start], at - start, ext, first, noted_grams, noted)
                count += _add_grams(&m, noted_grams, noted, grams)
                at += 1  # past the newline
                # Added up block by block in the numpy path's order: words, EOS, n-grams by
                # order; each block summed apart from +0.0 first, as sparse products do.
                for k in range(dim):
                    total = 0.0
                    total += words[k]
                    total += rows[eos, k]
                    for o in range(n_orders):
                        total += grams[o * MAX_DIM + k]
                    hidden[line, k] = total / <float>count
                tree.best = -1e300
                tree.second = -1e300
                tree.arg = 0
                _walk(&tree, &hidden[line, 0], 2 * osz - 2, 0.0)
                best[line] = tree.arg
                prob[line] = exp(tree.best)
                near[line] = tree.second >= tree.best - margin
                line += 1
    finally:
        free(ext)
        free(first)
        free(noted_grams)


def scripts(
    const uint32_t[::1] codes,
    const int64_t[::1] lengths,
    const uint8_t[::1] table,
    int8_t[::1] script,
    int8_t[::1] letters,
):
    """Per text (``codes`` are the texts' code points end to end): the script class of its
    first character with one (``table`` & 3: ``langid._class_table``) and whether it has a
    letter (``table`` & 4): 1 yes, 0 no, 2 unknown (none in the BMP but a character beyond
    it, which the table does not cover: the caller asks the regex)."""
    cdef Py_ssize_t d, i, at = 0
    cdef uint32_t cp
    cdef uint8_t cls
    cdef int8_t found, has, astral
    if table.shape[0] != 0x10000:
        raise ValueError("the class table covers the BMP")
    for d in range(lengths.shape[0]):
        if lengths[d] < 0:
            raise ValueError("negative length")
        at += lengths[d]
    if at != codes.shape[0] or min(script.shape[0], letters.shape[0]) < lengths.shape[0]:
        raise ValueError("the lengths cover the codes, an output per text")
    at = 0
    with nogil:
        for d in range(lengths.shape[0]):
            found = 0
            has = 0
            astral = 0
            for i in range(at, at + lengths[d]):
                cp = codes[i]
                if cp > 0xFFFF:
                    astral = 1
                    continue
                cls = table[cp]
                if found == 0:
                    found = cls & 3
                if cls & 4:
                    has = 1
                    if found:
                        break
            at += lengths[d]
            script[d] = found
            letters[d] = has if has or not astral else 2
