from __future__ import annotations

import pytest

from vigil.detection import load_detector
from vigil.detection.linear import LinearModel

TEXTS = [
    "you are a stupid slut, I know where you live",
    "lovely weather today",
    "women belong in the kitchen, shut up",
    "",
    "김치녀 ㅋㅋㅋ 집에서 밥이나 해",
]


def test_explanations_reuse_the_scored_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Explaining texts of the batch just scored reads its hashing: same spans as hashing
    the texts again."""
    detector = load_detector("fast")
    reused = [r.explanation for r in detector.predict(TEXTS)]
    monkeypatch.setattr(LinearModel, "_scored", lambda self, texts: (None, None))
    fresh = [r.explanation for r in detector.predict(TEXTS)]
    assert reused == fresh
    assert any(reused)
