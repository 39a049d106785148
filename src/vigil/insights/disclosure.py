"""Statistical disclosure control for count tables: primary and secondary suppression, then
rounding.

A table is a matrix of counts with its row totals, column totals and grand total (a one-way
table is one row). Primary suppression hides every cell counting 1..k-1. Secondary suppression
then hides more cells until no hidden cell can be worked out from what is published: each
hidden cell is audited by linear programming (its smallest and largest value consistent with
the published cells and totals, counts being non-negative); while one is pinned to a single
value, the smallest publishable cell of its row or column is hidden too. Totals are published
only when they are at least k themselves. Last, published counts are rounded to a multiple of
the rounding base (k is a multiple of it, so no published cell falls below k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

#: Below this width the feasible range of a hidden cell counts as "pinned" (recoverable).
PINNED = 0.5


@dataclass(frozen=True)
class ProtectedTable:
    """Published values: ``None`` where suppressed. ``rows``/``cols`` are the labels."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    col_totals: tuple[int | None, ...]
    total: int | None


def _bounds(
    counts: np.ndarray,
    hidden: np.ndarray,
    row_pub: np.ndarray,
    col_pub: np.ndarray,
    total_pub: bool,
) -> dict[tuple[int, int], tuple[float, float]]:
    """Feasible [min, max] of each hidden cell given everything published."""
    cells = [tuple(ix) for ix in np.argwhere(hidden)]
    if not cells:
        return {}
    index = {c: i for i, c in enumerate(cells)}
    a_eq, b_eq = [], []
    n_rows, n_cols = counts.shape
    for r in range(n_rows):
        if row_pub[r]:
            row = np.zeros(len(cells))
            for c in range(n_cols):
                if hidden[r, c]:
                    row[index[(r, c)]] = 1
            if row.any():
                a_eq.append(row)
                b_eq.append(counts[r].sum() - counts[r][~hidden[r]].sum())
    for c in range(n_cols):
        if col_pub[c]:
            col = np.zeros(len(cells))
            for r in range(n_rows):
                if hidden[r, c]:
                    col[index[(r, c)]] = 1
            if col.any():
                a_eq.append(col)
                b_eq.append(counts[:, c].sum() - counts[:, c][~hidden[:, c]].sum())
    if total_pub:
        a_eq.append(np.ones(len(cells)))
        b_eq.append(counts[hidden].sum())
    out = {}
    for cell, i in index.items():
        if not a_eq:
            out[cell] = (0.0, float("inf"))
            continue
        objective = np.zeros(len(cells))
        span = []
        for sign in (1, -1):
            objective[i] = sign
            result = linprog(
                objective,
                A_eq=np.array(a_eq),
                b_eq=np.array(b_eq),
                bounds=(0, None),
                method="highs",
            )
            span.append(
                sign * float(result.fun or 0.0)
                if result.status == 0
                else (0.0 if sign == 1 else float("inf"))
            )
        out[cell] = (span[0], span[1])
    return out


def pinned_cells(
    counts: np.ndarray,
    hidden: np.ndarray,
    row_pub: np.ndarray,
    col_pub: np.ndarray,
    total_pub: bool,
) -> list[tuple[int, int]]:
    """Hidden cells whose value the published numbers determine exactly."""
    return [
        cell
        for cell, (low, high) in _bounds(counts, hidden, row_pub, col_pub, total_pub).items()
        if high - low < PINNED
    ]


def _hide_next(counts: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]) -> bool:
    """Hide one more cell in the row or column of ``cell``: preferably one that closes a
    cycle of hidden cells (its other line already hides one), then the smallest non-zero."""
    r, c = cell
    options: list[tuple[bool, bool, int, tuple[int, int]]] = []
    for j in range(counts.shape[1]):
        if not hidden[r, j]:
            closes = bool(hidden[:, j].any())
            options.append((not closes, counts[r, j] == 0, int(counts[r, j]), (r, j)))
    for i in range(counts.shape[0]):
        if not hidden[i, c]:
            closes = bool(hidden[i, :].any())
            options.append((not closes, counts[i, c] == 0, int(counts[i, c]), (i, c)))
    if not options:
        return False
    hidden[min(options)[3]] = True
    return True


def protect(
    rows: tuple[str, ...],
    cols: tuple[str, ...],
    counts: np.ndarray,
    *,
    k: int,
    rounding_base: int = 1,
) -> ProtectedTable:
    """Suppress, audit and round a table of counts (shape ``len(rows) × len(cols)``)."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape != (len(rows), len(cols)) or (counts < 0).any():
        raise ValueError("counts must be a non-negative rows × cols matrix")
    hidden = (counts > 0) & (counts < k)
    row_pub = counts.sum(axis=1) >= k
    col_pub = counts.sum(axis=0) >= k
    total_pub = bool(counts.sum() >= k) or counts.sum() == 0
    row_pub |= counts.sum(axis=1) == 0
    col_pub |= counts.sum(axis=0) == 0
    if len(rows) == 1:
        col_pub[:] = False  # a one-way table's column totals are its cells
    while True:
        pinned = pinned_cells(counts, hidden, row_pub, col_pub, total_pub)
        if not pinned:
            break
        if not _hide_next(counts, hidden, pinned[0]):
            # Nothing left to hide in its lines: withhold the margins that pin it.
            r, c = pinned[0]
            row_pub[r] = col_pub[c] = False
            total_pub = False

    def rnd(value: int) -> int:
        return int(rounding_base * round(value / rounding_base)) if rounding_base > 1 else value

    return ProtectedTable(
        rows=rows,
        cols=cols,
        cells=tuple(
            tuple(None if hidden[r, c] else rnd(int(counts[r, c])) for c in range(len(cols)))
            for r in range(len(rows))
        ),
        row_totals=tuple(
            rnd(int(v)) if p else None for v, p in zip(counts.sum(axis=1), row_pub, strict=True)
        ),
        col_totals=tuple(
            rnd(int(v)) if p else None for v, p in zip(counts.sum(axis=0), col_pub, strict=True)
        ),
        total=rnd(int(counts.sum())) if total_pub else None,
    )
