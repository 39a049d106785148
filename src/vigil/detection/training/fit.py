"""Fitting the n-gram linear model: one logistic regression per head (on idf-weighted counts
for the fast tier), Platt calibration and per-language thresholds on a held-out part of the
training data (or on out-of-fold scores of all of it), scores on the dev split."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy import sparse

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
    #: Weight each bucket by its inverse document frequency while fitting (``idf_weights``).
    idf: bool = False
    #: With ``refit_all``: calibrate and choose thresholds on out-of-fold scores of every
    #: training row (this many folds) instead of on the held-out share (``_fit_cross``).
    folds: int = 0


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
    if config.refit_all and config.folds > 1:
        return _fit_cross(train, config, hasher, heads)
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


def _fit_cross(
    train: Sequence[Example], config: FitConfig, hasher: Hasher, heads: list[str]
) -> LinearModel:
    """Fitted on every row; calibration and thresholds from out-of-fold scores.

    A 15 % held-out share leaves a language few positives to choose its threshold on (about
    36 for Indonesian), and the F1 a threshold gives swings with which rows fell there.
    Scoring each row by a model fitted on the other folds gives every row a score of about
    the final model's kind, so thresholds are chosen on all of them. Synthetic examples are
    fitted on in every fold and never scored.
    """
    real = np.array([i for i, e in enumerate(train) if not e.synthetic], dtype=np.int64)
    order = real[np.random.default_rng(config.seed).permutation(real.size)]
    z = np.zeros((len(train), len(heads)), dtype=np.float32)
    everyone = np.arange(len(train))
    for part in np.array_split(order, config.folds):
        rest = np.setdiff1d(everyone, part)
        weights, bias = _fit_heads(hasher, heads, [train[i] for i in rest], config)
        fold = LinearModel(heads, hasher, weights, bias).pruned(config.keep)
        z[part] = fold.raw_scores([train[i].text for i in part])
    weights, bias = _fit_heads(hasher, heads, train, config)
    model = LinearModel(heads, hasher, weights, bias).pruned(config.keep)
    model.calibration, model.thresholds = _calibration(
        z[real], [train[i] for i in real], heads, model.calibration
    )
    return model


def _fit_heads(
    hasher: Hasher, heads: list[str], examples: Sequence[Example], config: FitConfig
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    from sklearn.linear_model import LogisticRegression

    counts = hasher.matrix([e.text for e in examples])
    idf = idf_weights(counts) if config.idf else None
    x = sparse.csr_matrix(counts @ sparse.diags(idf)) if idf is not None else counts
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
    if idf is not None:
        weights *= idf[:, None]  # folded in: scoring multiplies counts by these weights only
    return weights, bias


def idf_weights(x: sparse.csr_matrix) -> npt.NDArray[np.float32]:
    """Per bucket, smoothed inverse document frequency over the rows of ``x``.

    Fitted on counts alone, the model gave n-grams that occur in most posts (particles,
    affixes, common words) as much room as rare, telling ones. Scaling each column by its
    idf, as TF-IDF does, lifted dev average precision of a model fitted on each set alone
    (Indonesian 0.53 -> 0.62, K-MHaS 0.58 -> 0.63, Reddit 0.63 -> 0.67, EDOS 0.693 ->
    0.697; docs/model-card.md has the mixed model's figures). Because a column's scale is
    constant, it folds into the fitted weights: the scoring kernel is unchanged and costs
    nothing more.
    """
    df = np.bincount(x.indices, minlength=x.shape[1])
    idf: npt.NDArray[np.float32] = (np.log((1.0 + x.shape[0]) / (1.0 + df)) + 1.0).astype(
        np.float32
    )
    return idf


def calibrate(model: LinearModel, cal: Sequence[Example]) -> None:
    """Platt scaling per head and F1-optimal thresholds per head and language."""
    z = model.raw_scores([e.text for e in cal])
    model.calibration, model.thresholds = _calibration(z, cal, model.heads, model.calibration)


def _calibration(
    z: npt.NDArray[np.float32],
    cal: Sequence[Example],
    heads: list[str],
    start: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.float32], dict[str, dict[str, float]]]:
    """Platt scaling and thresholds from raw scores ``z`` (rows of ``cal`` x heads);
    ``start``: the calibration a head keeps when it has too few labelled rows."""
    from sklearn.linear_model import LogisticRegression

    langs = np.array([e.lang for e in cal])
    calibration = start.copy()
    thresholds: dict[str, dict[str, float]] = {}
    for k, head in enumerate(heads):
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
    return calibration.astype(np.float32), thresholds


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
