"""Charts of protected tables, rendered offline by matplotlib (SVG for pages, PNG for PDF).

Suppressed cells are drawn as hatched empty bars labelled "<k", never as a number.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

matplotlib.rcParams["svg.hashsalt"] = "vigil"  # stable ids: the same table, the same bytes
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text (no font paths)


def _figure(
    title: str,
    labels: list[str],
    values: list[int | None],
    previous: list[int | None] | None,
    k: int,
) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=100)
    positions = list(range(len(labels)))
    width = 0.4 if previous is not None else 0.7
    shown = [v or 0 for v in values]
    bars = ax.bar(
        [p + (width / 2 if previous is not None else 0) for p in positions],
        shown,
        width,
        color="#36558f",
        label="this period",
    )
    for bar, value in zip(bars, values, strict=True):
        if value is None:
            bar.set_hatch("//")
            bar.set_fill(False)
            ax.annotate(
                f"<{k}",
                (bar.get_x() + bar.get_width() / 2, 0),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    if previous is not None:
        ax.bar(
            [p - width / 2 for p in positions],
            [v or 0 for v in previous],
            width,
            color="#b0b0c0",
            label="previous period",
        )
        ax.legend(fontsize=7)
    ax.set_title(title, fontsize=10)
    ax.set_xticks(
        positions, [lbl.replace("_", " ") for lbl in labels], rotation=35, ha="right", fontsize=7
    )
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def bar_chart(
    title: str,
    labels: list[str],
    values: list[int | None],
    *,
    k: int,
    previous: list[int | None] | None = None,
    fmt: str = "svg",
) -> bytes:
    fig = _figure(title, labels, values, previous, k)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()
