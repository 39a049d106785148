"""Text detection: taxonomy, language id, classifiers, lexicons, PII/doxxing, explanations.

A library of its own (no database, no web)::

    from vigil.detection import load_detector
    load_detector().predict(["text one", "text two"])
"""

from __future__ import annotations

from pathlib import Path

from vigil.detection.base import Detector, PiiMatch, Result, Span
from vigil.detection.detectors import (
    AccurateDetector,
    FastDetector,
    LexiconDetector,
    default_model_dir,
)
from vigil.registry import Registry

BUILTINS: tuple[type[Detector], ...] = (FastDetector, AccurateDetector, LexiconDetector)
#: The default tier: ``accurate`` meets its throughput target (docs/model-card.md); a model
#: folder without an accurate part falls back to ``fast`` and says so.
DEFAULT_TIER = "accurate"


def detector_registry(*, entry_points: bool = False) -> Registry[type[Detector]]:
    registry: Registry[type[Detector]] = Registry(Detector, BUILTINS)
    if entry_points:
        registry.load_entry_points()
    return registry


def load_detector(
    tier: str = DEFAULT_TIER, model_dir: str | Path | None = None, *, explain: bool = True
) -> Detector:
    """A loaded detector of the tier named (``fast``, ``accurate``, ``lexicon`` or a plugin)."""
    cls = detector_registry(entry_points=True).get(tier)
    detector = cls(model_dir=model_dir, explain=explain)  # type: ignore[call-arg]
    return detector.load()


__all__ = [
    "AccurateDetector",
    "Detector",
    "FastDetector",
    "LexiconDetector",
    "PiiMatch",
    "Result",
    "Span",
    "default_model_dir",
    "detector_registry",
    "load_detector",
]
