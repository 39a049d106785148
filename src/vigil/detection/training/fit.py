"""Fitting the n-gram linear model: one logistic regression per head, Platt calibration and
per-language thresholds on a held-out part of the training data, scores on the dev split."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.detection.features import Hasher
from vigil.detection.linear import LinearModel
from vigil.detection.taxonomy import LEARNED, SEXIST_ABUSE
from vigil.detection.training.datasets import Example
from vigil.detection.training.metrics import best_threshold, f1, macro_f1

log = logging.getLogger(__name__)

#: Share of the training data held out to calibrate probabilities and choose thresholds.
CALIBRATION_SHARE: Final = 0.15
#: A language gets its own threshold when the calibration part has this many positives.
MIN_POSITIVES_FOR_LANGUAGE: Final = 15
MIN_EXAMPLES_PER_HEAD: Final = 20


@dataclass
class FitConfig:
    bits: int = 20
    char_orders: tuple[int, ...] = (2, 3, 4, 5)
    word_orders: tuple[int, ...] = (1, 2)
    c: float = 4.0
    keep: int = 1 << 17  # buckets kept in the saved model
    seed: int = 13
    #: Refit on every training row once calibration and thresholds are chosen on the held-out
    #: part: small languages lose a sixth of their few examples otherwise. Off where another
    #: model is tuned on those held-out rows (the accurate tier's ensemble).
    refit_all: bool = False


@dataclass
class FitReport:
    heads: list[str]
    dev: list[dict[str, Any]] = field(default_factory=list)


def _labels(examples: Sequence[Example], head: str) -> npt.NDArray[np.int8]:
    return np.array([e.labels.get(head, -1) for e in examples], dtype=np.int8)


def calibration_split(
    examples: Sequence[Example], seed: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(fitting rows, held-out rows): the same split for every model trained with ``seed``,
    so the accurate tier's ensemble is tuned on rows none of its models was fitted on.
    Synthetic examples are always fitted on; the real ones (first, as ``collect`` orders
    them) split as they would without them."""
    real = np.array([i for i, e in enumerate(examples) if not e.synthetic], dtype=np.int64)
    synthetic = np.array([i for i, e in enumerate(examples) if e.synthetic], dtype=np.int64)
    order = real[np.random.default_rng(seed).permutation(real.size)]
    n_cal = int(real.size * CALIBRATION_SHARE)
    return np.concatenate([order[n_cal:], synthetic]), order[:n_cal]


def fit_linear(train: Sequence[Example], config: FitConfig) -> LinearModel:
    hasher = Hasher(config.bits, config.char_orders, config.word_orders)
    heads = [h for h in LEARNED if np.sum(_labels(train, h) >= 0) >= MIN_EXAMPLES_PER_HEAD]
    fit_idx, cal_idx = calibration_split(train, config.seed)
    fit_ex = [train[i] for i in fit_idx]
    cal_ex = [train[i] for i in cal_idx]
    weights, bias = _fit_heads(hasher, heads, fit_ex, config)
    model = LinearModel(heads, hasher, weights, bias).pruned(config.keep)
    calibrate(model, cal_ex)
    if config.refit_all:
        weights, bias = _fit_heads(hasher, heads, train, config)
        refit = LinearModel(heads, hasher, weights, bias).pruned(config.keep)
        refit.calibration, refit.thresholds = model.calibration, model.thresholds
        model = refit
    return model


def _fit_heads(
    hasher: Hasher, heads: list[str], examples: Sequence[Example], config: FitConfig
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    from sklearn.linear_model import LogisticRegression

    x = hasher.matrix([e.text for e in examples])
    weights = np.zeros((hasher.n_buckets, len(heads)), dtype=np.float32)
    bias = np.zeros(len(heads), dtype=np.float32)
    for k, head in enumerate(heads):
        y = _labels(examples, head)
        rows = np.flatnonzero(y >= 0)
        if len(set(y[rows].tolist())) < 2:
            bias[k] = -10.0
            continue
        clf = LogisticRegression(C=config.c, solver="liblinear", class_weight="balanced")
        clf.fit(x[rows], y[rows])
        weights[:, k] = clf.coef_[0]
        bias[k] = clf.intercept_[0]
        log.info("fitted head %s on %d examples", head, rows.size)
    return weights, bias


def calibrate(model: LinearModel, cal: Sequence[Example]) -> None:
    """Platt scaling per head and F1-optimal thresholds per head and language."""
    from sklearn.linear_model import LogisticRegression

    z = model.raw_scores([e.text for e in cal])
    langs = np.array([e.lang for e in cal])
    calibration = model.calibration.copy()
    thresholds: dict[str, dict[str, float]] = {}
    for k, head in enumerate(model.heads):
        y = _labels(cal, head)
        rows = np.flatnonzero(y >= 0)
        if rows.size < MIN_EXAMPLES_PER_HEAD or len(set(y[rows].tolist())) < 2:
            thresholds[head] = {"default": 0.5}
            continue
        platt = LogisticRegression(C=1e4).fit(z[rows, k : k + 1], y[rows])
        calibration[k] = (platt.coef_[0][0], platt.intercept_[0])
        p = 1 / (1 + np.exp(-(z[rows, k] * calibration[k, 0] + calibration[k, 1])))
        yb = y[rows] == 1
        thresholds[head] = {"default": best_threshold(yb, p.astype(np.float32))}
        for lang in sorted(set(langs[rows].tolist())):
            sel = langs[rows] == lang
            if np.sum(yb[sel]) >= MIN_POSITIVES_FOR_LANGUAGE:
                thresholds[head][lang] = best_threshold(yb[sel], p[sel].astype(np.float32))
    model.calibration = calibration.astype(np.float32)
    model.thresholds = thresholds


def evaluate(
    probabilities: npt.NDArray[np.float32],
    heads: list[str],
    thresholds: dict[str, dict[str, float]],
    dev: Sequence[Example],
    head: str = SEXIST_ABUSE,
) -> list[dict[str, Any]]:
    """Per dataset: positive-class F1 and macro-F1 of ``head`` against the dataset's label."""
    k = heads.index(head)
    rows: list[dict[str, Any]] = []
    for name in sorted({e.dataset for e in dev}):
        idx = [i for i, e in enumerate(dev) if e.dataset == name and head in e.labels]
        if not idx:
            continue
        y = np.array([dev[i].labels[head] == 1 for i in idx])
        lang = dev[idx[0]].lang
        t = thresholds.get(head, {})
        thr = float(t.get(lang, t.get("default", 0.5)))
        pred = probabilities[idx, k] >= thr
        rows.append(
            {
                "dataset": name,
                "lang": lang,
                "n": len(idx),
                "positives": int(y.sum()),
                "f1": round(f1(y, pred), 4),
                "macro_f1": round(macro_f1(y, pred), 4),
                "threshold": thr,
            }
        )
    return rows
