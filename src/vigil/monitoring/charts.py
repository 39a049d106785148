"""Charts drawn offline with matplotlib (Agg backend): SVG for the console, PNG for PDFs."""

from __future__ import annotations

import io
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: safe in servers and tests

from matplotlib.figure import Figure

MAX_BARS = 12
PALETTE = (
    "#5b3f8c",
    "#c0392b",
    "#d68910",
    "#1e8449",
    "#2471a3",
    "#7d3c98",
    "#566573",
    "#a04000",
    "#117a65",
    "#b03a2e",
    "#1f618d",
    "#6c3483",
)


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    fig.set_layout_engine("tight")
    return fig


def _render(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def trend_chart(
    by_day_category: Mapping[str, Mapping[str, int]], *, title: str, fmt: str = "svg"
) -> bytes:
    """Stacked bars: abusive posts per day, by category."""
    fig = _figure()
    ax = fig.add_subplot()
    days = sorted(by_day_category)
    totals: dict[str, int] = {}
    for cats in by_day_category.values():
        for cat, n in cats.items():
            totals[cat] = totals.get(cat, 0) + n
    categories = sorted(totals, key=lambda c: -totals[c])[:MAX_BARS]
    bottom = [0] * len(days)
    for i, cat in enumerate(categories):
        values = [by_day_category[d].get(cat, 0) for d in days]
        ax.bar(range(len(days)), values, bottom=bottom, label=cat, color=PALETTE[i % len(PALETTE)])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    step = max(1, len(days) // 10)
    ax.set_xticks(
        range(0, len(days), step),
        [days[i] for i in range(0, len(days), step)],
        rotation=30,
        ha="right",
        fontsize=7,
    )
    ax.set_ylabel("posts")
    ax.set_title(title, fontsize=10)
    if categories:
        ax.legend(fontsize=7, loc="upper left")
    else:
        ax.text(0.5, 0.5, "no posts match", ha="center", va="center", transform=ax.transAxes)
    return _render(fig, fmt)


def bar_chart(counts: Mapping[str, int], *, title: str, fmt: str = "svg") -> bytes:
    fig = _figure(4.5, 3.0)
    ax = fig.add_subplot()
    items = list(counts.items())[:MAX_BARS][::-1]
    ax.barh([k[:24] for k, _ in items], [v for _, v in items], color=PALETTE[0])
    ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=7)
    if not items:
        ax.text(0.5, 0.5, "no posts match", ha="center", va="center", transform=ax.transAxes)
    return _render(fig, fmt)
