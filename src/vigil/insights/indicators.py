"""The indicators (see docs/indicators.md): counts of consenting cases by one dimension, and
two cross-tabulations, each protected before anyone sees it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vigil.insights.disclosure import ProtectedTable, protect
from vigil.insights.records import (
    CATEGORIES,
    LANGUAGES,
    NOT_RECORDED,
    OUTCOMES,
    PLATFORMS,
    REMOVAL_BANDS,
    CaseRecord,
)


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    field: str
    values: tuple[str, ...]
    #: For cross-tabulations: the field along the rows (``field`` runs along the columns).
    by: str | None = None
    by_values: tuple[str, ...] = ()


_CAT = (*CATEGORIES, NOT_RECORDED)
_PLAT = (*PLATFORMS, NOT_RECORDED)
INDICATORS: tuple[Indicator, ...] = (
    Indicator("cases_by_category", "Cases by TFGBV category", "category", _CAT),
    Indicator("cases_by_platform", "Cases by platform", "platform", _PLAT),
    Indicator(
        "cases_by_language", "Cases by language of report", "language", (*LANGUAGES, NOT_RECORDED)
    ),
    Indicator("cases_by_region", "Cases by region", "region", (NOT_RECORDED,)),
    Indicator("cases_by_age_band", "Cases by survivor age band", "age_band", (NOT_RECORDED,)),
    Indicator(
        "cases_by_relationship",
        "Cases by survivor-perpetrator relationship",
        "relationship",
        (NOT_RECORDED,),
    ),
    Indicator("cases_by_outcome", "Cases by outcome", "outcome", OUTCOMES),
    Indicator(
        "time_to_removal",
        "Cases by time from takedown request to removal",
        "removal",
        REMOVAL_BANDS,
    ),
    Indicator(
        "category_by_platform",
        "Cases by category and platform",
        "platform",
        _PLAT,
        by="category",
        by_values=_CAT,
    ),
)
BY_KEY = {i.key: i for i in INDICATORS}


def months(records: Sequence[CaseRecord]) -> tuple[str, ...]:
    return tuple(sorted({r.month for r in records}))


def counts(
    indicator: Indicator, records: Sequence[CaseRecord]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Row labels and the raw count matrix (one row for one-way indicators)."""
    cols = indicator.values
    if indicator.by is None:
        tally = Counter(getattr(r, indicator.field) for r in records)
        return ("all",), np.array([[tally.get(v, 0) for v in cols]], dtype=np.int64)
    tally2 = Counter((getattr(r, indicator.by), getattr(r, indicator.field)) for r in records)
    rows = indicator.by_values
    return rows, np.array([[tally2.get((a, b), 0) for b in cols] for a in rows], dtype=np.int64)


def monthly_counts(records: Sequence[CaseRecord]) -> tuple[tuple[str, ...], np.ndarray]:
    labels = months(records)
    tally = Counter(r.month for r in records)
    return labels, np.array([[tally[m] for m in labels]], dtype=np.int64)


def table(
    indicator: Indicator, records: Sequence[CaseRecord], *, k: int, rounding_base: int
) -> ProtectedTable:
    rows, matrix = counts(indicator, records)
    return protect(rows, indicator.values, matrix, k=k, rounding_base=rounding_base)


def monthly_table(records: Sequence[CaseRecord], *, k: int, rounding_base: int) -> ProtectedTable:
    labels, matrix = monthly_counts(records)
    return protect(("all",), labels, matrix, k=k, rounding_base=rounding_base)
