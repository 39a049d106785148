"""Web capture against sites served on loopback: WARC of every response, media, TLS, screenshot."""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import io
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from warcio.archiveiterator import ArchiveIterator

from vigil.errors import InvalidInput, VigilError
from vigil.evidence.capture import CaptureOptions, WebCapturer
from vigil.evidence.extractors import EmbeddedMedia, OpenGraphMedia, default_extractors
from vigil.evidence.render import find_chromium

PNG = bytes.fromhex(  # a valid 4×4 red PNG
    "89504e470d0a1a0a0000000d4948445200000004000000040802000000269309290000001049444154"
    "789c63fccf80004c0c44710033d101073a843eb80000000049454e44ae426082"
)
PAGE = """<!doctype html><html><head><title>post</title>
<meta property="og:image" content="/media/photo.png">
<meta name="twitter:image" content="https://127.0.0.1:1/unreachable.png"></head>
<body><p id="text">synthetic abusive post for tests</p><video src="clip.mp4"></video>
<div style="height:3000px"></div><p>end of page</p></body></html>"""
NO_CHROMIUM = CaptureOptions(chromium="/nonexistent/chromium", timeout=5)


class _Site(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/p/1":
            self.send_response(302)
            self.send_header("Location", "/post.html")
            self.end_headers()
            return
        if self.path == "/gz":
            body = gzip.compress(PAGE.encode())
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/drop":
            self.connection.close()  # no answer at all
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def _serve(root: Path, context: ssl.SSLContext | None = None) -> http.server.HTTPServer:
    (root / "media").mkdir(parents=True, exist_ok=True)
    (root / "post.html").write_text(PAGE)
    (root / "media" / "photo.png").write_bytes(PNG)
    (root / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42synthetic-video")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Site, directory=root))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    server = _serve(tmp_path / "site")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _self_signed(folder: Path) -> tuple[Path, Path, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vigil-test.invalid")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    folder.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, cert


def _records(warc: bytes) -> list[tuple[str, str | None]]:
    return [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
        for r in ArchiveIterator(io.BytesIO(warc))
    ]


def test_capture_keeps_every_response_and_linked_media(site: str) -> None:
    capture = WebCapturer(NO_CHROMIUM).capture(f"{site}/p/1")
    parts = {p.part: p for p in capture.parts}
    assert capture.final_url == f"{site}/post.html"
    assert parts["html"].data == PAGE.encode()
    media = [p for p in capture.parts if p.part == "media"]
    assert sorted(p.data for p in media) == sorted(
        [PNG, b"\x00\x00\x00\x18ftypmp42synthetic-video"]
    )
    records = _records(parts["warc"].data)
    assert records[0][0] == "warcinfo"
    responses = [uri for kind, uri in records if kind == "response"]
    assert responses == [
        f"{site}/p/1",
        f"{site}/post.html",
        f"{site}/media/photo.png",
        f"{site}/clip.mp4",
    ]
    assert sum(kind == "request" for kind, _ in records) == 4
    meta = json.loads(parts["metadata"].data)
    assert meta["responses"][0]["status"] == 302
    assert any(k.lower() == "content-type" for k, _ in meta["responses"][1]["headers"])
    assert meta["responses"][1]["peer"] == "127.0.0.1"
    assert {"vigil", "httpx", "warcio"} <= set(meta["tools"])
    assert meta["captured_at"].endswith("Z")
    assert any("linked media 2 not kept" in n for n in capture.notes)  # the unreachable one
    assert any("Chromium is not installed" in n for n in capture.notes)
    assert "screenshot" not in parts


def test_https_capture_records_the_certificate(tmp_path: Path) -> None:
    cert_path, key_path, cert = _self_signed(tmp_path / "tls")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = _serve(tmp_path / "site", context)
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/post.html"
        trusting = CaptureOptions(chromium="/nonexistent", media=False, verify_tls=False, timeout=5)
        capture = WebCapturer(trusting).capture(url)
    finally:
        server.shutdown()
        server.server_close()
    meta = json.loads(next(p for p in capture.parts if p.part == "metadata").data)
    tls = meta["responses"][0]["tls"]
    assert tls["certificate"]["subject"] == "CN=vigil-test.invalid"
    assert tls["certificate"]["sha256_fingerprint"] == cert.fingerprint(hashes.SHA256()).hex()
    assert tls["version"].startswith("TLS")


def test_content_encoding_is_kept_in_the_warc_and_undone_in_the_html(site: str) -> None:
    capture = WebCapturer(CaptureOptions(chromium="/nonexistent", media=False, timeout=5)).capture(
        f"{site}/gz"
    )
    parts = {p.part: p for p in capture.parts}
    assert parts["html"].data == PAGE.encode()
    record = next(
        r for r in ArchiveIterator(io.BytesIO(parts["warc"].data)) if r.rec_type == "response"
    )
    assert record.http_headers.get_header("Content-Encoding") == "gzip"


def test_a_dead_server_is_a_clear_error(site: str) -> None:
    with pytest.raises(VigilError, match="could not fetch"):
        WebCapturer(NO_CHROMIUM).capture(f"{site}/drop")


def test_only_web_urls() -> None:
    with pytest.raises(InvalidInput):
        WebCapturer(NO_CHROMIUM).capture("file:///etc/passwd")


def test_extractors() -> None:
    assert OpenGraphMedia().find("https://x.invalid/a/b", PAGE) == [
        "https://x.invalid/media/photo.png",
        "https://127.0.0.1:1/unreachable.png",
    ]
    assert EmbeddedMedia().find("https://x.invalid/a/b", PAGE) == ["https://x.invalid/a/clip.mp4"]
    assert default_extractors().names() == ["embedded", "opengraph"]


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_full_page_screenshot_with_chromium(site: str) -> None:
    capture = WebCapturer(CaptureOptions(media=False, timeout=90)).capture(f"{site}/post.html")
    parts = {p.part: p for p in capture.parts}
    assert "screenshot" in parts, capture.notes
    png = parts["screenshot"].data
    assert png.startswith(b"\x89PNG")
    height = int.from_bytes(png[20:24], "big")
    assert height > 3000  # the whole page, not just the window
    assert "synthetic abusive post" in parts["rendered-html"].data.decode()
    assert "chromium" in json.loads(parts["metadata"].data)["tools"]
