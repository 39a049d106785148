"""Hash lists partners exchange, with Ed25519 signatures and withdrawal notices.

Formats (``FORMATS`` by name; ``detect`` picks one from the content):

* ``csv``: a CSV with a ``pdq`` column of 64-hex-digit hashes (optional ``id``, ``status``).
* ``hma``: the ThreatExchange / Hasher-Matcher-Actioner signal CSV, ``signal_type`` and
  ``signal_value`` columns (``pdq``, ``md5``, ``sha256``, ``vpdq``), optional ``id``,
  ``status`` and ``note``.
* ``stopncii``: a StopNCII-style JSON list: ``{"format": "stopncii-pdq-list", "hashes":
  [{"id", "pdq", "md5"?}], "withdrawn": [...]}``; a plain text file of hashes, one a line,
  is read as the same.

A row whose ``status`` is ``withdrawn`` (or that sits in ``withdrawn``) is a withdrawal notice:
the receiver removes that hash from its bank. Signatures are detached (``FILE.sig``, JSON) and
cover the file's exact bytes, so a receiving agency can check who issued the list.
"""

from __future__ import annotations

import abc
import base64
import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vigil.errors import IntegrityError, InvalidInput
from vigil.media.hashes import normalise_hex
from vigil.registry import Registry

Status = Literal["active", "withdrawn"]
SIGNAL_TYPES = ("pdq", "md5", "sha256", "vpdq")
_HEX_LENGTH = {"pdq": 64, "md5": 32, "sha256": 64}
#: Largest list read in one go (a 10M-hash list is about 700 MB of CSV; split bigger ones).
MAX_LIST_BYTES = 1024 * 1024 * 1024
SIGNATURE_ALGORITHM = "Ed25519"
#: How much of a list format detection looks at: a 200 MB single line is not copied again.
_SNIFF_CHARS = 8192


@dataclass(frozen=True)
class Signal:
    """One exchanged hash. ``id`` is the issuer's identifier for it, when it gives one."""

    signal_type: str
    value: str
    id: str | None = None
    status: Status = "active"
    note: str | None = None


def clean_signal(signal_type: str, value: str, *, line: int) -> tuple[str, str]:
    kind = signal_type.strip().lower()
    if kind == "video_md5":
        kind = "md5"
    if kind not in SIGNAL_TYPES:
        raise InvalidInput(f"line {line}: unknown signal type {signal_type[:40]!r}")
    text = value.strip().lower()
    if kind == "pdq":
        return kind, normalise_hex(text, field=f"line {line}")
    expected = _HEX_LENGTH.get(kind)
    if expected is not None and (
        len(text) != expected or any(c not in "0123456789abcdef" for c in text)
    ):
        raise InvalidInput(f"line {line}: not a {kind} hash: {value[:80]!r}")
    return kind, text


def _status(value: str | None, line: int) -> Status:
    text = (value or "active").strip().lower() or "active"
    if text not in ("active", "withdrawn"):
        raise InvalidInput(f"line {line}: status must be active or withdrawn, not {text[:20]!r}")
    return "withdrawn" if text == "withdrawn" else "active"


def _decode(data: bytes) -> str:
    if len(data) > MAX_LIST_BYTES:
        raise InvalidInput("hash list too large: split it")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("hash list is not UTF-8 text") from None


class ExchangeFormat(abc.ABC):
    name: ClassVar[str]

    @classmethod
    @abc.abstractmethod
    def sniff(cls, text: str) -> bool:
        """Whether ``text`` looks like this format."""

    @abc.abstractmethod
    def read(self, text: str) -> list[Signal]:
        """Parse a list; ``InvalidInput`` naming the line at the first bad row."""

    @abc.abstractmethod
    def write(self, signals: Iterable[Signal]) -> bytes:
        """Serialise a list."""


def _csv_rows(text: str, required: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    # newline="": the csv module handles line ends itself (a lone CR is not an error then).
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        missing = [c for c in required if c not in fields]
        if missing:
            raise InvalidInput(f"CSV lacks the column(s) {', '.join(missing)}")
        reader.fieldnames = fields
        for number, row in enumerate(reader, start=2):
            yield number, {k: (v or "") for k, v in row.items() if k is not None}
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise InvalidInput(f"line {reader.line_num}: not CSV ({exc})") from None


class PdqCsv(ExchangeFormat):
    name = "csv"

    @classmethod
    def sniff(cls, text: str) -> bool:
        header = text[:_SNIFF_CHARS].split("\n", 1)[0].lower()
        return "pdq" in [c.strip() for c in header.split(",")]

    def read(self, text: str) -> list[Signal]:
        return [
            Signal(
                "pdq",
                normalise_hex(row["pdq"], field=f"line {n}"),
                id=row.get("id") or None,
                status=_status(row.get("status"), n),
                note=row.get("note") or None,
            )
            for n, row in _csv_rows(text, ("pdq",))
        ]

    def write(self, signals: Iterable[Signal]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "pdq", "status"])
        for s in signals:
            if s.signal_type == "pdq":
                writer.writerow([s.id or "", s.value, s.status])
        return out.getvalue().encode()


class HmaCsv(ExchangeFormat):
    name = "hma"

    @classmethod
    def sniff(cls, text: str) -> bool:
        header = [c.strip() for c in text[:_SNIFF_CHARS].split("\n", 1)[0].lower().split(",")]
        return "signal_type" in header and "signal_value" in header

    def read(self, text: str) -> list[Signal]:
        signals = []
        for n, row in _csv_rows(text, ("signal_type", "signal_value")):
            kind, value = clean_signal(row["signal_type"], row["signal_value"], line=n)
            signals.append(
                Signal(
                    kind,
                    value,
                    id=row.get("id") or None,
                    status=_status(row.get("status"), n),
                    note=row.get("note") or None,
                )
            )
        return signals

    def write(self, signals: Iterable[Signal]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["signal_type", "signal_value", "id", "status", "note"])
        for s in signals:
            writer.writerow([s.signal_type, s.value, s.id or "", s.status, s.note or ""])
        return out.getvalue().encode()


class StopNciiList(ExchangeFormat):
    name = "stopncii"
    marker = "stopncii-pdq-list"

    @classmethod
    def sniff(cls, text: str) -> bool:
        head = text[:_SNIFF_CHARS].lstrip()[:200]
        return (head.startswith("{") and cls.marker in head) or _all_hex_lines(text)

    def read(self, text: str) -> list[Signal]:
        if not text.lstrip().startswith("{"):
            return [
                Signal("pdq", normalise_hex(line, field=f"line {n}"))
                for n, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")
            ]
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not JSON: {exc.msg} at line {exc.lineno}") from None
        except RecursionError:
            raise InvalidInput("not JSON: nested too deeply") from None
        if not isinstance(document, dict) or document.get("format") != self.marker:
            raise InvalidInput(f"not a {self.marker} document")
        signals: list[Signal] = []
        sections: tuple[tuple[str, Status], ...] = (
            ("hashes", "active"),
            ("withdrawn", "withdrawn"),
        )
        for key, status in sections:
            entries = document.get(key, [])
            if not isinstance(entries, list):
                raise InvalidInput(f"{key} must be a list")
            for n, entry in enumerate(entries, start=1):
                if not isinstance(entry, dict) or not isinstance(entry.get("pdq"), str):
                    raise InvalidInput(f"{key}[{n}] needs a pdq string")
                ident = entry.get("id")
                signals.append(
                    Signal(
                        "pdq",
                        normalise_hex(entry["pdq"], field=f"{key}[{n}]"),
                        id=None if ident is None else str(ident),
                        status=status,
                    )
                )
                if isinstance(entry.get("md5"), str):
                    _, md5 = clean_signal("md5", entry["md5"], line=n)
                    signals.append(
                        Signal("md5", md5, id=None if ident is None else str(ident), status=status)
                    )
        return signals

    def write(self, signals: Iterable[Signal]) -> bytes:
        active: list[dict[str, str | None]] = []
        withdrawn: list[dict[str, str | None]] = []
        for s in signals:
            if s.signal_type == "pdq":
                entry = {"id": s.id, "pdq": s.value}
                (withdrawn if s.status == "withdrawn" else active).append(entry)
        document = {"format": self.marker, "version": 1, "hashes": active, "withdrawn": withdrawn}
        return (json.dumps(document, indent=1) + "\n").encode()


def _all_hex_lines(text: str) -> bool:
    head = text[:_SNIFF_CHARS].splitlines()
    if len(text) > _SNIFF_CHARS:
        head = head[:-1]  # possibly cut short
    lines = [line.strip() for line in head[:20] if line.strip()]
    return bool(lines) and all(
        len(line) == 64 and all(c in "0123456789abcdefABCDEF" for c in line) for line in lines
    )


FORMATS: Registry[type[ExchangeFormat]] = Registry(ExchangeFormat, (HmaCsv, PdqCsv, StopNciiList))


def read_list(data: bytes, format_name: str | None = None) -> tuple[str, list[Signal]]:
    """Parse a hash list, detecting its format unless named; returns (format, signals)."""
    text = _decode(data)
    if format_name:
        return format_name, FORMATS.get(format_name)().read(text)
    for fmt in (HmaCsv, StopNciiList, PdqCsv):
        if fmt.sniff(text):
            return fmt.name, fmt().read(text)
    raise InvalidInput(
        "unrecognised hash list: expected a CSV with a pdq column, a ThreatExchange/HMA "
        "signal CSV (signal_type, signal_value) or a StopNCII-style list"
    )


# ---- signatures ---------------------------------------------------------------------------


def signing_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes: what a partner pastes into its config."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A partner's public key from base64 of the raw 32 bytes, or a PEM block."""
    stripped = text.strip()
    try:
        if stripped.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(stripped.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise InvalidInput("the PEM key is not an Ed25519 key")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(stripped, validate=True))
    except (ValueError, TypeError):
        raise InvalidInput("not an Ed25519 public key (base64 of 32 bytes, or PEM)") from None


def key_id(public_b64: str) -> str:
    """A short fingerprint of a public key, to name it in signatures and logs."""
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def sign(data: bytes, key: Ed25519PrivateKey, *, issuer: str) -> bytes:
    """A detached signature document (JSON) over ``data``."""
    public = public_key_text(key)
    document = {
        "algorithm": SIGNATURE_ALGORITHM,
        "issuer": issuer,
        "key_id": key_id(public),
        "public_key": public,
        "sha256": hashlib.sha256(data).hexdigest(),
        "signature": base64.b64encode(key.sign(data)).decode(),
    }
    return (json.dumps(document, indent=1) + "\n").encode()


def verify(data: bytes, signature: bytes, trusted: Ed25519PublicKey) -> str:
    """Check a detached signature against a key we trust; returns the issuer's name."""
    try:
        document = json.loads(signature)
        if document.get("algorithm") != SIGNATURE_ALGORITHM:
            raise IntegrityError("signature: unsupported algorithm")
        raw = base64.b64decode(document["signature"], validate=True)
        trusted.verify(raw, data)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise IntegrityError("signature file is malformed") from None
    except InvalidSignature:
        raise IntegrityError(
            "signature does not match: the list was altered or signed by another key"
        ) from None
    return str(document.get("issuer", ""))
