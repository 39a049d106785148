"""Calibrating the transformer and mixing it with the n-gram model, on held-out training data.

Everything here is chosen on the part of the training data that neither model was fitted on
(the n-gram model's calibration share): Platt scaling per head for the transformer, its weight
in the ensemble per language (0 where it does not help, e.g. languages its English vocabulary
cannot read), and the ensemble's thresholds per head and language. Dev splits are never used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.detection.training.fit import MIN_EXAMPLES_PER_HEAD, MIN_POSITIVES_FOR_LANGUAGE
from vigil.detection.training.metrics import best_threshold
from vigil.detection.transformer import FORMAT

F32 = npt.NDArray[np.float32]
#: Transformer shares tried per language.
WEIGHTS: Final = tuple(round(float(w), 2) for w in np.arange(0.0, 1.001, 0.1))


def _log_loss(y: npt.NDArray[np.bool_], p: F32) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))


def platt(logits: F32, labels: F32, rows_ok: npt.NDArray[np.bool_]) -> dict[str, list[float]]:
    """Per head column: ``[a, b]`` with ``p = sigmoid(a * z + b)``; identity if too few labels."""
    from sklearn.linear_model import LogisticRegression

    out: dict[str, list[float]] = {}
    for k in range(logits.shape[1]):
        rows = np.flatnonzero(rows_ok & (labels[:, k] >= 0))
        y = labels[rows, k] == 1
        if rows.size < MIN_EXAMPLES_PER_HEAD or y.all() or not y.any():
            out[str(k)] = [1.0, 0.0]
            continue
        fit = LogisticRegression(C=1e4).fit(logits[rows, k : k + 1], y)
        out[str(k)] = [float(fit.coef_[0][0]), float(fit.intercept_[0])]
    return out


def choose_weights(
    p_transformer: F32, p_ngram: F32, labels: F32, langs: npt.NDArray[np.str_]
) -> dict[str, Any]:
    """Per language with enough labelled positives: the transformer share with the lowest mean
    log-loss over the heads; other languages get 0 (the n-gram model alone)."""
    weights: dict[str, Any] = {"default": 0.0}
    scores: dict[str, dict[str, float]] = {}
    for lang in sorted(set(langs.tolist())):
        sel = langs == lang
        if np.sum(labels[sel, 0] == 1) < MIN_POSITIVES_FOR_LANGUAGE:
            continue
        losses = {}
        for w in WEIGHTS:
            mixed = w * p_transformer[sel] + (1 - w) * p_ngram[sel]
            per_head = []
            for k in range(labels.shape[1]):
                known = labels[sel, k] >= 0
                y = labels[sel, k][known] == 1
                if y.sum() >= 1 and (~y).sum() >= 1:
                    per_head.append(_log_loss(y, mixed[known, k]))
            losses[w] = float(np.mean(per_head)) if per_head else 0.0
        best = min(WEIGHTS, key=lambda w: (losses[w], w))
        weights[lang] = float(best)
        scores[lang] = {str(w): round(v, 4) for w, v in losses.items()}
    return {"weights": weights, "log_loss": scores}


def mix(
    p_transformer: F32, p_ngram: F32, langs: npt.NDArray[np.str_], weights: dict[str, float]
) -> F32:
    w = np.array([weights.get(lang, weights.get("default", 0.0)) for lang in langs.tolist()])
    w = w.astype(np.float32)[:, None]
    return (w * p_transformer + (1 - w) * p_ngram).astype(np.float32)


def thresholds(
    probs: F32, labels: F32, langs: npt.NDArray[np.str_], heads: list[str]
) -> dict[str, dict[str, float]]:
    """F1-optimal thresholds per head, and per language where it has enough positives."""
    out: dict[str, dict[str, float]] = {}
    for k, head in enumerate(heads):
        rows = np.flatnonzero(labels[:, k] >= 0)
        y = labels[rows, k] == 1
        if rows.size < MIN_EXAMPLES_PER_HEAD or not y.any() or y.all():
            out[head] = {"default": 0.5}
            continue
        out[head] = {"default": best_threshold(y, probs[rows, k])}
        for lang in sorted(set(langs[rows].tolist())):
            sel = langs[rows] == lang
            if np.sum(y[sel]) >= MIN_POSITIVES_FOR_LANGUAGE:
                out[head][lang] = best_threshold(y[sel], probs[rows, k][sel])
    return out


def write(directory: Path, doc: dict[str, Any]) -> None:
    (directory / "transformer.json").write_text(
        json.dumps({"format": FORMAT, **doc}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
