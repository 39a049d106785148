"""Web capture: fetch a page with httpx and keep everything a court may ask about.

Every HTTP response (redirects and linked media included) goes into one WARC file (warcio),
byte for byte as received, with its request. Beside it: the HTML as served, the HTML as
rendered by headless Chromium and a full-page screenshot (when Chromium is installed; else a
note says why they are missing), and ``capture.json`` with the headers, TLS certificate
details, peer address, capture time and tool versions.
"""

from __future__ import annotations

import io
import json
import secrets
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version as package_version
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from vigil import __version__
from vigil.clock import utcnow
from vigil.errors import InvalidInput, PayloadTooLarge, VigilError
from vigil.evidence.custody import format_time
from vigil.evidence.extractors import default_extractors
from vigil.evidence.render import RenderError, find_chromium, render

MAX_REDIRECTS = 10
USER_AGENT = f"Vigil-evidence-capture/{__version__} (+https://vigil.invalid/capture)"


class CaptureFailed(VigilError):
    http_status = 502
    exit_code = 10
    code = "capture_failed"


@dataclass(frozen=True)
class CaptureOptions:
    screenshot: bool = True
    media: bool = True
    chromium: str | None = None  # path; None finds it on PATH
    timeout: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    max_media: int = 20
    verify_tls: bool = True


@dataclass
class CapturedPart:
    part: str  # warc | html | rendered-html | screenshot | metadata | media
    filename: str
    media_type: str
    data: bytes
    source_url: str


@dataclass
class Capture:
    capture_id: str
    url: str
    final_url: str
    captured_at: datetime
    parts: list[CapturedPart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Fetched:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # content-decoded


def new_capture_id() -> str:
    return "CAP-" + secrets.token_hex(6).upper()


def _decode(raw: bytes, encoding: str) -> bytes:
    """The body without its content-encoding (the WARC keeps it as received)."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)
    except zlib.error:
        return raw  # damaged or mislabelled: keep what came
    return raw


def _tls_details(response: httpx.Response) -> dict[str, Any] | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    details: dict[str, Any] = {"version": ssl_object.version(), "cipher": ssl_object.cipher()}
    der = ssl_object.getpeercert(True)  # positional: httpcore may hand the raw _SSLSocket
    if der:
        cert = x509.load_der_x509_certificate(der)
        try:
            names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            alt = [str(n.value) for n in names.value]
        except x509.ExtensionNotFound:
            alt = []
        details["certificate"] = {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "serial": format(cert.serial_number, "x"),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "subject_alt_names": alt,
            "sha256_fingerprint": cert.fingerprint(hashes.SHA256()).hex(),
            "pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        }
    return details


class _Recorder:
    """Writes each request/response pair into one gzip-per-record WARC."""

    def __init__(self, tool: str) -> None:
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=True)
        info = self.writer.create_warcinfo_record(
            "capture.warc.gz", {"software": tool, "format": "WARC File Format 1.1"}
        )
        self.writer.write_record(info)

    def record(self, response: httpx.Response, raw: bytes, peer: str | None) -> None:
        request = response.request
        url = str(request.url)
        reason = response.reason_phrase or ""
        http_headers = StatusAndHeaders(
            f"{response.status_code} {reason}".strip(),
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
            protocol=response.http_version or "HTTP/1.1",
        )
        extra = {"WARC-IP-Address": peer} if peer else None
        resp = self.writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(raw),
            length=len(raw),
            http_headers=http_headers,
            warc_headers_dict=extra,
        )
        target = request.url.raw_path.decode("ascii", "replace")
        req_headers = StatusAndHeaders(
            f"{request.method} {target} HTTP/1.1",
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
            is_http_request=True,
        )
        req = self.writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=req_headers,
            warc_headers_dict={"WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID")},
        )
        self.writer.write_record(resp)
        self.writer.write_record(req)


class WebCapturer:
    def __init__(self, options: CaptureOptions | None = None) -> None:
        self.options = options or CaptureOptions()
        self.extractors = [cls() for cls in default_extractors()]

    def _receive(
        self, client: httpx.Client, url: str
    ) -> tuple[httpx.Response, bytearray, dict[str, Any] | None, str | None]:
        """One request; the body exactly as it came off the wire (still content-encoded)."""
        response = client.send(client.build_request("GET", url), stream=True)
        try:
            tls = _tls_details(response)  # only readable while the connection is open
            stream = response.extensions.get("network_stream")
            addr = stream.get_extra_info("server_addr") if stream is not None else None
            raw = bytearray()
            for chunk in response.iter_raw():
                raw.extend(chunk)
                if len(raw) > self.options.max_bytes:
                    raise PayloadTooLarge(f"{url} is larger than the capture limit")
        finally:
            response.close()
        return response, raw, tls, str(addr[0]) if addr else None

    def _fetch(
        self, client: httpx.Client, url: str, recorder: _Recorder, log: list[dict[str, Any]]
    ) -> _Fetched:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                response, raw, tls, peer = self._receive(client, url)
            except httpx.HTTPError as exc:
                raise CaptureFailed(f"could not fetch {url}: {exc.__class__.__name__}") from None
            recorder.record(response, bytes(raw), peer)
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
            log.append(
                {
                    "url": url,
                    "status": response.status_code,
                    "headers": headers,
                    "peer": peer,
                    "tls": tls,
                    "received_at": format_time(utcnow()),
                }
            )
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            body = _decode(bytes(raw), response.headers.get("content-encoding", ""))
            return _Fetched(url, response.status_code, headers, body)
        raise CaptureFailed(f"more than {MAX_REDIRECTS} redirects")

    def capture(self, url: str) -> Capture:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise InvalidInput("only http:// and https:// pages can be captured", field="url")
        chromium = find_chromium(self.options.chromium) if self.options.screenshot else None
        tools = {
            "vigil": __version__,
            "httpx": package_version("httpx"),
            "warcio": package_version("warcio"),
        }
        recorder = _Recorder(" ".join(f"{k}/{v}" for k, v in tools.items()))
        log: list[dict[str, Any]] = []
        result = Capture(new_capture_id(), url, url, utcnow())
        with httpx.Client(
            timeout=self.options.timeout,
            verify=self.options.verify_tls,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        ) as client:
            page = self._fetch(client, url, recorder, log)
            result.final_url = page.url
            html = page.body.decode("utf-8", "replace")
            media = (
                self._media(client, page, html, recorder, log, result)
                if (self.options.media)
                else []
            )
        self._render(chromium, page.url, tools, result)
        result.parts[:0] = [
            CapturedPart(
                "warc", "capture.warc.gz", "application/warc", recorder.buffer.getvalue(), url
            ),
            CapturedPart("html", "page.html", "text/html", page.body, page.url),
        ]
        result.parts.extend(media)
        meta = {
            "capture_id": result.capture_id,
            "url": url,
            "final_url": page.url,
            "status": page.status,
            "captured_at": format_time(result.captured_at),
            "tools": tools,
            "responses": log,
            "media": [p.source_url for p in media],
            "notes": result.notes,
        }
        result.parts.append(
            CapturedPart(
                "metadata",
                "capture.json",
                "application/json",
                json.dumps(meta, indent=2).encode(),
                url,
            )
        )
        return result

    def _media(
        self,
        client: httpx.Client,
        page: _Fetched,
        html: str,
        recorder: _Recorder,
        log: list[dict[str, Any]],
        result: Capture,
    ) -> list[CapturedPart]:
        links: list[str] = []
        for extractor in self.extractors:
            links += [u for u in extractor.find(page.url, html) if u not in links]
        if len(links) > self.options.max_media:
            result.notes.append(
                f"kept the first {self.options.max_media} of {len(links)} linked media"
            )
        parts = []
        for number, link in enumerate(links[: self.options.max_media], start=1):
            try:
                fetched = self._fetch(client, link, recorder, log)
            except VigilError as exc:
                result.notes.append(f"linked media {number} not kept: {exc.message}")
                continue
            name = urlsplit(fetched.url).path.rsplit("/", 1)[-1] or "media"
            content_type = {k.lower(): v for k, v in fetched.headers}.get(
                "content-type", "application/octet-stream"
            )
            parts.append(
                CapturedPart(
                    "media",
                    f"media-{number}-{name}",
                    content_type.split(";")[0].strip(),
                    fetched.body,
                    fetched.url,
                )
            )
        return parts

    def _render(
        self, chromium: str | None, url: str, tools: dict[str, str], result: Capture
    ) -> None:
        if not self.options.screenshot:
            result.notes.append("screenshot not taken: turned off")
            return
        if chromium is None:
            result.notes.append("screenshot not taken: Chromium is not installed")
            return
        rendered = None
        for attempt in (1, 2):  # a browser that dies on a loaded machine gets one more go
            try:
                rendered = render(chromium, url, self.options.timeout)
                break
            except (RenderError, OSError) as exc:
                result.notes.append(f"screenshot attempt {attempt} failed: {exc}")
        if rendered is None:
            result.notes.append("screenshot not taken")
            return
        tools["chromium"] = rendered.version
        if rendered.truncated:
            result.notes.append(
                f"screenshot cut at the first pixels of a {rendered.page_height} px page"
            )
        result.parts += [
            CapturedPart(
                "rendered-html", "rendered.html", "text/html", rendered.html.encode(), url
            ),
            CapturedPart("screenshot", "screenshot.png", "image/png", rendered.png, url),
        ]
