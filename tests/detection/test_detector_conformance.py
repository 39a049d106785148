"""Every registered detector honours the Detector contract (one class, all plugins)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vigil.detection import Detector, Result, detector_registry, load_detector
from vigil.detection.taxonomy import CATEGORIES
from vigil.errors import ConfigurationError, NotFound

NAMES = detector_registry().names()
_LOADED: dict[str, Detector] = {}


def loaded(name: str) -> Detector:
    if name not in _LOADED:
        _LOADED[name] = load_detector(name)
    return _LOADED[name]


@pytest.mark.parametrize("name", NAMES)
class TestDetectorConformance:
    def test_constructor_only_stores_parameters(self, name: str) -> None:
        cls = detector_registry().get(name)
        detector = cls(model_dir=None, explain=False)  # type: ignore[call-arg]
        params = detector.get_params()
        assert params["explain"] is False
        assert params["model_dir"] is None

    def test_load_returns_self(self, name: str) -> None:
        cls = detector_registry().get(name)
        detector = cls()
        assert detector.load() is detector

    def test_predict_takes_and_returns_lists(self, name: str) -> None:
        texts = ["hello there", "you stupid slut, I know where you live", ""]
        results = loaded(name).predict(texts)
        assert isinstance(results, list)
        assert len(results) == len(texts)
        assert all(isinstance(r, Result) for r in results)
        assert loaded(name).predict([]) == []

    def test_results_are_well_formed(self, name: str) -> None:
        for r in loaded(name).predict(["you stupid slut", "nice weather", "x" * 50_000]):
            assert set(r.categories) == set(CATEGORIES)
            assert all(0.0 <= v <= 1.0 for v in r.categories.values())
            assert 0.0 <= r.score <= 1.0
            assert set(r.flags) <= set(CATEGORIES)
            assert r.gbv == bool(r.flags) or r.gbv
            d = r.to_dict()
            assert set(d) == {"lang", "gbv", "score", "categories", "flags", "pii", "explanation"}

    def test_explanations_point_into_the_text(self, name: str) -> None:
        text = "Shut up you dumb slut, women belong in the kitchen"
        (r,) = loaded(name).predict([text])
        assert r.gbv
        assert r.explanation
        for span in r.explanation:
            assert text[span.start : span.end] == span.text

    def test_given_language_is_kept(self, name: str) -> None:
        (r,) = loaded(name).predict(["bonjour"], ["fr"])
        assert r.lang == "fr"

    def test_order_is_kept(self, name: str) -> None:
        texts = [f"post number {i}" if i % 3 else "you filthy whore" for i in range(40)]
        results = loaded(name).predict(texts)
        assert [r.gbv for r in results][::3] == [True] * 14


def test_registry_names_are_unique_and_stable() -> None:
    assert {"fast", "accurate", "lexicon"} <= set(NAMES)
    registry = detector_registry()
    with pytest.raises(NotFound):
        registry.get("no-such-detector")

    class Impostor(Detector):
        name = "fast"

        def load(self) -> Detector:
            return self

        def predict(self, texts, langs=None):  # type: ignore[no-untyped-def]
            return []

    with pytest.raises(ConfigurationError):
        registry.register(Impostor)


def test_accurate_falls_back_clearly_without_its_model(tmp_path: Path) -> None:
    from vigil.detection import AccurateDetector, default_model_dir

    for name in ("model.npz", "model.json"):
        shutil.copy(default_model_dir() / name, tmp_path / name)
    detector = AccurateDetector(model_dir=tmp_path).load()
    assert detector.fallback is True
    assert AccurateDetector().load().fallback is False  # the shipped model has both tiers
