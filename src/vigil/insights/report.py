"""The PDF brief for a period: method, indicator tables with charts, period comparison."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vigil.insights.charts import bar_chart


def _cell(value: int | None, k: int) -> str:
    return f"<{k}" if value is None else str(value)


def brief_pdf(
    tables: list[dict[str, Any]],
    previous: dict[str, dict[str, Any]],
    *,
    start: datetime,
    end: datetime,
    k: int,
    rounding_base: int,
    cases_note: str,
) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Vigil statistics brief",
        author="Vigil",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        invariant=True,
        pageCompression=0,
    )  # searchable bytes
    story: list[Any] = [
        Paragraph(
            "Technology-facilitated gender-based violence: statistics brief", styles["Title"]
        ),
        Paragraph(
            f"Period {start.date()} to {end.date()} (compared with the period of the "
            "same length before it).",
            styles["Normal"],
        ),
        Spacer(1, 0.3 * cm),
        Paragraph(
            f"Method. Only cases whose survivors consented to statistics are counted. "
            f"Counts from 1 to {k - 1} are suppressed (shown as &lt;{k}), with further cells "
            f"suppressed where a total would reveal them; published counts are rounded to a "
            f"multiple of {rounding_base}. No names, accounts, numbers or places smaller than "
            f"a region are used. {cases_note}",
            styles["Normal"],
        ),
    ]
    for t in tables:
        if len(t["rows"]) != 1:
            continue  # cross-tabulations are in the data package, not the brief
        story += [Spacer(1, 0.4 * cm), Paragraph(t["title"], styles["Heading2"])]
        before = previous.get(t["indicator"])
        if before is not None and before["cols"] != t["cols"]:
            before = None  # months differ from one period to the other
        prev_values = before["cells"][0] if before else None
        png = bar_chart(t["title"], t["cols"], t["cells"][0], k=k, previous=prev_values, fmt="png")
        story.append(Image(io.BytesIO(png), width=16 * cm, height=7.3 * cm))
        rows = [["", "this period", "previous period"]]
        for i, col in enumerate(t["cols"]):
            rows.append(
                [
                    col.replace("_", " "),
                    _cell(t["cells"][0][i], k),
                    _cell(prev_values[i], k) if prev_values else "",
                ]
            )
        rows.append(["total", _cell(t["total"], k), _cell(before["total"], k) if before else ""])
        grid = Table(rows, hAlign="LEFT")
        grid.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.grey),
                ]
            )
        )
        story.append(grid)
    doc.build(story)
    return buffer.getvalue()
