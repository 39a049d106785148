#!/usr/bin/env python3
"""Verify a Vigil evidence bundle without trusting Vigil: one file, Python standard library only.

Usage::

    python3 verify_bundle.py bundle.zip [--public-key HEX]
    python3 verify_bundle.py extracted-folder/ [--public-key HEX]

Checks, and names the first thing that fails:

* the manifest's Ed25519 signature, and that every file in the bundle (except this verifier)
  is listed in the manifest with the right SHA-256 and size, and every listed file is present;
* the custody chain: each event's hash recomputed from its contents, each event linking to the
  one before, sequence numbers without gaps; the signed checkpoint covering the chain head;
* each item: its bytes hash to the SHA-256 and SHA-512 recorded at ingest, and its metadata
  hashes to the digest its "add" custody event committed to.

Exit status 0 only when everything holds. Ed25519 verification is written from RFC 8032
(section 5.1.7), because the standard library has none. Compare the printed key fingerprint
with the one the exporting organisation publishes, or pass ``--public-key`` to pin it.

Vigil itself imports this module for its own checks, so the bundle and the server agree on
every hash by construction.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BUNDLE_FORMAT = "vigil-evidence-bundle/1"
MANIFEST_NAME = "manifest.json"
VERIFIER_NAME = "verify_bundle.py"
EVENTS_NAME = "custody/events.jsonl"
CHECKPOINT_NAME = "custody/checkpoint.json"
GENESIS = "0" * 64
CHECKPOINT_DOMAIN = b"vigil-custody-checkpoint-v1\n"
MANIFEST_DOMAIN = b"vigil-bundle-manifest-v1\n"
EVENT_FIELDS = (
    "chain",
    "seq",
    "at",
    "action",
    "item",
    "sha256",
    "actor",
    "reason",
    "detail",
    "prev",
)
CHECKPOINT_FIELDS = ("chain", "seq", "head", "signed_at", "public_key")
HOLD_ON, HOLD_OFF, DELETION, ADD = "legal-hold", "legal-hold-release", "deletion", "add"

# ---- canonical hashing (shared with Vigil) -------------------------------------------------


def canonical(value: Any) -> bytes:
    """The one byte encoding that is hashed or signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: event.get(k) for k in EVENT_FIELDS})).hexdigest()


def metadata_digest(metadata: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(metadata)).hexdigest()


def checkpoint_message(checkpoint: dict[str, Any]) -> bytes:
    return CHECKPOINT_DOMAIN + canonical({k: checkpoint.get(k) for k in CHECKPOINT_FIELDS})


def manifest_message(manifest: dict[str, Any]) -> bytes:
    return MANIFEST_DOMAIN + canonical({k: v for k, v in manifest.items() if k != "signature"})


def key_fingerprint(public_key_hex: str) -> str:
    digest = hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


# ---- Ed25519 verification, RFC 8032 section 5.1 --------------------------------------------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
Point = tuple[int, int, int, int]  # extended homogeneous coordinates (X, Y, Z, T)


def _add(a: Point, b: Point) -> Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = 2 * t1 * t2 * _D % _P
    dd = 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar > 0:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _equal(a: Point, b: Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data: bytes) -> Point | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0) or 0
_G: Point = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decompress(public_key)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little")
    return _equal(_mul(s, _G), _add(r, _mul(h % _L, a)))


def _valid_signature(public_key_hex: Any, message: bytes, signature_hex: Any) -> bool:
    try:
        return ed25519_verify(bytes.fromhex(public_key_hex), message, bytes.fromhex(signature_hex))
    except (TypeError, ValueError):
        return False


# ---- chain and checkpoint --------------------------------------------------------------------


def verify_events(events: list[dict[str, Any]], chain: str) -> list[str]:
    """Problems with a custody chain, the first bad event first (empty when it holds)."""
    prev = GENESIS
    for position, event in enumerate(events, start=1):
        name = f"custody event {position} (seq {event.get('seq')}, {event.get('action')})"
        if event.get("chain") != chain:
            return [f"{name}: belongs to chain {event.get('chain')!r}, not {chain!r}"]
        if event.get("seq") != position:
            return [f"{name}: expected seq {position}; events were deleted, added or reordered"]
        if event.get("prev") != prev:
            return [
                f"{name}: does not link to the event before it; events were deleted, "
                "added or reordered"
            ]
        if event_hash(event) != event.get("hash"):
            return [f"{name}: its contents do not match its hash; the event was altered"]
        prev = str(event["hash"])
    return []


def verify_checkpoint(checkpoint: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    """Problems with a signed checkpoint of the head of ``events``."""
    if not _valid_signature(
        checkpoint.get("public_key"), checkpoint_message(checkpoint), checkpoint.get("signature")
    ):
        return ["checkpoint: the Ed25519 signature does not verify"]
    seq = checkpoint.get("seq")
    if not isinstance(seq, int) or seq < 1 or seq > len(events):
        return [
            f"checkpoint: covers seq {seq}, but the chain has {len(events)} events; "
            "events were deleted"
        ]
    if events[seq - 1].get("hash") != checkpoint.get("head"):
        return [f"checkpoint: the signed head does not match custody event seq {seq}"]
    return []


# ---- the bundle ------------------------------------------------------------------------------


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


#: Largest manifest, custody log or checkpoint read into memory; item files are streamed.
MAX_JSON_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024


class BundleError(Exception):
    """The bundle cannot be read safely (too large, outside its folder, damaged)."""


class _Source:
    """A bundle as a zip file or an extracted folder; only its own listed files are read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(
                p.relative_to(path).as_posix()
                for p in path.rglob("*")
                if p.is_file() and not p.is_symlink()
            )
        else:
            self.zip = zipfile.ZipFile(path)
            infos = [i for i in self.zip.infolist() if not i.is_dir()]
            self.names = [i.filename for i in infos]
        self._listed = set(self.names)

    def open(self, name: str) -> IO[bytes]:
        # Names come from the (untrusted) manifest: never open anything the bundle lacks,
        # so "../../etc/passwd" or "/dev/zero" is "missing", not read.
        if not isinstance(name, str) or name not in self._listed:
            raise KeyError(name)
        if self.zip is not None:
            return self.zip.open(name)
        target = (self.path / name).resolve()
        if not target.is_relative_to(self.path.resolve()):
            raise BundleError(f"{name}: points outside the bundle folder")
        return target.open("rb")

    def read(self, name: str, limit: int = MAX_JSON_BYTES) -> bytes:
        if (
            self.zip is not None
            and name in self._listed
            and self.zip.getinfo(name).file_size > limit
        ):
            raise BundleError(f"{name}: larger than {limit} bytes")
        with self.open(name) as handle:
            data = handle.read(limit + 1)  # a zip member stops at its declared size
        if len(data) > limit:
            raise BundleError(f"{name}: larger than {limit} bytes")
        return data

    def digests(self, name: str) -> tuple[str, str, int]:
        """SHA-256, SHA-512 and size of a file, read in chunks (evidence can be large)."""
        sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
        with self.open(name) as handle:
            while chunk := handle.read(_CHUNK):
                sha256.update(chunk)
                sha512.update(chunk)
                size += len(chunk)
        return sha256.hexdigest(), sha512.hexdigest(), size

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _load_json(source: _Source, name: str, report: Report) -> Any:
    try:
        return json.loads(source.read(name).decode("utf-8"))
    except (KeyError, FileNotFoundError):
        report.problems.append(f"{name}: missing from the bundle")
    except ValueError:
        report.problems.append(f"{name}: not valid JSON")
    return None


def _check_files(source: _Source, manifest: dict[str, Any], report: Report) -> None:
    files = manifest.get("files")
    if not isinstance(files, dict):
        report.problems.append("manifest: has no file list")
        return
    if len(set(source.names)) != len(source.names):
        report.problems.append("bundle: contains the same file name twice")
    for name in source.names:
        if name not in (MANIFEST_NAME, VERIFIER_NAME) and name not in files:
            report.problems.append(f"{name}: in the bundle but not in the manifest")
    for name, entry in sorted(files.items()):
        if name not in source.names:
            report.problems.append(f"{name}: listed in the manifest but missing")
            continue
        sha256, _, size = source.digests(name)
        if sha256 != entry.get("sha256") or size != entry.get("size"):
            report.problems.append(f"{name}: SHA-256 does not match the manifest; file changed")


def _check_items(
    source: _Source, manifest: dict[str, Any], events: list[dict[str, Any]], report: Report
) -> None:
    items = manifest.get("items")
    if not isinstance(items, list):
        report.problems.append("manifest: has no item list")
        return
    adds = {e.get("item"): e for e in events if e.get("action") == ADD}
    listed = set()
    for entry in items:
        meta = entry.get("metadata") or {}
        uid = meta.get("uid")
        name = f"item {uid}"
        if uid in listed:
            report.problems.append(f"{name}: listed twice in the manifest")
        listed.add(uid)
        add = adds.get(uid)
        if add is None:
            report.problems.append(f"{name}: no 'add' custody event records it")
            continue
        if metadata_digest(meta) != add.get("detail") or meta.get("sha256") != add.get("sha256"):
            report.problems.append(f"{name}: metadata differs from what was recorded at ingest")
        own = [e for e in events if e.get("item") == uid]
        deleted = any(e.get("action") == DELETION for e in own)
        holds = [e.get("action") for e in own if e.get("action") in (HOLD_ON, HOLD_OFF)]
        state = entry.get("state") or {}
        if state.get("deleted") != deleted or state.get("legal_hold") != (holds[-1:] == [HOLD_ON]):
            report.problems.append(f"{name}: state in the manifest contradicts the custody log")
        path = entry.get("file")
        if path is None:
            if not deleted:
                report.problems.append(f"{name}: no file, yet never deleted")
            continue
        try:
            sha256, sha512, _ = source.digests(path)
        except (KeyError, FileNotFoundError, TypeError):
            report.problems.append(f"{name}: file {path} is missing")
            continue
        if sha256 != meta.get("sha256") or sha512 != meta.get("sha512"):
            report.problems.append(f"{name}: {path} does not match the hashes taken at ingest")
    for uid in {e.get("item") for e in events} - listed - {None}:
        report.problems.append(f"item {uid}: in the custody log but not in the manifest")


def verify_bundle(path: Path, public_key: str | None = None) -> Report:
    """Verify a bundle (zip or extracted folder); ``public_key`` pins the expected signer."""
    report = Report()
    try:
        source = _Source(path)
    except (
        OSError,
        zipfile.BadZipFile,
        EOFError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
        ValueError,
        IndexError,  # a member with an empty name breaks ZipInfo.is_dir()
    ) as exc:
        report.problems.append(f"{path.name}: cannot be opened ({exc.__class__.__name__})")
        return report
    try:
        _verify(source, public_key, report)
    except BundleError as exc:
        report.problems.append(str(exc))
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
        TypeError,
        AttributeError,
        ValueError,
        KeyError,
    ) as exc:
        # Whatever a damaged or hostile bundle makes fail, the answer is "not verified".
        report.problems.append(f"bundle: damaged or malformed ({exc.__class__.__name__})")
    finally:
        source.close()
    return report


def _verify(source: _Source, public_key: str | None, report: Report) -> None:
    manifest = _load_json(source, MANIFEST_NAME, report)
    if not isinstance(manifest, dict):
        return
    if manifest.get("format") != BUNDLE_FORMAT:
        report.problems.append(f"manifest: unknown format {manifest.get('format')!r}")
        return
    key = manifest.get("public_key")
    if public_key is not None and key != public_key.lower():
        report.problems.append("manifest: signed by another key than the one you pinned")
    if not _valid_signature(key, manifest_message(manifest), manifest.get("signature")):
        report.problems.append(
            "manifest: the Ed25519 signature does not verify; the manifest was changed"
        )
    else:
        report.notes.append(f"signed by key {key_fingerprint(str(key))}")
    _check_files(source, manifest, report)
    try:
        lines = source.read(EVENTS_NAME).decode("utf-8").splitlines()
        events = [json.loads(line) for line in lines if line.strip()]
    except (KeyError, FileNotFoundError):
        report.problems.append(f"{EVENTS_NAME}: missing from the bundle")
        return
    except ValueError:
        report.problems.append(f"{EVENTS_NAME}: not valid JSON lines")
        return
    report.problems.extend(verify_events(events, str(manifest.get("case"))))
    checkpoint = _load_json(source, CHECKPOINT_NAME, report)
    if isinstance(checkpoint, dict):
        if checkpoint.get("public_key") != key:
            report.problems.append("checkpoint: signed by another key than the manifest")
        if checkpoint != manifest.get("checkpoint"):
            report.problems.append("checkpoint: differs from the one the manifest names")
        report.problems.extend(verify_checkpoint(checkpoint, events))
        if checkpoint.get("seq") != len(events):
            report.problems.append("checkpoint: does not cover the last custody event")
    _check_items(source, manifest, events, report)
    report.notes.append(f"{len(manifest.get('items') or [])} items, {len(events)} custody events")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    pinned = None
    if "--public-key" in args:
        at = args.index("--public-key")
        pinned = args[at + 1] if at + 1 < len(args) else ""
        del args[at : at + 2]
    if len(args) != 1:
        print(__doc__.split("Checks,")[0].strip())
        return 2
    report = verify_bundle(Path(args[0]), pinned)
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(f"FAIL: {problem}")
    print(
        "VERIFIED: every hash, the custody chain and the signatures hold"
        if report.ok
        else f"NOT VERIFIED: {len(report.problems)} problem(s)"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
