"""Degenerate inputs: a string repeated many times must score about like the string."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.detection import load_detector
from vigil.detection.detectors import FastDetector


@pytest.fixture(scope="module")
def fast() -> FastDetector:
    detector = load_detector("fast", explain=False)
    assert isinstance(detector, FastDetector)
    return detector


@pytest.mark.parametrize(
    "unit", ["women belong in the kitchen ", "USER ", "김치녀 ", "ㅋ", "you stupid slut "]
)
def test_repetition_does_not_inflate_scores(fast: FastDetector, unit: str) -> None:
    model = fast._model
    assert model is not None
    few, many = model.raw_scores([unit * 5, unit * 800]) - model.bias
    # Scores stop growing after a few copies; before the fix 800 copies scored sqrt(160) ≈ 13
    # times 5 copies ("threat" 0.99 for the kitchen line).
    assert np.all(np.abs(many) <= 1.25 * np.abs(few) + 0.5), (few, many)


def test_repeated_line_is_not_a_threat(fast: FastDetector) -> None:
    (result,) = fast.predict(["women belong in the kitchen " * 500])
    assert result.categories["threat"] < 0.5
    assert "threat" not in result.flags


def test_many_lexicon_hits_are_capped_keeping_every_category(fast: FastDetector) -> None:
    from vigil.detection.lexicon import MAX_HITS

    (result,) = fast.predict(["slut " * 2000 + "and I know where you live"])
    assert {"sexist_abuse", "threat"} <= set(result.flags)
    assert len(result.explanation) <= MAX_HITS + 2


DEGENERATE = [
    "가" * 20_000 + "도 1",  # a Hangul run before a digit: the Korean address pattern
    "가" * 20_000 + " b1tch",  # a letter run before leetspeak: the leet pattern
    "wh\u043ere " * 4000,  # thousands of lexicon hits, each with a homoglyph
    "s l u t " * 3000,
    "@" * 20_000,
    "🙂" * 20_000,
]


def test_degenerate_long_texts_are_scored(fast: FastDetector) -> None:
    """Each of these once took seconds (patterns quadratic in a run's length)."""
    results = fast.predict(DEGENERATE)
    assert len(results) == len(DEGENERATE)
    assert results[2].gbv and results[3].gbv


def test_lone_surrogates_are_scored_by_every_tier() -> None:
    # Python's json (the web API) accepts "\ud800" escapes; the transformer's tokenizer used to
    # reject the whole batch for one such post
    texts = ["you stupid woman \ud800 I will find you", "\udfff", "hello \ud83d there"]
    for tier in ("fast", "accurate"):
        results = load_detector(tier).predict(texts)
        assert results[0].lang == "en"  # so the accurate tier sends it to the transformer
        assert len(results) == 3
