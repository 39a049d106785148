"""Contrast examples: posts about women that are not abuse, added to training runs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from vigil.detection.lexicon import Lexicon
from vigil.detection.taxonomy import LEARNED
from vigil.detection.training import contrast
from vigil.detection.training.train import collect

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _norm(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


def test_every_example_is_english_and_negative_on_every_head() -> None:
    examples = contrast.contrast_examples()
    assert len(examples) == len(contrast.TEMPLATES) * len(contrast.GROUPS)
    assert len({e.text for e in examples}) == len(examples)
    for e in examples:
        assert e.lang == "en" and e.dataset == contrast.DATASET and e.split == "train"
        assert e.labels == dict.fromkeys(LEARNED, 0)


def test_no_example_holds_a_slur_or_other_lexicon_term() -> None:
    """Labelled not abusive, a slur would teach the models that slurs are fine."""
    texts = [e.text for e in contrast.contrast_examples()]
    hits = Lexicon().load().match(texts, ["en"] * len(texts))
    assert [t for t, h in zip(texts, hits, strict=True) if h] == []


def test_no_example_is_a_functional_test_case() -> None:
    """Trained on, a case would measure nothing: no text of any functional case file
    (development or held out) may be a contrast example."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from functional import load_cases
    finally:
        sys.path.remove(str(BENCHMARKS))
    mine = {_norm(e.text) for e in contrast.contrast_examples()}
    files = sorted(BENCHMARKS.glob("functional*.yaml"))
    assert len(files) >= 2
    overlap = [c.text for f in files for c in load_cases(f) if _norm(c.text) in mine]
    assert overlap == []


def test_training_runs_add_them_only_when_asked(tmp_path: Path) -> None:
    review = tmp_path / "reviews.jsonl"
    review.write_text('{"text": "you are worthless", "label": "sexist_abuse"}\n', encoding="utf-8")
    with_them, _ = collect(None, [review], redistributable_only=False, with_contrast=True)
    without, _ = collect(None, [review], redistributable_only=False)
    assert len(without) == 1
    assert len(with_them) == 1 + len(contrast.contrast_examples())
    assert {e.dataset for e in with_them} == {without[0].dataset, contrast.DATASET}
