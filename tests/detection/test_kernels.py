"""The compiled scoring loop computes what the numpy path computes."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest

from vigil.detection.compiled import CompiledScorer, PackedWeights, compiled_kernel
from vigil.detection.features import Hasher


def _texts() -> list[str]:
    rng = random.Random(7)
    alphabet = "abcdeé ßİ.,!?@#0123456789김치녀ㅋქალიженаދިވެހިالمرأة🙂𝐛\t\n\u200b"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))) for _ in range(300)]
    texts += [
        "",
        " ",
        "a",
        "ab",
        "slut " * 400,  # repetitive: damped by the distinct share
        "ha" * 3000,  # longer than MAX_CHARS
        "a\x00b",  # a NUL inside a text
        "Hello World, you are a 5lut!!",
    ]
    return texts


needs_kernel = pytest.mark.skipif(not compiled_kernel(), reason="installed without a C compiler")


def test_the_kernel_was_built_where_a_compiler_is() -> None:
    # pip builds it whenever a compiler is there (setup.py); missing then means a broken build
    if shutil.which("cc") or shutil.which("gcc"):
        assert compiled_kernel(), "the Cython kernel was not built: pip install -e . (setup.py)"


@needs_kernel
@pytest.mark.parametrize(
    ("chars", "words"), [((2, 3, 4, 5), (1, 2)), ((1, 2, 3, 4, 5, 6), (1, 2, 3)), ((3,), ())]
)
def test_kernel_scores_equal_the_numpy_path(chars: tuple[int, ...], words: tuple[int, ...]) -> None:
    hasher = Hasher(bits=14, char_orders=chars, word_orders=words)
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(hasher.n_buckets, 5)).astype(np.float32)
    weights[rng.random(hasher.n_buckets) < 0.8] = 0  # pruned, as shipped models are
    texts = _texts()
    numpy_path = hasher.scores_of(hasher.featurize(texts), weights)
    scorer = CompiledScorer.bind(hasher, weights)
    assert scorer is not None
    compiled = hasher.scores(texts, weights, scorer)
    np.testing.assert_allclose(compiled, numpy_path, rtol=1e-4, atol=1e-5)
    assert np.all(compiled[texts.index("")] == 0)
    for head in range(weights.shape[1]):
        words, sums = scorer.word_sums(texts, head)
        expected_words, expected = hasher.word_sums(texts, np.ascontiguousarray(weights[:, head]))
        for field in ("doc", "start", "end", "gstart", "gend"):
            assert getattr(words, field).tolist() == getattr(expected_words, field).tolist()
        np.testing.assert_allclose(sums, expected, rtol=1e-4, atol=1e-5)


@needs_kernel
def test_top_words_found_while_scoring_equal_those_of_word_sums() -> None:
    hasher = Hasher(bits=12)
    weights = np.random.default_rng(5).normal(size=(hasher.n_buckets, 2)).astype(np.float32)
    scorer = CompiledScorer.bind(hasher, weights)
    assert scorer is not None
    texts = _texts()
    scores, top = scorer.scores(texts, explain=1, limit=3)
    assert top is not None
    np.testing.assert_allclose(
        scores, hasher.scores_of(hasher.featurize(texts), weights), 1e-4, 1e-5
    )
    words, sums = hasher.word_sums(texts, np.ascontiguousarray(weights[:, 1]))
    for d in range(len(texts)):
        mine = np.flatnonzero((words.doc == d) & (sums > 0))
        best = mine[np.argsort(-sums[mine], kind="stable")][:3]
        found = top.start[d] >= 0
        assert top.start[d][found].tolist() == words.start[best].tolist()
        assert top.end[d][found].tolist() == words.end[best].tolist()
        np.testing.assert_allclose(top.weight[d][found], sums[best], rtol=1e-4, atol=1e-6)


@needs_kernel
def test_the_kernel_refuses_inconsistent_arrays() -> None:
    hasher = Hasher(bits=10)
    weights = np.ones((hasher.n_buckets, 2), dtype=np.float32)
    scorer = CompiledScorer.bind(hasher, weights)
    assert scorer is not None
    kernel = scorer._kernel
    codes = np.array([104, 105], dtype=np.uint32)
    one = np.array([0], dtype=np.int64)
    with pytest.raises(ValueError, match="past the batch"):
        kernel.score(codes, one, np.array([5], dtype=np.int64), np.zeros((1, 2), np.float32))
    with pytest.raises(ValueError, match="one row per text"):
        kernel.score(codes, one, np.array([2], dtype=np.int64), np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="three top arrays"):
        kernel.score(codes, one, np.array([2], dtype=np.int64), np.zeros((1, 2), np.float32), 0)
    small = np.zeros(1, dtype=np.int64)
    with pytest.raises(ValueError, match="room"):
        kernel.word_sums(
            codes, one, np.array([2], dtype=np.int64), 0, small, small, small, np.zeros(1)
        )


def test_packed_weights_find_every_kept_bucket() -> None:
    rng = np.random.default_rng(1)
    weights = np.zeros((1000, 2), dtype=np.float32)  # not a multiple of 64 buckets
    kept = np.sort(rng.choice(1000, 90, replace=False))
    weights[kept] = rng.normal(size=(90, 2)).astype(np.float32) + 5
    packed = PackedWeights.pack(weights)
    bits = np.unpackbits(packed.present.view(np.uint8), bitorder="little")[:1000]
    assert np.flatnonzero(bits).tolist() == kept.tolist()
    for bucket in kept.tolist():
        word, bit = divmod(bucket, 64)
        below = int(packed.present[word]) & ((1 << bit) - 1)
        row = int(packed.rank[word]) + bin(below).count("1")
        np.testing.assert_array_equal(packed.rows[row], weights[bucket])


def test_packing_from_the_stored_buckets_equals_packing_the_whole_table() -> None:
    rng = np.random.default_rng(2)
    weights = np.zeros((1000, 3), dtype=np.float32)
    stored = np.sort(rng.choice(1000, 120, replace=False)).astype(np.int64)
    weights[stored] = rng.normal(size=(120, 3)).astype(np.float32)
    weights[stored[::7]] = 0.0  # stored, but rounded to zero in float16: no row for them
    whole, fast = PackedWeights.pack(weights), PackedWeights.pack(weights, stored)
    np.testing.assert_array_equal(fast.present, whole.present)
    np.testing.assert_array_equal(fast.rank, whole.rank)
    np.testing.assert_array_equal(fast.rows, whole.rows)


def test_a_loaded_model_scores_as_its_whole_table_does() -> None:
    from vigil.detection.compiled import CompiledScorer
    from vigil.detection.detectors import default_model_dir
    from vigil.detection.linear import LinearModel

    model = LinearModel.load(default_model_dir())
    assert model.stored is not None
    texts = ["you are a stupid woman", "the bus was late", "", "kamu perempuan bodoh"]
    scorer = CompiledScorer(model.hasher, model.weights)
    np.testing.assert_array_equal(model.raw_scores(texts), scorer.scores(texts)[0] + model.bias)
