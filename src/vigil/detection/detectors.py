"""Vigil's built-in text detectors: the fast n-gram tier, the accurate tier, lexicon-only.

Every detector combines the same parts: language id, the model (if any), the lexicons and the
PII finder. How they combine (docs/taxonomy.md, "How a decision is made"):

* learned categories: the calibrated model probability, raised to a lexicon hit's weight;
* sextortion and ncii: lexicon weights;
* doxxing: personal information in the text *and* a hostile context (any other category at or
  above its threshold, or a doxxing phrase);
* ``gbv``: any category flagged or the model's own ``gbv`` head over its threshold; ``score`` is
  the highest of these probabilities.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Final, Self

import numpy as np

from vigil.detection.base import Detector, Result, Span
from vigil.detection.features import MAX_CHARS
from vigil.detection.langid import UNDETERMINED, LanguageIdentifier
from vigil.detection.lexicon import Lexicon
from vigil.detection.linear import LinearModel
from vigil.detection.pii import PiiFinder
from vigil.detection.taxonomy import CATEGORIES, DOXXING, GBV
from vigil.detection.transformer import TransformerModel
from vigil.errors import ConfigurationError

log = logging.getLogger(__name__)

#: A rule-based category (sextortion, ncii, doxxing phrase) flags at this lexicon weight.
RULE_THRESHOLD: Final = 0.5
#: Texts scored per call into numpy: enough to amortise each call (2048 scores ~10 % faster
#: than 512), with memory bounded by ``BATCH_CHARS`` characters (long texts make smaller
#: batches; a text counts up to the 4,000 characters the model reads).
BATCH: Final = 2048
BATCH_CHARS: Final = 400_000


_COLUMNS: Final = (GBV, *CATEGORIES)
_DOX: Final = _COLUMNS.index(DOXXING)
_BITS: Final = 1 << np.arange(len(CATEGORIES), dtype=np.int64)
#: The flags for every combination of flagged categories, in CATEGORIES order.
_FLAG_SETS: Final = tuple(
    tuple(c for k, c in enumerate(CATEGORIES) if mask >> k & 1)
    for mask in range(1 << len(CATEGORIES))
)


def default_model_dir() -> Path:
    return Path(str(resources.files("vigil.detection") / "models" / "default"))


class _Pipeline(Detector):
    """Shared machinery; subclasses choose the model."""

    def __init__(self, model_dir: str | Path | None = None, explain: bool = True) -> None:
        self.model_dir = model_dir
        self.explain = explain
        self._langid: LanguageIdentifier | None = None
        self._lexicon: Lexicon | None = None
        self._pii: PiiFinder | None = None
        self._model: LinearModel | None = None
        self._threshold_cache: dict[str, np.ndarray] = {}

    def _load_common(self) -> None:
        self._langid = LanguageIdentifier().load()
        self._lexicon = Lexicon().load()
        self._pii = PiiFinder()

    def _model_probabilities(self, texts: list[str], langs: list[str]) -> np.ndarray | None:
        if self._model is None:
            return None
        return self._model.probabilities(texts)

    def _model_spans(
        self, texts: list[str], langs: list[str], ruled: list[bool]
    ) -> list[list[Span]]:
        """The model's reasons for flagging each of ``texts`` (all flagged); ``ruled``: the
        text has lexicon or pattern hits, which explain it already."""
        assert self._model is not None
        return self._model.explain(texts, GBV)

    def without_patterns(self) -> Self:
        """This detector with the lexicon patterns switched off (the models, word lists and
        thresholds shared): what ``benchmarks/functional.py --without-patterns`` measures."""
        if self._lexicon is None:
            self.load()
        assert self._lexicon is not None
        detector = copy.copy(self)
        detector._lexicon = self._lexicon.without_patterns()
        return detector

    def _threshold(self, head: str, lang: str) -> float:
        if self._model is None or head not in self._model.heads:
            return RULE_THRESHOLD
        return self._model.threshold(head, lang)

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Result]:
        if self._langid is None:
            self.load()
        out: list[Result] = []
        for i, j in _batches(texts):
            chunk = [t if isinstance(t, str) else "" for t in texts[i:j]]
            given: list[str | None] = list(langs[i:j]) if langs is not None else [None] * len(chunk)
            out.extend(self._predict_batch(chunk, given))
        return out

    def _thresholds(self, lang: str) -> np.ndarray:
        """Thresholds for (gbv, *CATEGORIES) in ``lang``; cached per language."""
        row = self._threshold_cache.get(lang)
        if row is None:
            heads = self._model.heads if self._model is not None else []
            row = np.array(
                [self._threshold(c, lang) if c in heads else RULE_THRESHOLD for c in _COLUMNS],
                dtype=np.float32,
            )
            self._threshold_cache[lang] = row
        return row

    def _predict_batch(self, texts: list[str], given: list[str | None]) -> list[Result]:
        assert self._langid and self._lexicon and self._pii
        n = len(texts)
        missing = [i for i, g in enumerate(given) if not g]
        found = self._langid.identify([texts[i] for i in missing]) if missing else []
        langs = [g or UNDETERMINED for g in given]
        for i, lang in zip(missing, found, strict=True):
            langs[i] = lang
        # Columns: gbv, then CATEGORIES. Model probabilities, lexicon weights, thresholds.
        model = np.zeros((n, len(_COLUMNS)), dtype=np.float32)
        probs = self._model_probabilities(texts, langs)
        if probs is not None and self._model is not None:
            for k, head in enumerate(self._model.heads):
                model[:, _COLUMNS.index(head)] = probs[:, k]
        lex = np.zeros_like(model)
        hits = self._lexicon.match(texts, langs)
        for i, text_hits in enumerate(hits):
            for h in text_hits:
                j = _COLUMNS.index(h.entry.category)
                lex[i, j] = max(lex[i, j], h.entry.weight)
        # One threshold row per language of the batch, not per text.
        seen: dict[str, int] = {}
        which = [seen.setdefault(lang, len(seen)) for lang in langs]
        thresholds = np.stack([self._thresholds(lang) for lang in seen])[which] if n else model
        scores = np.maximum(model, lex)
        flagged = (scores >= thresholds) | (lex >= RULE_THRESHOLD)
        flagged[:, _DOX] = False
        gbv = flagged[:, 1:].any(axis=1) | (model[:, 0] >= thresholds[:, 0])
        # A doxxing phrase alone is not doxxing: it needs personal information in the text.
        scores[:, _DOX] = lex[:, _DOX] * RULE_THRESHOLD
        pii = self._pii.find(texts, langs)
        for i, found_pii in enumerate(pii):
            if not found_pii:
                continue
            hostile = bool(gbv[i]) or lex[i, _DOX] >= RULE_THRESHOLD
            hostility = float(
                max(model[i, 0], lex[i, _DOX], scores[i, 1:][flagged[i, 1:]].max(initial=0))
            )
            scores[i, _DOX] = hostility if hostile else min(hostility, RULE_THRESHOLD - 0.01)
            flagged[i, _DOX] = hostile
            gbv[i] = gbv[i] or hostile
        # Rounded once here (in float64, so 0.8 stays 0.8), not per value when serialised.
        scores = np.round(scores.astype(np.float64), 4)
        best = scores.max(axis=1).tolist()
        results: list[Result] = []
        cat_scores = scores[:, 1:].tolist()
        # Flags from a bit mask per text: a table lookup instead of a loop over categories.
        masks = (flagged[:, 1:].astype(np.int64) @ _BITS).tolist()
        for i, is_gbv in enumerate(gbv.tolist()):
            spans = (
                [
                    Span(h.start, h.end, h.text, h.entry.weight, f"{h.source}:{h.entry.language}")
                    for h in hits[i]
                ]
                if is_gbv and hits[i]
                else []
            )
            results.append(
                Result(
                    langs[i],
                    is_gbv,
                    best[i],
                    dict(zip(CATEGORIES, cat_scores[i], strict=True)),
                    list(_FLAG_SETS[masks[i]]),
                    pii[i],
                    spans,
                )
            )
        heads = self._model.heads if self._model is not None else []
        if self.explain and self._model is not None and GBV in heads:
            todo = [i for i in range(n) if gbv[i] and texts[i]]
            spans_by_text = self._model_spans(
                [texts[i] for i in todo],
                [langs[i] for i in todo],
                [bool(results[i].explanation) for i in todo],
            )
            for i, model_spans in zip(todo, spans_by_text, strict=True):
                results[i].explanation = _merge(model_spans, results[i].explanation)
        return results


def _batches(texts: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of batches of at most ``BATCH`` texts and ``BATCH_CHARS`` characters."""
    start = chars = 0
    for i, t in enumerate(texts):
        size = min(len(t), MAX_CHARS) if isinstance(t, str) else 0
        if i > start and (i - start >= BATCH or chars + size > BATCH_CHARS):
            yield start, i
            start, chars = i, 0
        chars += size
    if start < len(texts):
        yield start, len(texts)


def _merge(model: list[Span], lexicon: list[Span]) -> list[Span]:
    """Lexicon hits first-class; model words that a hit already covers are dropped."""
    out = list(lexicon)
    for s in model:
        if not any(s.start < h.end and h.start < s.end for h in lexicon):
            out.append(s)
    return sorted(out, key=lambda s: (s.start, s.end))


class FastDetector(_Pipeline):
    """Hashed character and word n-grams, one linear model per category (``vigil train``)."""

    name = "fast"

    def load(self) -> FastDetector:
        self._load_common()
        directory = Path(self.model_dir) if self.model_dir else default_model_dir()
        self._model = LinearModel.load(directory)
        if self.explain:
            self._model.explained = GBV
        return self


class AccurateDetector(FastDetector):
    """The accurate tier: the fast model averaged with a wider n-gram model (``accurate/``),
    mixed per language with a fine-tuned transformer where the folder has one
    (``transformer/``: int8 ONNX, weights and thresholds per language in its JSON).

    A model folder without ``accurate/`` falls back to the fast tier and says so: ``fallback``
    is True and a warning is logged.
    """

    name = "accurate"

    def __init__(self, model_dir: str | Path | None = None, explain: bool = True) -> None:
        super().__init__(model_dir, explain)
        self.fallback = False
        self._second: LinearModel | None = None
        self._transformer: TransformerModel | None = None

    def load(self) -> AccurateDetector:
        super().load()
        directory = Path(self.model_dir) if self.model_dir else default_model_dir()
        if (directory / "accurate" / "model.json").is_file():
            self._second = LinearModel.load(directory / "accurate")
            if self._second.heads != (self._model.heads if self._model else []):
                raise ConfigurationError(f"{directory}: accurate model heads differ")
            if (directory / "transformer" / "transformer.json").is_file():
                self._transformer = TransformerModel.load(directory / "transformer")
                if self._transformer.heads != self._second.heads:
                    raise ConfigurationError(f"{directory}: transformer heads differ")
        else:
            self.fallback = True
            log.warning("no accurate model in %s: the accurate tier falls back to fast", directory)
        return self

    def _model_probabilities(self, texts: list[str], langs: list[str]) -> np.ndarray | None:
        first = super()._model_probabilities(texts, langs)
        if self._second is None or first is None:
            return first
        ngram = (first + self._second.probabilities(texts)) / 2
        if self._transformer is None:
            return ngram
        # Per language: the transformer's share (0: the n-gram models alone, and no cost).
        share = np.array([self._transformer.weight(lang) for lang in langs], dtype=np.float32)
        rows = np.flatnonzero(share > 0)
        if rows.size:
            p = self._transformer.probabilities([texts[i] for i in rows.tolist()])
            w = share[rows, None]
            ngram[rows] = w * p + (1 - w) * ngram[rows]
        return ngram

    def _model_spans(
        self, texts: list[str], langs: list[str], ruled: list[bool]
    ) -> list[list[Span]]:
        """Where the transformer decided alone (no lexicon or pattern hit, and the n-gram models
        stay under the threshold), its own reasons replace the n-gram words: the words whose
        removal lowers its probability most. Each costs ~9 model calls, so only there."""
        spans = super()._model_spans(texts, langs, ruled)
        if self._transformer is None or self._second is None or self._model is None:
            return spans
        rows = [
            i for i, lang in enumerate(langs) if not ruled[i] and self._transformer.weight(lang) > 0
        ]
        if not rows:
            return spans
        k = self._model.heads.index(GBV)
        # The n-gram half is scored again for these few flagged posts (microseconds each)
        # rather than carried over from the mixed probabilities, which no longer hold it.
        sub = [texts[i] for i in rows]
        ngram = (self._model.probabilities(sub)[:, k] + self._second.probabilities(sub)[:, k]) / 2
        decided = [
            i
            for i, p in zip(rows, ngram.tolist(), strict=True)
            if p < self._threshold(GBV, langs[i])
        ]
        deep = self._transformer.explain([texts[i] for i in decided], GBV)
        for i, found in zip(decided, deep, strict=True):
            if found:
                spans[i] = found
        return spans

    def _threshold(self, head: str, lang: str) -> float:
        if self._transformer is not None and head in self._transformer.heads:
            return self._transformer.threshold(head, lang)
        return super()._threshold(head, lang)


class LexiconDetector(_Pipeline):
    """Lexicons, PII and language id only: for languages no model has seen, and for tests."""

    name = "lexicon"

    def load(self) -> LexiconDetector:
        self._load_common()
        return self
