"""Add files and a capture, export, verify; then tamper with the bundle in every way we can."""

from __future__ import annotations

import hashlib
import http.server
import json
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil.cases.schemas import CaseCreate
from vigil.evidence import verify_bundle as vb
from vigil.evidence.capture import CaptureOptions
from vigil.evidence.custody import Signer
from vigil.security.actor import Actor
from vigil.services import Services

OPERATOR = Actor.operator("test")
PNG = bytes.fromhex(  # a valid 4×4 red PNG
    "89504e470d0a1a0a0000000d4948445200000004000000040802000000269309290000001049444154"
    "789c63fccf80004c0c44710033d101073a843eb80000000049454e44ae426082"
)
PAGE = """<!doctype html><html><head><title>post</title>
<meta property="og:image" content="/media/photo.png"></head>
<body><article><p>synthetic abusive post for tests</p><video src="clip.mp4"></video></article>
</body></html>"""


class _Site(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/p/1":  # a short link that redirects, as platforms do
            self.send_response(301)
            self.send_header("Location", "/post.html")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    (root / "media").mkdir(parents=True)
    (root / "post.html").write_text(PAGE)
    (root / "media" / "photo.png").write_bytes(PNG)
    (root / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42synthetic-video")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Site, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def make_bundle(services: Services, site: str, out: Path) -> tuple[str, Path]:
    case = services.cases.create(OPERATOR, CaseCreate(title="synthetic case"))
    services.evidence.add_bytes(OPERATOR, case.reference, b"a synthetic threat", "threat.txt")
    photo = services.evidence.add_bytes(
        OPERATOR, case.reference, PNG, "photo.png", reporter_hash=hashlib.sha256(PNG).hexdigest()
    )
    assert not photo.reporter_hash_mismatch
    services.evidence.add_working_copy(OPERATOR, photo.uid, b"blurred bytes", "blurred")
    services.evidence.capture(
        OPERATOR, case.reference, f"{site}/p/1", CaptureOptions(screenshot=False)
    )
    services.evidence.set_legal_hold(OPERATOR, photo.uid, True, "proceedings pending")
    services.evidence.content(OPERATOR, photo.uid)
    summary = services.evidence.export(OPERATOR, case.reference, out, "for the prosecutor")
    assert summary.checkpoint_seq == summary.events
    return case.reference, out


def rewrite(src: Path, dst: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip, passing each member through ``change`` (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = change(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
    return dst


def flip(data: bytes, at: int | None = None) -> bytes:
    pos = len(data) // 2 if at is None else at
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]


@pytest.fixture
def bundle(sqlite_services: Services, site: str, tmp_path: Path) -> Path:
    return make_bundle(sqlite_services, site, tmp_path / "bundle.zip")[1]


def test_export_then_verify_on_both_backends(services: Services, site: str, tmp_path: Path) -> None:
    reference, path = make_bundle(services, site, tmp_path / "bundle.zip")
    report = vb.verify_bundle(path)
    assert report.ok, report.problems
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert set(names) - set(manifest["files"]) == {"manifest.json", "verify_bundle.py"}
    parts = {i["metadata"]["part"] for i in manifest["items"]}
    assert {"warc", "html", "metadata", "media"} <= parts
    assert manifest["case"] == reference
    assert any(n.endswith("report.pdf") for n in names)
    # the vault as a whole holds too
    assert services.evidence.verify_vault(OPERATOR).ok


def test_shipped_verifier_runs_alone(bundle: Path, tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    # -I: isolated mode, nothing from Vigil's environment can be imported
    for target in (bundle, folder):
        done = subprocess.run(
            [sys.executable, "-I", str(folder / "verify_bundle.py"), str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout
        assert "VERIFIED" in done.stdout
    bad = rewrite(bundle, tmp_path / "bad.zip", lambda n, d: flip(d) if n == "report.pdf" else d)
    done = subprocess.run(
        [sys.executable, "-I", str(folder / "verify_bundle.py"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "report.pdf" in done.stdout


def _names(bundle: Path) -> list[str]:
    with zipfile.ZipFile(bundle) as archive:
        return [n for n in archive.namelist() if n != vb.VERIFIER_NAME]


@pytest.mark.parametrize(
    "member",
    ["manifest.json", "README.txt", "report.pdf", vb.EVENTS_NAME, vb.CHECKPOINT_NAME, "items/"],
)
def test_one_flipped_byte_is_found(bundle: Path, tmp_path: Path, member: str) -> None:
    target = (
        member
        if not member.endswith("/")
        else next(n for n in _names(bundle) if n.startswith(member))
    )
    bad = rewrite(bundle, tmp_path / "bad.zip", lambda n, d: flip(d) if n == target else d)
    report = vb.verify_bundle(bad)
    assert not report.ok
    named = target if target != "manifest.json" else "manifest"
    assert any(named in p for p in report.problems), report.problems


def test_every_file_is_covered(bundle: Path, tmp_path: Path) -> None:
    for name in _names(bundle):
        bad = rewrite(
            bundle, tmp_path / "bad.zip", lambda n, d, t=name: flip(d, 0) if n == t else d
        )
        assert not vb.verify_bundle(bad).ok, name
        gone = rewrite(bundle, tmp_path / "gone.zip", lambda n, d, t=name: None if n == t else d)
        assert not vb.verify_bundle(gone).ok, name
    extra = rewrite(bundle, tmp_path / "extra.zip", lambda n, d: d)
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("items/planted.jpg", b"not evidence")
    report = vb.verify_bundle(extra)
    assert any("items/planted.jpg" in p for p in report.problems)


def _events(bundle: Path) -> list[dict[str, object]]:
    with zipfile.ZipFile(bundle) as archive:
        return [json.loads(line) for line in archive.read(vb.EVENTS_NAME).splitlines()]


def _resign(
    bundle: Path,
    out: Path,
    events: list[dict[str, object]] | None = None,
    edit: Callable[[dict[str, object]], None] | None = None,
    signer: Signer | None = None,
) -> Path:
    """A careful forger: changes the contents, fixes the manifest's file hashes, re-signs."""
    with zipfile.ZipFile(bundle) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    if events is not None:
        files[vb.EVENTS_NAME] = b"".join(vb.canonical(e) + b"\n" for e in events)
    manifest = json.loads(files["manifest.json"])
    if edit is not None:
        edit(manifest)
    for name, data in files.items():
        if name in manifest["files"]:
            manifest["files"][name] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
    if signer is not None:
        manifest["public_key"] = signer.public_key
        manifest["signature"] = signer.sign(vb.manifest_message(manifest))
    files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out


def test_deleted_custody_event_is_named(bundle: Path, tmp_path: Path) -> None:
    events = _events(bundle)
    del events[2]
    report = vb.verify_bundle(_resign(bundle, tmp_path / "x.zip", events))
    assert not report.ok
    assert any("manifest" in p and "signature" in p for p in report.problems)
    assert any("custody event 3" in p and "expected seq 3" in p for p in report.problems)


def test_reordered_custody_events_are_named(bundle: Path, tmp_path: Path) -> None:
    events = _events(bundle)
    events[1], events[2] = events[2], events[1]
    report = vb.verify_bundle(_resign(bundle, tmp_path / "x.zip", events))
    assert any("custody event 2" in p for p in report.problems), report.problems


def test_altered_custody_event_is_named(bundle: Path, tmp_path: Path) -> None:
    events = _events(bundle)
    events[0]["actor"] = "someone else"
    report = vb.verify_bundle(_resign(bundle, tmp_path / "x.zip", events))
    assert any("custody event 1" in p and "altered" in p for p in report.problems)


def test_dropped_last_event_breaks_the_checkpoint(bundle: Path, tmp_path: Path) -> None:
    events = _events(bundle)[:-1]
    report = vb.verify_bundle(_resign(bundle, tmp_path / "x.zip", events))
    assert any(p.startswith("checkpoint") for p in report.problems), report.problems


def test_changed_manifest_is_found(bundle: Path, tmp_path: Path) -> None:
    def rename(manifest: dict[str, object]) -> None:
        items = manifest["items"]
        assert isinstance(items, list)
        items[0]["metadata"]["source_url"] = "https://elsewhere.invalid/"

    report = vb.verify_bundle(_resign(bundle, tmp_path / "x.zip", edit=rename))
    assert any("signature" in p for p in report.problems)
    assert any("metadata differs" in p for p in report.problems)


def test_forger_with_own_key_is_caught_by_the_chain_or_a_pinned_key(
    bundle: Path, tmp_path: Path
) -> None:
    forger = Signer(Ed25519PrivateKey.generate().private_bytes_raw())
    with zipfile.ZipFile(bundle) as archive:
        genuine_key = json.loads(archive.read("manifest.json"))["public_key"]
    forged = _resign(bundle, tmp_path / "x.zip", signer=forger)
    report = vb.verify_bundle(forged)
    assert any("checkpoint: signed by another key" in p for p in report.problems)
    pinned = vb.verify_bundle(bundle, public_key=genuine_key)
    assert pinned.ok
    assert not vb.verify_bundle(bundle, public_key=forger.public_key).ok


def test_chain_verifier_names_first_bad_event() -> None:
    events: list[dict[str, object]] = []
    prev = vb.GENESIS
    for seq in range(1, 5):
        event: dict[str, object] = {
            "chain": "VG-X",
            "seq": seq,
            "at": "t",
            "action": "view",
            "item": "EV-1",
            "sha256": None,
            "actor": "a",
            "reason": None,
            "detail": None,
            "prev": prev,
        }
        event["hash"] = prev = vb.event_hash(event)
        events.append(event)
    assert vb.verify_events(events, "VG-X") == []
    assert "custody event 2" in vb.verify_events([events[0], *events[2:]], "VG-X")[0]
    swapped = [events[0], events[2], events[1], events[3]]
    assert "custody event 2" in vb.verify_events(swapped, "VG-X")[0]
    assert "another" not in vb.verify_events(events, "VG-Y")[0]
