"""How the pipeline talks to the detection engine (``vigil.detection``).

The engine's detectors take a list of texts and return one result per text with the fields of
``vigil scan`` output: ``lang``, ``gbv``, ``score``, ``categories``, ``flags``, ``pii`` and
``explanation``. Results may be objects or mappings; ``to_detection`` reads either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from vigil.detection.base import Result
from vigil.errors import ConfigurationError

TIERS = ("fast", "accurate")

#: Severity of a category, by words in its name; unknown abuse counts as moderate.
SEVERITY_BY_WORD = (
    ("sextortion", 1.0),
    ("ncii", 1.0),
    ("intimate", 1.0),
    ("threat", 1.0),
    ("dox", 0.9),
    ("stalk", 0.9),
    ("sexual", 0.8),
    ("misogyn", 0.6),
    ("hate", 0.6),
    ("insult", 0.4),
)
DEFAULT_SEVERITY = 0.5
#: PII in an abusive post (an address, a phone number) is doxxing: at least this severe.
PII_SEVERITY = 0.9


class TextDetector(Protocol):
    def predict(self, texts: Sequence[str]) -> Sequence[Any]: ...


@dataclass(slots=True)
class Detection:
    """One text's scan output, plus the flagged categories, most likely first."""

    lang: str | None = None
    gbv: bool = False
    score: float = 0.0
    categories: Any = field(default_factory=dict)  # as the detector gave them (scores)
    flags: list[str] = field(default_factory=list)
    pii: list[Any] = field(default_factory=list)
    explanation: Any = None
    labels: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "gbv": self.gbv,
            "score": self.score,
            "categories": self.categories,
            "flags": self.flags,
            "pii": self.pii,
            "explanation": self.explanation,
        }

    @property
    def severity(self) -> float:
        if not self.gbv and not self.pii:
            return 0.0
        worst = max((category_severity(c) for c in self.labels), default=DEFAULT_SEVERITY)
        return max(worst, PII_SEVERITY) if (self.pii and self.gbv) else worst


def category_severity(category: str) -> float:
    name = category.casefold()
    for word, weight in SEVERITY_BY_WORD:
        if word in name:
            return weight
    return DEFAULT_SEVERITY


def plain(value: Any) -> Any:
    """JSON-ready copy: numpy scalars, dataclasses, pydantic models and tuples unwrapped."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if hasattr(value, "item") and callable(value.item) and not hasattr(value, "__len__"):
        return value.item()
    if hasattr(value, "to_dict") and callable(value.to_dict):  # vigil.detection.Result
        return plain(value.to_dict())
    if hasattr(value, "model_dump"):
        return plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return plain(value.tolist())
    return str(value)


def _names(value: Any) -> list[str]:
    out = []
    for item in value or []:
        if isinstance(item, Mapping):
            out.append(str(item.get("name") or item.get("category") or item.get("label")))
        else:
            out.append(str(item))
    return out


def _labels(categories: Any, flags: list[str], gbv: bool) -> list[str]:
    """Flagged categories by score, highest first (``flags`` name them when scores are a map)."""
    if isinstance(categories, Mapping):
        scores = {str(k): float(v or 0.0) for k, v in categories.items()}
        chosen = [f for f in flags if f in scores] or (
            [max(scores, key=lambda k: scores[k])] if gbv and scores else []
        )
        return sorted(chosen, key=lambda k: -scores[k])
    return _names(categories)


def to_detection(result: Any) -> Detection:
    # vigil.detection results serialise themselves to plain JSON types: no deep walk needed;
    # their explanation spans keep their source (lexicon, pattern, model) for reviewers.
    if isinstance(result, Result):
        data = result.to_dict(sources=True)
    else:
        data = result.to_dict() if callable(getattr(result, "to_dict", None)) else plain(result)
    if not isinstance(data, Mapping):
        raise ConfigurationError("the detector returned something that is not a result")
    flags = _names(data.get("flags"))
    gbv = bool(data.get("gbv"))
    categories = data.get("categories") or {}
    return Detection(
        lang=str(data["lang"])[:16] if data.get("lang") else None,
        gbv=gbv,
        score=float(data.get("score") or 0.0),
        categories=categories,
        flags=flags,
        pii=list(data.get("pii") or []),
        explanation=data.get("explanation"),
        labels=_labels(categories, flags, gbv),
    )


def load_text_detector(tier: str = "fast") -> TextDetector:
    """The shipped detector of ``tier`` (fast, accurate, or any registered detector)."""
    try:
        from vigil import detection
    except ImportError:  # pragma: no cover - the engine ships with Vigil
        raise ConfigurationError("the detection engine is not installed") from None
    loader = getattr(detection, "load_detector", None)
    if loader is None:
        raise ConfigurationError("the detection engine has no load_detector yet")
    detector: TextDetector = loader(tier=tier)
    return detector
