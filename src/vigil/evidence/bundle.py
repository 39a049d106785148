"""Court-ready bundles: originals, a signed manifest, the custody chain, a PDF, the verifier.

Layout of ``bundle.zip``::

    manifest.json            every item (metadata, state, file) and every file's SHA-256; signed
    items/<uid>/<name>       the evidentiary bytes, exactly as stored
    custody/events.jsonl     the case's custody chain, one event per line
    custody/checkpoint.json  the signed checkpoint covering the last event
    report.pdf               the same, for people
    README.txt               what this is and how to check it
    verify_bundle.py         the standalone verifier (the only file the manifest does not list)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vigil import __version__
from vigil.evidence import verify_bundle as vb
from vigil.evidence.custody import Signer, format_time
from vigil.evidence.report import render_report

VERIFIER_SOURCE = Path(vb.__file__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 100

README = """Vigil evidence bundle for case {case}
=============================================

Exported {exported_at} (UTC) by {exported_by} with {tool}.

manifest.json            every item with its hashes and metadata, and the SHA-256 of every file
items/                   the evidentiary files, byte for byte as they entered the vault
custody/events.jsonl     the chain of custody: who did what to which item, when and why
custody/checkpoint.json  an Ed25519 signature over the head of that chain
report.pdf               a readable summary of the above
verify_bundle.py         a verifier that needs nothing but Python 3.9+

To verify:  python3 verify_bundle.py {name}
It exits 0 and prints VERIFIED only when every hash, the chain and both signatures hold.
Signing key fingerprint: {fingerprint}
Compare it with the fingerprint the exporting organisation publishes, or pin the key with
--public-key {public_key}
"""


@dataclass
class BundleItem:
    metadata: dict[str, Any]
    state: dict[str, bool]
    data: bytes | None  # None when the content was deleted


def _item_path(metadata: dict[str, Any]) -> str:
    name = _UNSAFE.sub("_", str(metadata["filename"])).strip("._")[:MAX_NAME] or "content"
    return f"items/{metadata['uid']}/{name}"


def _entry(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def build_bundle(
    out: Path,
    *,
    case_reference: str,
    items: list[BundleItem],
    events: list[dict[str, Any]],
    checkpoint: dict[str, Any],
    signer: Signer,
    exported_by: str,
    exported_at: datetime,
    reason: str | None,
) -> str:
    """Write the bundle atomically to ``out``; returns the SHA-256 of the zip file."""
    files: dict[str, bytes] = {}
    entries = []
    for item in items:
        path = None if item.data is None else _item_path(item.metadata)
        if path is not None and item.data is not None:
            files[path] = item.data
        entries.append({"metadata": item.metadata, "state": item.state, "file": path})
    files[vb.EVENTS_NAME] = "".join(vb.canonical(e).decode() + "\n" for e in events).encode()
    files[vb.CHECKPOINT_NAME] = json.dumps(checkpoint, indent=2, sort_keys=True).encode()
    manifest: dict[str, Any] = {
        "format": vb.BUNDLE_FORMAT,
        "case": case_reference,
        "exported_at": format_time(exported_at),
        "exported_by": exported_by,
        "reason": reason,
        "tool": f"vigil {__version__}",
        "items": entries,
        "checkpoint": checkpoint,
        "public_key": signer.public_key,
    }
    files["README.txt"] = README.format(
        case=case_reference,
        exported_at=manifest["exported_at"],
        exported_by=exported_by,
        tool=manifest["tool"],
        name=out.name,
        fingerprint=signer.fingerprint,
        public_key=signer.public_key,
    ).encode()
    files["report.pdf"] = render_report(manifest, events)
    manifest["files"] = {name: _entry(data) for name, data in sorted(files.items())}
    manifest["signature"] = signer.sign(vb.manifest_message(manifest))
    files[vb.MANIFEST_NAME] = json.dumps(
        manifest, indent=2, sort_keys=True, ensure_ascii=False
    ).encode()
    files[vb.VERIFIER_NAME] = VERIFIER_SOURCE.read_bytes()

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in (vb.MANIFEST_NAME, "README.txt", vb.VERIFIER_NAME):
                archive.writestr(name, files.pop(name))
            for name, data in sorted(files.items()):
                # Evidence is mostly compressed media already: store it as is, quickly.
                method = zipfile.ZIP_STORED if name.startswith("items/") else zipfile.ZIP_DEFLATED
                archive.writestr(name, data, compress_type=method)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return digest
