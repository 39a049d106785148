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
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vigil import __version__
from vigil.errors import IntegrityError
from vigil.evidence import verify_bundle as vb
from vigil.evidence.custody import Signer, format_time
from vigil.evidence.report import render_report
from vigil.outputs import refuse_special

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


@dataclass(frozen=True)
class StreamedFile:
    """An item's bytes, read from the vault in verified chunks while the zip is written, so a
    bundle of any size takes a few MiB; its hash and size (taken at ingest) go in the manifest."""

    sha256: str
    size: int
    chunks: Callable[[], Iterator[bytes]]


@dataclass
class BundleItem:
    metadata: dict[str, Any]
    state: dict[str, bool]
    data: bytes | StreamedFile | None  # None when the content was deleted


def _item_path(metadata: dict[str, Any]) -> str:
    name = _UNSAFE.sub("_", str(metadata["filename"])).strip("._")[:MAX_NAME] or "content"
    return f"items/{metadata['uid']}/{name}"


def _entry(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _write_streamed(archive: zipfile.ZipFile, name: str, stream: StreamedFile) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
    # Evidence is mostly compressed media already: store it as is, quickly.
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    info.file_size = stream.size  # lets zipfile choose ZIP64 before it writes the header
    digest, size = hashlib.sha256(), 0
    with archive.open(info, "w") as entry:
        for chunk in stream.chunks():
            digest.update(chunk)
            size += len(chunk)
            entry.write(chunk)
    if (digest.hexdigest(), size) != (stream.sha256, stream.size):
        raise IntegrityError(f"{name} does not match its manifest entry")


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
    streams: dict[str, StreamedFile] = {}
    entries = []
    for item in items:
        data = item.data
        path = None if data is None else _item_path(item.metadata)
        if path is not None and data is not None:
            if isinstance(data, StreamedFile):
                streams[path] = data
            else:
                files[path] = data
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
    listed = {name: _entry(data) for name, data in files.items()}
    listed.update({name: {"sha256": f.sha256, "size": f.size} for name, f in streams.items()})
    manifest["files"] = dict(sorted(listed.items()))
    manifest["signature"] = signer.sign(vb.manifest_message(manifest))
    files[vb.MANIFEST_NAME] = json.dumps(
        manifest, indent=2, sort_keys=True, ensure_ascii=False
    ).encode()
    files[vb.VERIFIER_NAME] = VERIFIER_SOURCE.read_bytes()

    refuse_special(out, "out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in (vb.MANIFEST_NAME, "README.txt", vb.VERIFIER_NAME):
                archive.writestr(name, files.pop(name))
            for name in sorted([*files, *streams]):
                if name in streams:
                    _write_streamed(archive, name, streams[name])
                    continue
                # Evidence is mostly compressed media already: store it as is, quickly.
                method = zipfile.ZIP_STORED if name.startswith("items/") else zipfile.ZIP_DEFLATED
                archive.writestr(name, files[name], compress_type=method)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return digest
