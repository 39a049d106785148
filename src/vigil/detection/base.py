"""The interface every text detector implements, and the result it returns.

Detectors follow scikit-learn's manners: the constructor only stores parameters, ``load()``
reads what the detector needs from disk (never from the network), and ``predict`` always takes
and returns lists.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from vigil.detection.taxonomy import CATEGORIES


@dataclass(frozen=True)
class Span:
    """A part of the text that drove a decision, with its weight (feature contribution or
    lexicon weight); ``source`` says which."""

    start: int
    end: int
    text: str
    weight: float
    source: str = "model"

    def to_dict(self, source: bool = False) -> dict[str, Any]:
        """The span as ``vigil scan`` writes it; ``source`` adds where it came from (for the
        review console; scan output keeps the documented four fields)."""
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "weight": round(float(self.weight), 4),
        }
        if source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class PiiMatch:
    """Personal information found in a text: ``type`` is phone, email, address, national_id,
    iban, payment_card or coordinates."""

    type: str
    start: int
    end: int
    detail: str = ""  # e.g. the region of a phone number or the kind of identity number

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "start": self.start, "end": self.end}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class Result:
    """What a detector says about one text. ``score`` is the probability of ``gbv``.

    Detectors round probabilities to four decimals (once, over the whole batch)."""

    lang: str
    gbv: bool
    score: float
    categories: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    pii: list[PiiMatch] = field(default_factory=list)
    explanation: list[Span] = field(default_factory=list)

    def to_dict(self, sources: bool = False) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "gbv": self.gbv,
            "score": self.score,
            "categories": dict(self.categories),
            "flags": list(self.flags),
            "pii": [p.to_dict() for p in self.pii],
            "explanation": [s.to_dict(sources) for s in self.explanation],
        }

    @classmethod
    def empty(cls, lang: str = "und") -> Result:
        return cls(lang=lang, gbv=False, score=0.0, categories=dict.fromkeys(CATEGORIES, 0.0))


class Detector(abc.ABC):
    """A text detector: ``name`` is stable and unique in the registry."""

    name: ClassVar[str]

    @abc.abstractmethod
    def load(self) -> Detector:
        """Read models and data from disk; return ``self``. Never touches the network."""

    @abc.abstractmethod
    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Result]:
        """One result per text, in order. ``langs`` gives known languages (None: detect)."""

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, as scikit-learn estimators report them."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}
