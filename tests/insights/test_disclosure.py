"""Small-cell suppression: property tests over random tables.

Checked independently of the implementation's own audit: for every suppressed cell an integer
program finds its smallest and largest value consistent with everything published; they must
differ (the cell cannot be recovered from the margins).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from vigil.insights.disclosure import ProtectedTable, protect

K = 10


def _range(counts: np.ndarray, table: ProtectedTable, cell: tuple[int, int]) -> tuple[int, int]:
    """Integer min and max of ``cell`` given the published cells and totals."""
    n_rows, n_cols = counts.shape
    hidden = [(r, c) for r in range(n_rows) for c in range(n_cols) if table.cells[r][c] is None]
    index = {h: i for i, h in enumerate(hidden)}
    rows, lows = [], []

    def constrain(members: list[tuple[int, int]], total: int) -> None:
        known = sum(counts[m] for m in members if m not in index)
        vec = np.zeros(len(hidden))
        for m in members:
            if m in index:
                vec[index[m]] = 1
        if vec.any():
            rows.append(vec)
            lows.append(total - known)

    for r in range(n_rows):
        if table.row_totals[r] is not None:
            constrain([(r, c) for c in range(n_cols)], int(counts[r].sum()))
    for c in range(n_cols):
        if table.col_totals[c] is not None:
            constrain([(r, c) for r in range(n_rows)], int(counts[:, c].sum()))
    if table.total is not None:
        constrain([(r, c) for r in range(n_rows) for c in range(n_cols)], int(counts.sum()))
    found = []
    for sign in (1, -1):
        objective = np.zeros(len(hidden))
        objective[index[cell]] = sign
        constraints = [LinearConstraint(np.array(rows), lows, lows)] if rows else []
        result = milp(
            objective,
            constraints=constraints,
            integrality=np.ones(len(hidden)),
            bounds=Bounds(0, 10_000),
        )
        assert result.status == 0
        found.append(round(sign * result.fun))
    return found[0], found[1]


def _check(counts: np.ndarray, table: ProtectedTable) -> None:
    published = [v for row in table.cells for v in row]
    published += [*table.row_totals, *table.col_totals, table.total]
    assert all(v is None or v == 0 or v >= K for v in published), table
    for r in range(counts.shape[0]):
        for c in range(counts.shape[1]):
            if table.cells[r][c] is None:
                low, high = _range(counts, table, (r, c))
                assert low < high, ((r, c), counts.tolist(), table)
            else:
                assert abs(table.cells[r][c] - counts[r, c]) <= 2  # rounding to 5


tables_1d = st.lists(st.integers(0, 40), min_size=1, max_size=8).map(lambda v: np.array([v]))
tables_2d = st.tuples(st.integers(2, 4), st.integers(2, 5)).flatmap(
    lambda shape: st.lists(
        st.integers(0, 30), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]
    ).map(lambda v, shape=shape: np.array(v).reshape(shape))
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_1d)
def test_one_way_tables(counts: np.ndarray) -> None:
    cols = tuple(f"c{i}" for i in range(counts.shape[1]))
    _check(counts, protect(("all",), cols, counts, k=K, rounding_base=5))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_2d)
def test_two_way_tables_with_margins(counts: np.ndarray) -> None:
    rows = tuple(f"r{i}" for i in range(counts.shape[0]))
    cols = tuple(f"c{i}" for i in range(counts.shape[1]))
    _check(counts, protect(rows, cols, counts, k=K, rounding_base=5))


def test_a_single_small_cell_takes_a_partner() -> None:
    table = protect(
        ("all",), ("a", "b", "c", "d"), np.array([[3, 25, 40, 12]]), k=K, rounding_base=5
    )
    assert table.cells == ((None, 25, 40, None),)
    assert table.total == 80


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        protect(("all",), ("a",), np.array([[-1]]), k=K)
