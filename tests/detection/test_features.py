from __future__ import annotations

import numpy as np

from vigil.detection.features import Hasher


def test_batch_scores_equal_single_scores() -> None:
    h = Hasher(bits=12)
    rng = np.random.default_rng(0)
    w = rng.normal(size=(h.n_buckets, 3)).astype(np.float32)
    texts = ["Hello World", "", "김치녀 ㅋㅋ", "🙂 emoji 𝐛𝐨𝐥𝐝", "a", "x" * 10_000, "İstanbul"]
    batch = h.scores(texts, w)
    single = np.vstack([h.scores([t], w) for t in texts])
    np.testing.assert_allclose(batch, single, rtol=1e-5, atol=1e-6)
    assert np.all(batch[1] == 0)


def test_gram_offsets_match_the_original_text() -> None:
    h = Hasher(bits=12)
    texts = ["🙂 Hello İstanbul", "SLUT"]
    g = h.grams(texts)
    for d, s, e in zip(g.doc, g.start, g.end, strict=True):
        assert 0 <= s < e <= len(texts[d])
    words = h.words(texts)
    assert [texts[d][s:e] for d, s, e in zip(words.doc, words.start, words.end, strict=True)] == [
        "🙂",
        "Hello",
        "İstanbul",
        "SLUT",
    ]


def test_case_is_folded() -> None:
    h = Hasher(bits=12)
    w = np.arange(h.n_buckets, dtype=np.float32)[:, None]
    np.testing.assert_allclose(h.scores(["SLUT"], w), h.scores(["slut"], w))


def test_repeating_a_string_does_not_inflate_its_score() -> None:
    """A text of one string copied many times scored ~sqrt(copies) times the string alone."""
    h = Hasher(bits=12)
    w = np.random.default_rng(1).normal(size=(h.n_buckets, 2)).astype(np.float32)
    once = h.scores(["you stupid slut "], w)[0]
    many = h.scores(["you stupid slut " * 1000], w)[0]
    assert np.all(np.abs(many) <= 2 * np.abs(once) + 1e-3)


def test_natural_text_keeps_the_plain_length_scale() -> None:
    h = Hasher(bits=12)
    text = "women should be allowed to speak in public without being threatened"
    _, scale = h.blocks([text, "ha" * 500])
    n = sum(m.nnz for m in h.blocks([text])[0])
    assert scale[0] == np.float32(1 / np.sqrt(n))
    assert scale[1] < 0.5 / np.sqrt(sum(m.nnz for m in h.blocks(["ha" * 500])[0]))


def test_word_sums_reuse_the_scored_batch() -> None:
    h = Hasher(bits=12)
    column = np.random.default_rng(2).normal(size=h.n_buckets).astype(np.float32)
    texts = ["Hello World", "", "김치녀 ㅋㅋㅋ", "ha " * 300, "🙂 İstanbul 𝐛𝐨𝐥𝐝"]
    some = [texts[4], texts[2], texts[3]]
    fresh_words, fresh = h.word_sums(some, column)
    words, sums = h.word_sums(some, column, h.featurize(texts), np.array([4, 2, 3]))
    # The same words (in batch order rather than in the order asked), the same sums.
    order = np.lexsort((words.start, words.doc))
    np.testing.assert_array_equal(words.doc[order], fresh_words.doc)
    np.testing.assert_array_equal(words.start[order], fresh_words.start)
    np.testing.assert_array_equal(words.end[order], fresh_words.end)
    np.testing.assert_allclose(sums[order], fresh, rtol=1e-5, atol=1e-7)
