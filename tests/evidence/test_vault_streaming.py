"""Streaming ingest: files of any accepted size are hashed and sealed in bounded memory, in
segments that are each authenticated, and files sealed whole before streaming still open."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from vigil.errors import IntegrityError, PayloadTooLarge
from vigil.evidence import sealing
from vigil.evidence.vault import Vault
from vigil.testing.large_files import MIB, run_script, write_generated

#: A file this size took about three times as much memory before streaming ingest.
LARGE_FILE_BYTES = 64 * MIB
#: What ingesting it may add to the peak resident memory of ``vigil evidence add``.
MEMORY_ALLOWANCE_BYTES = 40 * MIB


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault.open(tmp_path / "vault", tmp_path / "keys")


def _generated(size: int) -> bytes:
    """Bytes that differ from segment to segment (so reordering segments would show)."""
    block = hashlib.sha512(str(size).encode()).digest() * 16
    return b"".join(bytes([i % 251]) + block for i in range(size // (len(block) + 1) + 1))[:size]


@pytest.mark.parametrize(
    "size", [0, 1, sealing.SEGMENT_BYTES - 1, sealing.SEGMENT_BYTES, 2 * sealing.SEGMENT_BYTES + 7]
)
def test_round_trip_at_segment_edges(vault: Vault, size: int) -> None:
    data = _generated(size)
    stored = vault.put_stream(io.BytesIO(data))
    assert (stored.sha256, stored.sha512, stored.size) == (
        hashlib.sha256(data).hexdigest(),
        hashlib.sha512(data).hexdigest(),
        size,
    )
    assert vault.get(stored.sha256) == data
    assert vault.measure(stored.sha256) == (stored.sha256, stored.sha512, size)


class _Trickle(io.RawIOBase):
    """A source that returns a few bytes per read, like a pipe or a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 4093) if size >= 0 else 4093)


def test_short_reads_seal_the_same_bytes(vault: Vault) -> None:
    data = _generated(sealing.SEGMENT_BYTES + 12345)
    stored = vault.put_stream(_Trickle(data))  # type: ignore[arg-type]
    assert vault.get(stored.sha256) == data


def _segments(vault: Vault, sha256: str) -> tuple[bytes, list[bytes]]:
    raw = vault.path_for(sha256).read_bytes()
    header_size = len(sealing.MAGIC) + 1 + sealing.KEY_ID_BYTES + sealing.PREFIX_BYTES + 4
    whole = sealing.SEGMENT_BYTES + sealing.TAG_BYTES
    body = raw[header_size:]
    return raw[:header_size], [body[i : i + whole] for i in range(0, len(body), whole)]


@pytest.mark.parametrize("damage", ["drop-last", "swap", "flip-first", "append"])
def test_damaged_segments_are_refused(vault: Vault, damage: str) -> None:
    stored = vault.put_stream(io.BytesIO(_generated(3 * sealing.SEGMENT_BYTES)))
    header, segments = _segments(vault, stored.sha256)
    assert len(segments) == 3
    if damage == "drop-last":  # truncated exactly at a segment boundary
        segments = segments[:-1]
    elif damage == "swap":
        segments[0], segments[1] = segments[1], segments[0]
    elif damage == "flip-first":
        segments[0] = bytes([segments[0][0] ^ 1]) + segments[0][1:]
    else:
        segments.append(segments[-1])
    vault.path_for(stored.sha256).write_bytes(header + b"".join(segments))
    with pytest.raises(IntegrityError):
        vault.get(stored.sha256)
    with pytest.raises(IntegrityError):
        vault.measure(stored.sha256)


def test_files_sealed_whole_before_streaming_still_open(vault: Vault) -> None:
    data = b"evidence stored by an earlier version"
    sha256 = hashlib.sha256(data).hexdigest()
    path = vault.path_for(sha256)
    path.parent.mkdir(parents=True)
    key_id = bytes.fromhex(vault.key_id)
    path.write_bytes(sealing.seal_whole(data, vault._seal_key, key_id, sha256))
    assert vault.get(sha256) == data
    assert vault.measure(sha256)[2] == len(data)
    assert vault.put(data).sha256 == sha256  # intact: left as it is
    assert path.read_bytes()[len(sealing.MAGIC)] == sealing.WHOLE


def test_a_source_past_the_limit_leaves_nothing(vault: Vault) -> None:
    with pytest.raises(PayloadTooLarge):
        vault.put_stream(io.BytesIO(bytes(3 * MIB)), max_bytes=2 * MIB)
    assert not list(vault.files())
    assert not list(vault.tmp.iterdir())


_INGEST = """
import resource, sys
from pathlib import Path
from vigil.cases.schemas import CaseCreate
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

small, large, home = map(Path, sys.argv[1:4])
services = Services.from_settings(VigilSettings(home=home, log_json=False))
upgrade(services.db)
operator = Actor.operator("test")
reference = services.cases.create(operator, CaseCreate(title="synthetic")).reference
services.evidence.add_file(operator, reference, small)  # every code path, warmed up
services.evidence.verify_vault(operator)
baseline = peak()
item = services.evidence.add_file(operator, reference, large)
ingest = peak()
report = services.evidence.verify_vault(operator)
print(baseline, ingest, peak(), item.size, report.ok)
"""


def test_a_large_import_takes_bounded_memory(tmp_path: Path) -> None:
    """A staff import of a 64 MiB file and a check of the vault: the peak memory of the
    process grows by a few MiB (it grew by about three times the file before streaming)."""
    small, large = tmp_path / "small.bin", tmp_path / "large.bin"
    small.write_bytes(b"small synthetic evidence")
    write_generated(large, LARGE_FILE_BYTES)
    printed = run_script(_INGEST, str(small), str(large), str(tmp_path / "home"), timeout=120)
    baseline, ingest, verify, size, ok = printed
    assert (int(size), ok) == (LARGE_FILE_BYTES, "True")
    assert int(ingest) - int(baseline) < MEMORY_ALLOWANCE_BYTES, printed
    assert int(verify) - int(baseline) < MEMORY_ALLOWANCE_BYTES, printed
