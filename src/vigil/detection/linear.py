"""The n-gram linear model behind the fast tier: weights, calibration, thresholds, explanations.

Stored as ``model.npz`` (numbers only, ``allow_pickle=False``) plus ``model.json`` (heads, hasher
settings, thresholds, training record). Only the hash buckets that matter are stored (pruned at
training time), as float16; loading expands them into a dense float32 table for scoring.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.detection.base import Span
from vigil.detection.compiled import CompiledScorer, TopWords
from vigil.detection.features import Featurized, Hasher
from vigil.errors import ConfigurationError

F32 = npt.NDArray[np.float32]
FORMAT: Final = "vigil-linear/1"
#: Spans shown per flagged text; fewer words than this carry most of a decision.
MAX_SPANS: Final = 5


def sigmoid(z: F32) -> F32:
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


class LinearModel:
    """Per-head logistic scores over hashed n-grams, Platt-calibrated per head."""

    def __init__(
        self,
        heads: list[str],
        hasher: Hasher,
        weights: F32,
        bias: F32,
        calibration: F32 | None = None,
        thresholds: dict[str, dict[str, float]] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.heads = heads
        self.hasher = hasher
        self.weights = weights  # (n_buckets, n_heads)
        self.bias = bias
        # (n_heads, 2): p = sigmoid(a * z + b) on the raw score z
        self.calibration = (
            calibration
            if calibration is not None
            else np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(heads), 1))
        )
        self.thresholds = thresholds or {h: {"default": 0.5} for h in heads}
        self.meta = meta or {}
        self._columns: dict[str, F32] = {}
        self._last: tuple[list[str], Featurized] | None = None
        self._scorer: CompiledScorer | None = None
        #: The head whose top words scoring keeps for ``explain`` (the compiled path finds
        #: them in the same pass; a detector that explains sets it).
        self.explained: str | None = None
        self._top: tuple[list[str], TopWords] | None = None
        self._scorer_bound = False
        #: The buckets a loaded model's file holds (the others are zero), or None.
        self.stored: npt.NDArray[np.int64] | None = None

    # ---- scoring ------------------------------------------------------------------------

    def raw_scores(self, texts: list[str]) -> F32:
        scorer = self._compiled()
        if scorer is not None:
            self._last = None
            explain = self.heads.index(self.explained) if self.explained in self.heads else -1
            z, top = scorer.scores(texts, explain, MAX_SPANS)
            self._top = (texts, top) if top is not None else None
            return z + self.bias
        feat = self.hasher.featurize(texts)
        # Kept for ``explain``: the texts a detector explains come from the batch it scored.
        self._last = (texts, feat)
        return self.hasher.scores_of(feat, self.weights) + self.bias

    def _compiled(self) -> CompiledScorer | None:
        """The weights bound to the compiled kernel, once (None where it was not built)."""
        if not self._scorer_bound:
            self._scorer = CompiledScorer.bind(self.hasher, self.weights, self.stored)
            self._scorer_bound = True
        return self._scorer

    def probabilities(self, texts: list[str]) -> F32:
        z = self.raw_scores(texts)
        return sigmoid(z * self.calibration[:, 0] + self.calibration[:, 1])

    def threshold(self, head: str, lang: str) -> float:
        by_lang = self.thresholds.get(head, {})
        return float(by_lang.get(lang, by_lang.get("default", 0.5)))

    def _column(self, head: str) -> F32:
        """One head's weights as a contiguous array (a fifth of the table to gather from)."""
        column = self._columns.get(head)
        if column is None:
            column = np.ascontiguousarray(self.weights[:, self.heads.index(head)])
            self._columns[head] = column
        return column

    def _scored(self, texts: list[str]) -> tuple[Featurized | None, npt.NDArray[np.int64] | None]:
        """The last scored batch's hashing and where ``texts`` are in it, so explaining them
        hashes nothing again; (None, None) otherwise."""
        if self._last is None:
            return None, None
        batch, feat = self._last
        docs = _positions(batch, texts)
        return (feat, docs) if docs is not None else (None, None)

    def explain(self, texts: list[str], head: str, limit: int = MAX_SPANS) -> list[list[Span]]:
        """For each text, the words whose n-grams pushed ``head`` up the most.

        Vectorised over the batch: each n-gram's contribution goes to the word it starts in
        (``Hasher.word_sums``), then the top words per text come from one ``lexsort``.
        """
        if not texts:
            return []
        if self._top is not None and head == self.explained and limit <= MAX_SPANS:
            docs = _positions(self._top[0], texts)
            if docs is not None:
                return _top_spans(texts, self._top[1], docs, limit)
        scorer = self._compiled()
        if scorer is not None:
            words, sums = scorer.word_sums(texts, self.heads.index(head))
        else:
            words, sums = self.hasher.word_sums(texts, self._column(head), *self._scored(texts))
        order = np.lexsort((-sums, words.doc))
        docs = words.doc[order]
        first = np.flatnonzero(np.diff(docs, prepend=-1))
        rank = np.arange(order.size) - np.repeat(first, np.diff(np.append(first, order.size)))
        top = order[(rank < limit) & (sums[order] > 0)]
        out: list[list[Span]] = [[] for _ in texts]
        for weight, d, a, b in zip(
            sums[top].tolist(),
            words.doc[top].tolist(),
            words.start[top].tolist(),
            words.end[top].tolist(),
            strict=True,
        ):
            out[d].append(Span(a, b, texts[d][a:b], weight))
        return out

    # ---- storage ------------------------------------------------------------------------

    def save(self, directory: Path, keep: int | None = None) -> None:
        """Write model.npz and model.json; ``keep`` prunes to that many buckets."""
        directory.mkdir(parents=True, exist_ok=True)
        strength = np.abs(self.weights).max(axis=1)
        idx = np.flatnonzero(strength > 0)
        if keep is not None and idx.size > keep:
            idx = np.sort(np.argpartition(strength, -keep)[-keep:])
        np.savez_compressed(
            directory / "model.npz",
            index=idx.astype(np.uint32),
            weights=self.weights[idx].astype(np.float16),
            bias=self.bias.astype(np.float32),
            calibration=self.calibration.astype(np.float32),
        )
        doc = {
            "format": FORMAT,
            "heads": self.heads,
            "hasher": self.hasher.to_json(),
            "thresholds": self.thresholds,
            "meta": self.meta,
        }
        (directory / "model.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def pruned(self, keep: int) -> LinearModel:
        """The same model with all but the ``keep`` strongest buckets zeroed, in float16
        precision: what ``save(keep=...)`` writes, so scores can be measured before saving."""
        strength = np.abs(self.weights).max(axis=1)
        w = np.zeros_like(self.weights)
        if strength.size > keep:
            idx = np.argpartition(strength, -keep)[-keep:]
        else:
            idx = np.arange(strength.size)
        w[idx] = self.weights[idx].astype(np.float16).astype(np.float32)
        return LinearModel(
            self.heads, self.hasher, w, self.bias, self.calibration, self.thresholds, self.meta
        )

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        try:
            doc = json.loads((directory / "model.json").read_text(encoding="utf-8"))
            arrays = np.load(directory / "model.npz", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read model in {directory}: {exc}") from None
        if doc.get("format") != FORMAT:
            raise ConfigurationError(f"{directory}: not a {FORMAT} model")
        hasher = Hasher.from_json(doc["hasher"])
        heads = list(doc["heads"])
        weights = np.zeros((hasher.n_buckets, len(heads)), dtype=np.float32)
        stored = arrays["index"].astype(np.int64)
        if stored.size and (stored.min() < 0 or stored.max() >= hasher.n_buckets):
            raise ConfigurationError(f"{directory}: bucket index outside the model")
        weights[stored] = arrays["weights"].astype(np.float32)
        model = cls(
            heads=heads,
            hasher=hasher,
            weights=weights,
            bias=arrays["bias"].astype(np.float32),
            calibration=arrays["calibration"].astype(np.float32),
            thresholds=doc.get("thresholds"),
            meta=doc.get("meta", {}),
        )
        model.stored = stored
        return model


def _positions(batch: list[str], texts: list[str]) -> npt.NDArray[np.int64] | None:
    """Where ``texts`` are in ``batch`` (the very same string objects), or None."""
    index = {id(t): i for i, t in enumerate(batch)}
    docs = [index.get(id(t), -1) for t in texts]
    if any(d < 0 or batch[d] is not t for d, t in zip(docs, texts, strict=True)):
        return None
    return np.array(docs, dtype=np.int64)


def _top_spans(
    texts: list[str], top: TopWords, docs: npt.NDArray[np.int64], limit: int
) -> list[list[Span]]:
    """Spans from the top words the kernel found while scoring the batch."""
    out: list[list[Span]] = []
    for text, starts, ends, weights in zip(
        texts,
        top.start[docs, :limit].tolist(),
        top.end[docs, :limit].tolist(),
        top.weight[docs, :limit].tolist(),
        strict=True,
    ):
        out.append(
            [
                Span(a, b, text[a:b], w)
                for a, b, w in zip(starts, ends, weights, strict=True)
                if a >= 0
            ]
        )
    return out
