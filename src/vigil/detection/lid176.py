"""fastText's ``lid.176.ftz`` language-id model, read and run with numpy for a whole batch.

fastText predicts one line per call and spends ~20 µs on a 120-character post, most of it
hashing subwords one at a time. The model is small (50,000 16-dimensional rows, product
quantised, and a 176-leaf hierarchical softmax), so we read the file ourselves and score a batch
at once: FNV-1a hashes of every character 2-4-gram of every word in array arithmetic, one sparse
product for the hidden vectors, one dense product for the tree. Same tokenisation, same hashing,
same tree as fastText 0.9 (``Dictionary::computeSubwords``, ``HierarchicalSoftmaxLoss``), so the
labels are the same (float rounding aside); ``tests/detection/test_langid.py`` checks that
against fastText itself.

Where the compiled kernel was built (``_lid_kernel.pyx``, ``setup.py``) it does the same per line
in C, ~2 µs a line instead of ~14, with the same labels: ``tests/detection/test_lid_kernel.py``.
This numpy path stays for installs without a C compiler.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.errors import ConfigurationError

try:
    from vigil.detection import _lid_kernel
except ImportError:  # pragma: no cover - exercised where no extension was built
    _lid_kernel = None  # type: ignore[assignment]

_MAGIC: Final = 793712314
_FNV_OFFSET: Final = np.uint32(2166136261)
_FNV_PRIME: Final = np.uint32(16777619)
_HS_LOSS: Final = 1
_ABSENT: Final = 0xFFFF  # a hash bucket the quantised model pruned
#: Bytes fastText splits words on (``Dictionary::readWord``); a newline ends the line (EOS).
_SPACE_TABLE: Final = np.isin(np.arange(256), [32, 9, 10, 11, 12, 13, 0])
_EOS: Final = b"</s>"
_BOW, _EOW = ord("<"), ord(">")
#: The compiled tree walk leaves a line to the numpy path's tree when another label's log score
#: is this close to the best one's: its float32 exp/log are libm's, not numpy's, and the two
#: paths' scores differ by ~1e-6, far less than this (see ``_lid_kernel.pyx``).
_NEAR: Final = 1e-3

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int | float | bool, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> npt.NDArray[np.generic]:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += out.nbytes
        return out

    def cstring(self) -> bytes:
        end = self.data.index(b"\0", self.at)
        out = self.data[self.at : end]
        self.at = end + 1
        return out


def _widen(byte: npt.NDArray[np.uint8]) -> U32:
    # fastText hashes int8_t(c) widened to uint32: bytes >= 128 are sign-extended.
    return byte.astype(np.int8).astype(np.int32).view(np.uint32)


def _fnv(h: U32, wide: U32) -> U32:
    return (h ^ wide) * _FNV_PRIME


def compiled_kernel() -> bool:
    """Whether the C prediction loop was built (``setup.py``); the numpy path is used otherwise."""
    return _lid_kernel is not None


class Lid176:
    """``predict(lines)`` gives (label, probability) per line, as fastText's ``predict(k=1)``.

    ``compiled``: use the C kernel (default: when it was built); False forces the numpy path.
    """

    def __init__(self, path: Path, compiled: bool | None = None) -> None:
        try:
            r = _Reader(path.read_bytes())
            self._parse(r)
        except (OSError, struct.error, ValueError) as exc:
            raise ConfigurationError(f"cannot read language model {path}: {exc}") from None
        self.compiled = compiled_kernel() if compiled is None else compiled
        if self.compiled and _lid_kernel is None:
            raise ConfigurationError("the compiled language-id kernel was not built")
        if self.compiled:
            self._compile()

    def _parse(self, r: _Reader) -> None:
        magic, _version = r.take("ii")
        if magic != _MAGIC:
            raise ValueError("not a fastText model")
        (dim, _ws, _ep, _mc, _neg, word_ngrams, loss, _model, bucket, minn, maxn, _lr) = r.take(
            "12i"
        )
        r.take("d")
        if loss != _HS_LOSS or word_ngrams != 1:
            raise ValueError("only hierarchical-softmax models without word n-grams")
        self.bucket, self.minn, self.maxn = int(bucket), int(minn), int(maxn)
        size, nwords, _nlabels = (int(v) for v in r.take("3i"))
        _ntokens, prune_size = r.take("2q")
        word_hash: list[int] = []
        self._longest = 0
        self._eos = 0
        counts: list[int] = []
        self.labels: list[str] = []
        for i in range(size):
            word = r.cstring()
            count, _kind = r.take("qb")
            if word == _EOS:
                self._eos = i
            if i < nwords:
                word_hash.append(int(_fnv_bytes(word)))
                self._longest = max(self._longest, len(word))
            else:
                self.labels.append(word.decode("utf-8", "replace"))
                counts.append(int(count))
        order = np.argsort(np.array(word_hash, dtype=np.uint32), kind="stable")
        self._word_hash = np.array(word_hash, dtype=np.uint32)[order]
        self._word_row = order.astype(np.int64)
        pairs = r.array("<i4", 2 * int(prune_size)).reshape(-1, 2)
        if nwords + len(pairs) >= _ABSENT:
            raise ValueError("too many rows for the 16-bit subword table")
        # uint16: half the memory of int32, and this table is read at random for every n-gram.
        self._ngram_row = np.full(self.bucket, _ABSENT, dtype=np.uint16)
        self._ngram_row[pairs[:, 0]] = pairs[:, 1] + nwords
        (quant,) = r.take("?")
        if not quant:
            raise ValueError("only quantised (.ftz) models")
        self.input = self._quant_matrix(r, int(dim))
        (qout,) = r.take("?")
        if qout:
            raise ValueError("quantised output matrices are not supported")
        m, n = (int(v) for v in r.take("2q"))
        output = np.array(r.array("<f4", m * n).reshape(m, n), dtype=np.float32)
        self._paths(counts)
        self._output_dense = output[: self._inner]
        self._sparse: tuple[Any, Any] | None = None  # (output, path), for the numpy tree
        self._output_rows = np.ascontiguousarray(output[: len(counts) - 1])

    def _compile(self) -> None:
        """The C kernel looks words up in an open-addressing table (hash -> row), at most a
        quarter full, instead of a binary search over the sorted hashes."""
        assert _lid_kernel is not None
        size = 1 << max(int(4 * self._word_hash.size - 1).bit_length(), 1)
        self._word_keys = np.zeros(size, dtype=np.uint32)
        self._word_vals = np.full(size, -1, dtype=np.int32)
        _lid_kernel.word_table(self._word_hash, self._word_row, self._word_keys, self._word_vals)

    @staticmethod
    def _quant_matrix(r: _Reader, dim: int) -> npt.NDArray[np.float32]:
        (qnorm,) = r.take("?")
        m, _n = (int(v) for v in r.take("2q"))
        (codesize,) = r.take("i")
        codes = r.array("u1", int(codesize))
        pdim, nsubq, dsub, lastdsub = (int(v) for v in r.take("4i"))
        if pdim != dim or dsub != lastdsub or nsubq * dsub != dim:
            raise ValueError("unexpected product quantiser layout")
        centroids = r.array("<f4", pdim * 256).reshape(nsubq, 256, dsub)
        codes = codes.reshape(m, nsubq)
        rows = centroids[np.arange(nsubq)[None, :], codes].reshape(m, dim)
        if qnorm:
            norm_codes = r.array("u1", m)
            ndim, _nq, _nd, _nl = (int(v) for v in r.take("4i"))
            norms = r.array("<f4", ndim * 256)
            rows = rows * norms[norm_codes][:, None]
        return np.ascontiguousarray(rows, dtype=np.float32)

    def _paths(self, counts: list[int]) -> None:
        """The Huffman tree of ``HierarchicalSoftmaxLoss::buildTree``, as two incidence
        matrices: leaf score = log(f) summed over right turns + log(1-f) over left turns."""
        osz = len(counts)
        count = [*counts, *([10**15] * (osz - 1))]
        parent = [-1] * (2 * osz - 1)
        binary = [False] * (2 * osz - 1)
        leaf, node = osz - 1, osz
        for i in range(osz, 2 * osz - 1):
            mini = [0, 0]
            for j in range(2):
                if leaf >= 0 and count[leaf] < count[node]:
                    mini[j], leaf = leaf, leaf - 1
                else:
                    mini[j], node = node, node + 1
            count[i] = count[mini[0]] + count[mini[1]]
            parent[mini[0]] = parent[mini[1]] = i
            binary[mini[1]] = True
        # Children of each inner node, for the compiled depth-first walk.
        self._left = np.zeros(max(osz - 1, 1), dtype=np.int32)
        self._right = np.zeros(max(osz - 1, 1), dtype=np.int32)
        for j in range(2 * osz - 2):
            side = self._right if binary[j] else self._left
            side[parent[j] - osz] = j
        # Rows 0..osz-2: right turns (log f); rows osz-1..: left turns (log(1 - f)).
        inner = max(osz - 1, 1)
        path = np.zeros((osz, 2 * inner), dtype=np.float32)
        for label in range(osz):
            j = label
            while parent[j] != -1:
                path[label, parent[j] - osz + (0 if binary[j] else inner)] = 1.0
                j = parent[j]
        self._inner = inner
        self._path_dense = path
        # Turns below any node can add at most log(1 + 1e-5) each (f + 1e-5 > 1): the
        # compiled walk prunes no subtree that could still come within ``_NEAR`` of the best.
        self._slack = 1.1e-5 * float(path.sum(axis=1).max(initial=0.0))

    # ---- prediction -----------------------------------------------------------------------

    def predict(
        self, lines: Sequence[str], exact_near: float | None = None
    ) -> tuple[list[str], list[float]]:
        """One label and probability per line (each line is one post; no newlines inside).

        ``exact_near``: a threshold the caller compares probabilities with. The compiled path
        hands lines whose probability is within 0.1% of it to the numpy path's tree, so the
        comparison decides as it would there (the two differ in the 6th digit at most)."""
        if not lines:
            return [], []
        text = "\n".join(lines) + "\n"
        n = len(lines)
        if text.count("\n") != n:
            raise ValueError("a line to predict holds a newline")
        data = np.frombuffer(text.encode("utf-8", "replace"), dtype=np.uint8)
        if not self.compiled:
            return self._tree(self._hidden(data, n))
        hidden, best, prob, near = self._predict_compiled(data, n)
        labels = [self.labels[b] for b in best.tolist()]
        probs: list[float] = prob.tolist()
        redo = near.astype(np.bool_)
        if exact_near is not None:
            redo |= np.abs(prob - exact_near) <= 1e-3 * exact_near
        redone = zip(np.flatnonzero(redo).tolist(), *self._tree(hidden[redo]), strict=True)
        for i, label, p in redone:
            labels[i], probs[i] = label, p
        return labels, probs

    def _predict_compiled(
        self, data: npt.NDArray[np.uint8], n: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32], npt.NDArray[np.float64], U8]:
        """The C kernel's hidden vectors (the numpy path's, bit for bit), best labels, their
        probabilities, and which lines have a runner-up within ``_NEAR`` (log) of the best."""
        assert _lid_kernel is not None
        hidden = np.empty((n, self.input.shape[1]), dtype=np.float32)
        best = np.empty(n, dtype=np.int32)
        prob = np.empty(n, dtype=np.float64)
        near = np.empty(n, dtype=np.uint8)
        _lid_kernel.predict(
            data,
            self._word_keys,
            self._word_vals,
            self._longest,
            self._eos,
            self._ngram_row,
            self.bucket,
            self.minn,
            self.maxn,
            self.input,
            self._output_rows,
            self._left,
            self._right,
            len(self.labels),
            _NEAR,
            self._slack,
            hidden,
            best,
            prob,
            near,
        )
        return hidden, best, prob, near

    def _sparse_tree(self) -> tuple[Any, Any]:
        """The output and path matrices as scipy CSR, built on first use: the compiled path
        needs them only for near ties, and importing scipy costs ~0.1 s of a scan's start.
        Sparse although dense: scipy's product is single-threaded, where BLAS would start
        threads that spin against the caller's own workers (4× slower on a busy machine)."""
        if self._sparse is None:
            from scipy import sparse

            self._sparse = (
                sparse.csr_matrix(self._output_dense),
                sparse.csr_matrix(self._path_dense),
            )
        return self._sparse

    def _hidden(self, data: npt.NDArray[np.uint8], n: int) -> npt.NDArray[np.float32]:
        """The numpy path's hidden vectors: the mean input row of each line's tokens."""
        from scipy import sparse

        total = np.zeros((n, self.input.shape[1]), dtype=np.float32)
        size = np.zeros(n, dtype=np.int64)
        for doc, rows in self._rows(data, n):
            # Each block is in line order already: CSR straight from counts, no sorting.
            counts = np.bincount(doc, minlength=n)
            size += counts
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
            ones = np.ones(rows.size, dtype=np.float32)
            block = sparse.csr_matrix((ones, rows, indptr), shape=(n, self.input.shape[0]))
            total += block @ self.input
        hidden = total / np.maximum(size, 1)[:, None].astype(np.float32)
        return hidden.astype(np.float32, copy=False)  # float32 already; says so to mypy

    def _tree(self, hidden: npt.NDArray[np.float32]) -> tuple[list[str], list[float]]:
        """The numpy path's labels: every leaf scored, the best taken. Each line's result
        depends on its own hidden vector only."""
        if hidden.shape[0] == 0:
            return [], []
        # Tree nodes in rows, lines in columns: the sparse path matrix then sums each leaf's
        # path in one product (dense BLAS on these small shapes is slower, and threads).
        output, path = self._sparse_tree()
        z = output @ hidden.T
        f = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        logs = np.concatenate([np.log(f + 1e-5), np.log(1.0 - f + 1e-5)])
        scores = path @ logs  # (labels, lines)
        best = scores.argmax(axis=0)
        probs = np.exp(scores[best, np.arange(hidden.shape[0])]).tolist()
        return [self.labels[b] for b in best.tolist()], probs

    def _rows(self, data: npt.NDArray[np.uint8], n_lines: int) -> list[tuple[I64, I64]]:
        """(line, input row) of every token fastText feeds the model for these lines, in
        blocks that are each sorted by line."""
        space = _SPACE_TABLE[data]
        edges = np.diff(np.concatenate(([True], space, [True])).astype(np.int8))
        w_start = np.flatnonzero(edges == -1)
        w_end = np.flatnonzero(edges == 1)
        line_of = np.cumsum(data == 10) - (data == 10)  # the newline belongs to its line
        w_line = line_of[w_start].astype(np.int64)
        # Word ids: FNV of each word, found in the sorted table of vocabulary hashes.
        # Words longer than the longest in the vocabulary cannot be in it: not hashed.
        short = np.flatnonzero(w_end - w_start <= self._longest)
        w_hash = self._hash_runs(data, w_start[short], w_end[short])
        at = np.minimum(np.searchsorted(self._word_hash, w_hash), max(self._word_hash.size - 1, 0))
        known = self._word_hash[at] == w_hash
        blocks = [(w_line[short[known]], self._word_row[at[known]])]
        # Every line ends with EOS ("</s>", from the newline): its own row, no subwords.
        eos = np.full(n_lines, self._eos, dtype=np.int64)
        blocks.append((np.arange(n_lines, dtype=np.int64), eos))
        blocks.extend(self._subword_rows(data, w_start, w_end, w_line))
        return blocks

    @staticmethod
    def _hash_runs(data: npt.NDArray[np.uint8], start: I64, end: I64) -> U32:
        h = np.full(start.size, _FNV_OFFSET, dtype=np.uint32)
        length = end - start
        for j in range(int(length.max(initial=0))):
            live = np.flatnonzero(length > j)
            h[live] = _fnv(h[live], _widen(data[start[live] + j]))
        return h

    def _subword_rows(
        self, data: npt.NDArray[np.uint8], w_start: I64, w_end: I64, w_line: I64
    ) -> list[tuple[I64, I64]]:
        if w_start.size == 0:
            return []
        # "<" + word + ">" for every word, laid end to end.
        length = w_end - w_start + 2
        base = np.zeros(w_start.size + 1, dtype=np.int64)
        np.cumsum(length, out=base[1:])
        wid = np.repeat(np.arange(w_start.size), length)
        pos = np.arange(base[-1]) - base[wid]
        src = np.clip(w_start[wid] + pos - 1, 0, max(data.size - 1, 0))
        ext = data[src].copy()
        ext[base[:-1]] = _BOW
        ext[base[1:] - 1] = _EOW
        # Characters: UTF-8 lead bytes; each n-gram spans n characters of one word.
        lead = np.flatnonzero((ext & 0xC0) != 0x80)
        c_word = wid[lead]
        c_end = np.append(lead[1:], ext.size)
        c_len = c_end - lead
        c_bytes = [_widen(ext[np.minimum(lead + t, ext.size - 1)]) for t in range(4)]
        n_chars = lead.size
        first_char = np.searchsorted(c_word, np.arange(w_start.size))
        last_char = np.append(first_char[1:], n_chars)  # one past the word's last character
        blocks: list[tuple[I64, I64]] = []
        h = np.full(n_chars, _FNV_OFFSET, dtype=np.uint32)
        multi = [np.flatnonzero(c_len > t) for t in range(1, 4)]
        limit = last_char[c_word]
        c_line = w_line[c_word]
        for n in range(1, self.maxn + 1):
            k = n_chars - n + 1
            if k <= 0:
                break
            # Extend the hash of every (n-1)-gram by the bytes of its n-th character; most
            # characters are one byte, so later bytes touch only the multi-byte ones.
            h = _fnv(h[:k], c_bytes[0][n - 1 : n - 1 + k])
            for t, where in enumerate(multi, 1):
                at = where[(where >= n - 1) & (where < n - 1 + k)]
                h[at - (n - 1)] = _fnv(h[at - (n - 1)], c_bytes[t][at])
            if n < self.minn:
                continue
            inside = np.flatnonzero(np.arange(n - 1, n - 1 + k) < limit[:k])
            row = self._ngram_row[h[inside] % np.uint32(self.bucket)]
            keep = np.flatnonzero(row != _ABSENT)
            blocks.append((c_line[inside[keep]], row[keep].astype(np.int64)))
        return blocks


def _fnv_bytes(word: bytes) -> np.uint32:
    h = int(_FNV_OFFSET)
    for b in word:
        h = ((h ^ ((b - 256) & 0xFFFFFFFF if b >= 128 else b)) * 16777619) & 0xFFFFFFFF
    return np.uint32(h)
