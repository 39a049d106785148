"""Streaming reads: downloads and bundle exports of a large item take bounded memory, and a
segment that fails its check stops the stream before its bytes are released."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from vigil.cases.schemas import CaseCreate
from vigil.errors import IntegrityError
from vigil.evidence import sealing
from vigil.evidence import verify_bundle as vb
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.testing.large_files import MIB, run_script, write_generated

LARGE_FILE_BYTES = 64 * MIB
#: What streaming the item out (download, then bundle) may add to the process's peak memory.
MEMORY_ALLOWANCE_BYTES = 40 * MIB
OP = Actor.operator("test")


def _block(number: int) -> bytes:  # what write_generated writes as its MiB number ``number``
    return hashlib.sha512(number.to_bytes(8, "big")).digest() * (MIB // 64)


_READ = """
import hashlib, resource, sys
from pathlib import Path
from vigil.cases.schemas import CaseCreate
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

small, large, home, out = map(Path, sys.argv[1:5])
services = Services.from_settings(VigilSettings(home=home, log_json=False))
upgrade(services.db)
operator = Actor.operator("test")
warm = services.cases.create(operator, CaseCreate(title="warm")).reference
ref = services.cases.create(operator, CaseCreate(title="synthetic")).reference
first = services.evidence.add_file(operator, warm, small)
for _ in services.evidence.stream(operator, first.uid)[1]:  # every code path, warmed up
    pass
services.evidence.export(operator, warm, out.with_name("warm.zip"))
item = services.evidence.add_file(operator, ref, large)
baseline = peak()
digest, size = hashlib.sha256(), 0
_, chunks = services.evidence.stream(operator, item.uid)
for chunk in chunks:
    digest.update(chunk)
    size += len(chunk)
download = peak()
summary = services.evidence.export(operator, ref, out)
print(baseline, download, peak(), size, digest.hexdigest() == item.sha256, summary.items)
"""


def test_download_and_export_of_a_large_item_take_bounded_memory(tmp_path: Path) -> None:
    small, large = tmp_path / "small.bin", tmp_path / "large.bin"
    small.write_bytes(b"small synthetic evidence")
    write_generated(large, LARGE_FILE_BYTES)
    bundle = tmp_path / "bundle.zip"
    printed = run_script(_READ, str(small), str(large), str(tmp_path / "home"), str(bundle))
    baseline, download, export, size, same, items = printed
    assert (int(size), same, items) == (LARGE_FILE_BYTES, "True", "1")
    # Reading it whole took the file's size at least once more (64 MiB), exporting twice that.
    assert int(download) - int(baseline) < MEMORY_ALLOWANCE_BYTES, printed
    assert int(export) - int(baseline) < MEMORY_ALLOWANCE_BYTES, printed
    assert vb.verify_bundle(bundle).ok
    with zipfile.ZipFile(bundle) as archive:
        (name,) = [n for n in archive.namelist() if n.startswith("items/")]
        info = archive.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED and info.file_size == LARGE_FILE_BYTES


def _tamper(services: Services, sha256: str, segment: int) -> None:
    path = services.evidence.vault.path_for(sha256)
    raw = bytearray(path.read_bytes())
    header = len(sealing.MAGIC) + 1 + sealing.KEY_ID_BYTES + sealing.PREFIX_BYTES + 4
    raw[header + segment * (sealing.SEGMENT_BYTES + sealing.TAG_BYTES) + 10] ^= 1
    path.write_bytes(bytes(raw))


def _events(services: Services, uid: str) -> list[str]:
    return [e.action for e in services.evidence.custody_history(OP, uid=uid)]


def test_a_tampered_segment_stops_the_stream_before_its_bytes(
    sqlite_services: Services, tmp_path: Path
) -> None:
    services = sqlite_services
    ref = services.cases.create(OP, CaseCreate(title="tamper")).reference
    data = b"".join(_block(n) for n in range(3))
    item = services.evidence.add_bytes(OP, ref, data, "three-segments.bin")
    _tamper(services, item.sha256, 1)

    _, chunks = services.evidence.stream(OP, item.uid)
    received = [next(chunks)]
    with pytest.raises(IntegrityError):
        received.extend(chunks)
    assert received == [data[: sealing.SEGMENT_BYTES]]  # the bad segment never came out
    assert _events(services, item.uid) == ["add", "download"]  # one event for the access

    with pytest.raises(IntegrityError):  # checked before any export event or zip
        services.evidence.export(OP, ref, tmp_path / "bundle.zip")
    assert not (tmp_path / "bundle.zip").exists()
    assert _events(services, item.uid) == ["add", "download"]

    _tamper(services, item.sha256, 0)  # a bad first segment: refused before anything is sent
    _tamper(services, item.sha256, 1)  # (segment 1 restored, to tell the two apart)
    with pytest.raises(IntegrityError):
        services.evidence.stream(OP, item.uid)
    assert _events(services, item.uid) == ["add", "download"]
