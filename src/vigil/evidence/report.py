"""The human-readable PDF of a bundle: each item, its hashes, its custody history (ReportLab)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vigil.evidence import verify_bundle as vb

_STYLES = getSampleStyleSheet()
_BODY = _STYLES["BodyText"]
_MONO = ParagraphStyle("mono", parent=_BODY, fontName="Courier", fontSize=7, leading=8.5)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
    ]
)


def _p(text: object, style: ParagraphStyle = _SMALL) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


def _hash(value: str | None) -> Paragraph:
    text = value or ""
    return Paragraph("<br/>".join(escape(text[i : i + 64]) for i in range(0, len(text), 64)), _MONO)


def _item_table(entry: dict[str, Any]) -> Table:
    meta = entry["metadata"]
    state = entry["state"]
    rows = [
        ("Item", meta["uid"]),
        ("File in bundle", entry["file"] or "(content deleted)"),
        ("Original file name", meta["filename"]),
        (
            "Kind",
            meta["kind"]
            + (
                f" of {meta['derived_from']} ({meta['derivation']})" if meta["derived_from"] else ""
            ),
        ),
        (
            "How acquired",
            meta["how"]
            + (f", capture {meta['capture_id']} ({meta['part']})" if meta["capture_id"] else ""),
        ),
        ("Source URL", meta["source_url"] or "-"),
        ("Media type, size", f"{meta['media_type']}, {meta['size']} bytes"),
        ("Added (UTC)", f"{meta['added_at']} by {meta['added_by']}"),
        (
            "Reporter's hash",
            (meta["reporter_hash"] or "-")
            + ("  — DOES NOT MATCH" if meta["reporter_hash_mismatch"] else ""),
        ),
        ("Legal hold / deleted", f"{state['legal_hold']} / {state['deleted']}"),
    ]
    data: list[list[Any]] = [[_p(k), _p(v)] for k, v in rows]
    data.insert(3, [_p("SHA-256"), _hash(meta["sha256"])])
    data.insert(4, [_p("SHA-512"), _hash(meta["sha512"])])
    table = Table(data, colWidths=[38 * mm, 132 * mm])
    table.setStyle(_GRID)
    return table


def _events_table(events: list[dict[str, Any]]) -> Table:
    data: list[list[Any]] = [
        [_p(h) for h in ("Seq", "When (UTC)", "Action", "Item", "Who", "Why", "Event hash")]
    ]
    for e in events:
        data.append(
            [
                _p(e["seq"]),
                _p(e["at"]),
                _p(e["action"]),
                _p(e["item"]),
                _p(e["actor"]),
                _p(e["reason"] or ""),
                _hash(e["hash"]),
            ]
        )
    table = Table(
        data,
        colWidths=[10 * mm, 30 * mm, 18 * mm, 26 * mm, 24 * mm, 30 * mm, 36 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    return table


def render_report(manifest: dict[str, Any], events: list[dict[str, Any]]) -> bytes:
    """A PDF listing every item of ``manifest`` with its hashes and custody history."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Evidence bundle {manifest['case']}",
        author="Vigil",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )
    checkpoint = manifest["checkpoint"]
    story: list[Any] = [
        Paragraph(escape(f"Evidence bundle — case {manifest['case']}"), _STYLES["Title"]),
        _p(
            f"Exported {manifest['exported_at']} (UTC) by {manifest['exported_by']} with "
            f"{manifest['tool']}. Reason: {manifest.get('reason') or '-'}.",
            _BODY,
        ),
        _p(
            f"{len(manifest['items'])} items; custody chain of {len(events)} events, head "
            f"signed at seq {checkpoint['seq']} on {checkpoint['signed_at']}.",
            _BODY,
        ),
        _p(
            "Signing key fingerprint (Ed25519): " + vb.key_fingerprint(manifest["public_key"]),
            _BODY,
        ),
        _p(
            "To verify this bundle without Vigil: unzip it and run "
            "'python3 verify_bundle.py <bundle.zip or folder>'. It recomputes every hash, the "
            "custody chain and both signatures, and exits 0 only when all hold.",
            _BODY,
        ),
        Spacer(1, 4 * mm),
        Paragraph("Items", _STYLES["Heading2"]),
    ]
    for entry in manifest["items"]:
        story += [_item_table(entry), Spacer(1, 3 * mm)]
        own = [e for e in events if e["item"] == entry["metadata"]["uid"]]
        story += [
            _p(
                f"Custody of {entry['metadata']['uid']}: "
                + "; ".join(f"{e['at']} {e['action']} by {e['actor']}" for e in own)
            ),
            Spacer(1, 5 * mm),
        ]
    story += [Paragraph("Custody chain", _STYLES["Heading2"]), _events_table(events)]
    doc.build(story)
    return buffer.getvalue()
