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
