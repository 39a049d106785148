"""Signed statistics packages for partners: a zip of ``tables.json``, ``tables.csv``,
``manifest.json`` (hashes of both, period, rules) and ``manifest.sig`` (Ed25519).

Only protected tables go in: suppressed cells are ``null`` in JSON and ``x`` in CSV.
``merge`` sums packages from several agencies cell by cell; a cell suppressed anywhere stays
suppressed, and suppression is re-checked on the merged lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vigil.errors import IntegrityError, InvalidInput
from vigil.insights.disclosure import ProtectedTable
from vigil.security.keys import load_or_create_key

FORMAT = "vigil-insights/1"
SIGNING_KEY_FILE = "insights-signing.key"
SUPPRESSED = "x"
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed, so the same tables give the same bytes


def load_signing_key(keys_dir: Path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(load_or_create_key(keys_dir, SIGNING_KEY_FILE))


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes_raw().hex()


def fingerprint(public_key_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def table_json(key: str, title: str, table: ProtectedTable) -> dict[str, Any]:
    return {
        "indicator": key,
        "title": title,
        "rows": list(table.rows),
        "cols": list(table.cols),
        "cells": [list(r) for r in table.cells],
        "row_totals": list(table.row_totals),
        "col_totals": list(table.col_totals),
        "total": table.total,
    }


def tables_csv(tables: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("indicator", "row", "col", "count"))

    def cell(v: int | None) -> str:
        return SUPPRESSED if v is None else str(v)

    for t in tables:
        for r, row in enumerate(t["rows"]):
            for c, col in enumerate(t["cols"]):
                writer.writerow((t["indicator"], row, col, cell(t["cells"][r][c])))
            writer.writerow((t["indicator"], row, "TOTAL", cell(t["row_totals"][r])))
        for c, col in enumerate(t["cols"]):
            writer.writerow((t["indicator"], "TOTAL", col, cell(t["col_totals"][c])))
        writer.writerow((t["indicator"], "TOTAL", "TOTAL", cell(t["total"])))
    return out.getvalue()


def build(
    tables: list[dict[str, Any]],
    *,
    start: datetime,
    end: datetime,
    min_cell: int,
    rounding_base: int,
    key: Ed25519PrivateKey,
    sources: list[str] | None = None,
) -> bytes:
    body = json.dumps(
        {"format": FORMAT, "tables": tables}, ensure_ascii=False, indent=1, sort_keys=True
    ).encode()
    table_csv = tables_csv(tables).encode()
    manifest = json.dumps(
        {
            "format": FORMAT,
            "period": {"from": start.date().isoformat(), "to": end.date().isoformat()},
            "min_cell": min_cell,
            "rounding_base": rounding_base,
            "files": {
                "tables.json": hashlib.sha256(body).hexdigest(),
                "tables.csv": hashlib.sha256(table_csv).hexdigest(),
            },
            "public_key": public_hex(key),
            "sources": sources or [],
        },
        indent=1,
        sort_keys=True,
    ).encode()
    signature = key.sign(manifest).hex().encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("manifest.json", manifest),
            ("manifest.sig", signature),
            ("tables.json", body),
            ("tables.csv", table_csv),
        ):
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Verified:
    manifest: dict[str, Any]
    tables: list[dict[str, Any]]
    fingerprint: str


#: Largest file a package may hold: real ones are a few KiB; a zip bomb is refused unread.
MAX_MEMBER_BYTES = 16 * 1024 * 1024
_MEMBERS = ("manifest.json", "manifest.sig", "tables.json", "tables.csv")
# What a damaged or hostile zip raises while being read (besides BadZipFile).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    zlib.error,
    IndexError,
)


def _read_members(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [archive.getinfo(n) for n in _MEMBERS]
            if any(i.file_size > MAX_MEMBER_BYTES for i in infos):
                raise InvalidInput("not a Vigil statistics package: a file in it is too large")
            # zipfile stops at the declared size, so a lying header cannot inflate further.
            return {i.filename: archive.read(i) for i in infos}
    except _ZIP_ERRORS:
        raise InvalidInput("not a Vigil statistics package") from None


def verify(data: bytes, *, trusted: set[str] | None = None) -> Verified:
    """Check the signature and both file hashes; ``trusted``: allowed key fingerprints."""
    files = _read_members(data)
    try:
        manifest = json.loads(files["manifest.json"])
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InvalidInput("unknown package format")
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(manifest["public_key"]))
    except (ValueError, TypeError, KeyError, RecursionError):
        raise InvalidInput("not a Vigil statistics package: the manifest is malformed") from None
    try:
        public.verify(bytes.fromhex(files["manifest.sig"].decode()), files["manifest.json"])
    except (InvalidSignature, ValueError):
        raise IntegrityError("the package signature does not verify") from None
    try:
        for name in ("tables.json", "tables.csv"):
            if hashlib.sha256(files[name]).hexdigest() != manifest["files"][name]:
                raise IntegrityError(f"{name} was changed after signing")
        print_ = fingerprint(manifest["public_key"])
        if trusted is not None and print_ not in trusted:
            raise IntegrityError(f"the package is signed by an unknown key ({print_})")
        tables = json.loads(files["tables.json"])["tables"]
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise InvalidInput("not a Vigil statistics package: tables.json is malformed")
    except (ValueError, TypeError, KeyError, RecursionError):
        raise InvalidInput("not a Vigil statistics package: it is malformed") from None
    return Verified(manifest, tables, print_)


def _sum(values: list[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _enforce_pairs(
    cells: list[list[int | None]], row_totals: list[int | None], col_totals: list[int | None]
) -> None:
    """No line with a published total may hide exactly one cell (it could be subtracted)."""
    changed = True
    while changed:
        changed = False
        lines = [([(r, c) for c in range(len(cells[r]))], row_totals[r]) for r in range(len(cells))]
        if len(cells) > 1:
            lines += [
                ([(r, c) for r in range(len(cells))], col_totals[c]) for c in range(len(col_totals))
            ]
        for line, total in lines:
            hidden = [rc for rc in line if cells[rc[0]][rc[1]] is None]
            shown = [rc for rc in line if cells[rc[0]][rc[1]] not in (None, 0)]
            if total is not None and len(hidden) == 1 and shown:
                r, c = min(shown, key=lambda rc: cells[rc[0]][rc[1]] or 0)
                cells[r][c] = None
                changed = True


def merge(packages: list[Verified]) -> list[dict[str, Any]]:
    """Regional tables: the sum of the agencies' published tables."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for package in packages:
        for t in package.tables:
            by_key.setdefault(t["indicator"], []).append(t)
    merged = []
    for key, parts in by_key.items():
        first = parts[0]
        if any(p["rows"] != first["rows"] for p in parts):
            raise InvalidInput(f"indicator {key} has different rows in the packages")
        cols = sorted({c for p in parts for c in p["cols"]})

        def value(p: dict[str, Any], r: int, col: str) -> int | None:
            return p["cells"][r][p["cols"].index(col)] if col in p["cols"] else 0

        cells = [
            [_sum([value(p, r, col) for p in parts]) for col in cols]
            for r in range(len(first["rows"]))
        ]
        row_totals = [_sum([p["row_totals"][r] for p in parts]) for r in range(len(first["rows"]))]
        col_totals = [
            _sum([p["col_totals"][p["cols"].index(col)] if col in p["cols"] else 0 for p in parts])
            for col in cols
        ]
        _enforce_pairs(cells, row_totals, col_totals)
        merged.append(
            {
                "indicator": key,
                "title": first["title"],
                "rows": first["rows"],
                "cols": cols,
                "cells": cells,
                "row_totals": row_totals,
                "col_totals": col_totals,
                "total": _sum([p["total"] for p in parts]),
            }
        )
    return merged
