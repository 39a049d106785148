"""F1 scores without surprises: positive-class F1 and macro-F1 over the two classes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Bools = npt.NDArray[np.bool_]


def f1(y: Bools, p: Bools) -> float:
    tp = float(np.sum(y & p))
    fp = float(np.sum(~y & p))
    fn = float(np.sum(y & ~p))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def macro_f1(y: Bools, p: Bools) -> float:
    return (f1(y, p) + f1(~y, ~p)) / 2


def best_threshold(y: Bools, prob: npt.NDArray[np.float32]) -> float:
    """The threshold with the best positive-class F1 (ties: the higher threshold)."""
    best, best_t = -1.0, 0.5
    for t in np.arange(0.05, 0.951, 0.01):
        score = f1(y, prob >= t)
        if score >= best:
            best, best_t = score, float(t)
    return round(best_t, 2)
