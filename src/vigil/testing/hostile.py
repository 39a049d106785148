"""A corpus of hostile files, generated in code: bombs, polyglots, traversal archives, lies.

Nothing here is downloaded and no real image is used: every file is built from a few bytes
that Pillow, ``zlib``, ``zipfile`` and ``tarfile`` produce, or written by hand following the
format's specification. Bombs are cheap to make: a deflate chunk compressed once with a full
flush is position independent, so repeating it N times decompresses to N times its size.

``write_corpus(folder)`` writes every case and returns their descriptions; the test
``tests/test_hostile_files.py`` feeds each to every parser Vigil exposes for files
(``vigil.testing.hostile_run``).
"""

from __future__ import annotations

import functools
import gzip
import io
import struct
import tarfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

MIB = 1024 * 1024
#: What the bombs expand to; far beyond the 512 MB every parser is allowed.
BOMB_BYTES = 2048 * MIB
#: Where traversal members try to land, relative to the folder a parser works in.
ESCAPE_NAME = "vigil-hostile-escape"


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    kinds: frozenset[str]  # which kind of parser it aims at: image, archive, text, any
    slow: bool = False


# ---- building blocks ---------------------------------------------------------------------


def _zero_deflate(total: int, chunk: int = MIB) -> tuple[bytes, int]:
    """A raw deflate stream of ``total`` zero bytes and their CRC-32, built in milliseconds."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = total // chunk
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    return block * count + tail, _zero_crcs(count, chunk)


@functools.cache
def _zero_crcs(count: int, chunk: int) -> int:
    crc, zeros = 0, bytes(chunk)
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    return crc


def _zip(members: Sequence[tuple[str, bytes | int, int]]) -> bytes:
    """A zip written by hand: (name, data or bomb size, unix mode); modes may be symlinks."""
    out = io.BytesIO()
    central = io.BytesIO()
    for name, content, mode in members:
        raw = name.encode()
        if isinstance(content, int):
            data, crc = _zero_deflate(content)
            method, size = 8, content
        else:
            data, crc, method, size = content, zlib.crc32(content), 0, len(content)
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data), size, len(raw), 0
            )
        )
        out.write(raw + data)
        central.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                0x0314,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(raw),
                0,
                0,
                0,
                0,
                mode << 16,
                offset,
            )
        )
        central.write(raw)
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(
        struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
        )
    )
    return out.getvalue()


def _tar_gz(members: list[tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member in members:
            if isinstance(member, tuple):
                archive.addfile(member[0], io.BytesIO(member[1]))
            else:
                archive.addfile(member)
    return buffer.getvalue()


def _info(
    name: str, size: int = 0, kind: bytes = tarfile.REGTYPE, link: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.linkname, info.mode = size, kind, link, 0o600
    return info


def _tar_gz_bomb(name: str, size: int) -> bytes:
    """A gzip of several members (legal, and read by every gzip reader) holding one huge file."""
    header = _info(name, size).tobuf(format=tarfile.GNU_FORMAT)
    chunk = gzip.compress(bytes(MIB), 9)
    return gzip.compress(header) + chunk * (size // MIB) + gzip.compress(bytes(1024))


def _png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


def _jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 130, 90)).save(out, "JPEG")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">L", len(data)) + kind + data + struct.pack(">L", zlib.crc32(kind + data))


def _png_declaring(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG header claiming ``width``×``height`` RGB pixels, with whatever ``idat`` holds."""
    ihdr = struct.pack(">2L5B", width, height, 8, 2, 0, 0, 0)
    body = _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat or zlib.compress(bytes(64)))
    return b"\x89PNG\r\n\x1a\n" + body + _png_chunk(b"IEND", b"")


def _png_zero_bomb(width: int, height: int) -> bytes:
    """A real, complete PNG of black pixels: a few hundred KiB that decode to width×height×3."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + 3 * width)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return _png_declaring(width, height, idat)


def _jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(_jpeg())
    at = max(data.find(b"\xff\xc0"), data.find(b"\xff\xc2"))
    struct.pack_into(">2H", data, at + 5, height, width)
    return bytes(data)


def _mp4() -> bytes:
    ftyp = struct.pack(">L4s4sL8s", 24, b"ftyp", b"isom", 0x200, b"isomiso2")
    mdat = struct.pack(">L4s", 8 + 4096, b"mdat") + bytes(4096)
    moov = struct.pack(">L4s", 4000, b"moov") + struct.pack(">L4s", 108, b"mvhd") + bytes(100)
    return ftyp + mdat + moov


def _stream_giant_line(path: Path, size: int) -> None:
    with path.open("wb") as out:
        out.write(b'{"id": 1, "text": "')
        block = b"a" * MIB
        for _ in range(size // MIB):
            out.write(block)
        out.write(b'"}\n')


# ---- the corpus --------------------------------------------------------------------------

Writer = Callable[[Path], None]


def _bytes(data: bytes) -> Writer:
    def write(path: Path) -> None:
        path.write_bytes(data)

    return write


def _cases() -> Iterator[tuple[Case, Writer]]:
    image, archive, text, anything = "image", "archive", "text", "any"

    def case(name: str, filename: str, *kinds: str, slow: bool = False) -> Case:
        return Case(name, filename, frozenset(kinds or (anything,)), slow)

    escape = f"../../{ESCAPE_NAME}"
    # Archives: bombs, traversal, links. Names a Vigil parser looks for, so they get read.
    for label, member in (("stats", "manifest.json"), ("bundle", "manifest.json")):
        yield (
            case(f"zip-bomb-flat-{label}", "flat.zip", archive),
            _bytes(_zip([(member, BOMB_BYTES, 0o100644)])),
        )
    many = [(f"f{i}.bin", BOMB_BYTES // 16, 0o100644) for i in range(16)]
    yield case("zip-bomb-many-members", "many.zip", archive), _bytes(_zip(many))
    inner = _zip([("bomb.bin", BOMB_BYTES // 4, 0o100644)])
    nested = _zip([(f"layer{i}.zip", inner, 0o100644) for i in range(8)])
    yield case("zip-bomb-nested", "nested.zip", archive), _bytes(nested)
    yield (
        case("zip-traversal", "traversal.zip", archive),
        _bytes(
            _zip(
                [
                    ("manifest.json", b"{}", 0o100644),
                    (escape, b"owned", 0o100644),
                    (f"/tmp/{ESCAPE_NAME}", b"owned", 0o100644),  # noqa: S108  # nosec B108
                ]
            )
        ),
    )
    yield (
        case("zip-symlink", "symlink.zip", archive),
        _bytes(_zip([("manifest.json", b"/etc/passwd", 0o120777), ("link", b"/", 0o120777)])),
    )
    yield (
        case("tar-traversal", "traversal.tar.gz", archive),
        _bytes(_tar_gz([(_info(escape, 5), b"owned")])),
    )
    yield (
        case("tar-absolute", "absolute.tar.gz", archive),
        _bytes(
            _tar_gz([(_info(f"/tmp/{ESCAPE_NAME}", 5), b"owned")])  # noqa: S108  # nosec B108
        ),
    )
    yield (
        case("tar-symlink", "symlink.tar.gz", archive),
        _bytes(
            _tar_gz(
                [
                    _info("keys", kind=tarfile.SYMTYPE, link="/"),
                    (_info("keys/" + ESCAPE_NAME, 5), b"owned"),
                ]
            )
        ),
    )
    manifest = b'{"format": 1, "files": {"vigil.db": "00"}}'
    yield (
        case("tar-hardlink", "hardlink.tar.gz", archive),
        _bytes(
            _tar_gz(
                [
                    (_info("vigil-backup.json", len(manifest)), manifest),
                    _info("vigil.db", kind=tarfile.LNKTYPE, link="/etc/passwd"),
                ]
            )
        ),
    )
    yield (
        case("tar-gz-bomb-manifest", "bomb.tar.gz", archive),
        _bytes(_tar_gz_bomb("vigil-backup.json", BOMB_BYTES)),
    )
    yield (
        case("tar-gz-bomb-member", "bomb-member.tar.gz", archive),
        _bytes(_tar_gz_bomb("vault/aa/bomb", BOMB_BYTES)),
    )
    # Images: bombs and absurd dimensions.
    yield case("png-declares-10gpx", "bomb.png", image), _bytes(_png_declaring(100_000, 100_000))
    yield case("png-max-int-size", "huge.png", image), _bytes(_png_declaring(2**31 - 1, 2**31 - 1))
    yield case("png-zero-size", "zero.png", image), _bytes(_png_declaring(0, 0))
    yield case("png-declares-360mpx", "deep.png", image), _bytes(_png_declaring(20_000, 18_000))
    yield case("png-at-pixel-limit", "limit.png", image), _bytes(_png_zero_bomb(7_000, 7_000))
    yield case("jpeg-65500-square", "huge.jpg", image), _bytes(_jpeg_declaring(65_500, 65_500))
    # Polyglots.
    yield (
        case("png+zip", "poly.png", image, archive),
        _bytes(_png() + _zip([("manifest.json", b"{}", 0o100644)])),
    )
    yield (
        case("jpeg+html", "poly.jpg", image, text),
        _bytes(_jpeg() + b"<html><script>alert(document.cookie)</script></html>"),
    )
    yield (
        case("pdf+zip", "poly.pdf", archive),
        _bytes(
            b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
            + _zip([("manifest.json", b'{"format": "vigil-insights/1"}', 0o100644)])
        ),
    )
    # Wrong extensions.
    yield (
        case("elf-named-jpg", "photo.jpg", image),
        _bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(200)),
    )
    yield case("exe-named-png", "photo.png", image), _bytes(b"MZ\x90\x00" + bytes(60) + b"PE\0\0")
    yield (
        case("html-named-png", "photo.png", image),
        _bytes(b"<!doctype html><script>fetch('/api/v1/users')</script>"),
    )
    yield case("jpeg-named-png", "photo.png", image), _bytes(_jpeg())
    # Truncated media.
    yield case("png-truncated", "cut.png", image), _bytes(_png(640, 480)[:300])
    yield case("jpeg-truncated", "cut.jpg", image), _bytes(_jpeg(640, 480)[:400])
    yield case("mp4-truncated", "cut.mp4", image), _bytes(_mp4()[:2000])
    yield case("empty", "empty.png", image, text), _bytes(b"")
    # Text.
    yield (
        case("giant-line-200mb", "giant.jsonl", text, slow=True),
        (lambda path: _stream_giant_line(path, 200 * MIB)),
    )
    yield (
        case("json-nested-100k", "nested.jsonl", text),
        _bytes(b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"),
    )
    yield (
        case("json-nested-object", "nested.json", text, archive),
        _bytes(b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    )
    yield (
        case("invalid-utf8", "bad.jsonl", text),
        _bytes(b'{"text": "\xff\xfe\xc3\x28 caf\xe9"}\n{"text": "ok"}\n\xc0\xaf\n'),
    )
    yield case("utf16-bom", "utf16.csv", text), _bytes("id,text,pdq\n1,hello,00\n".encode("utf-16"))
    yield (
        case("nul-bytes", "nul.jsonl", text),
        _bytes(b'{"text": "a\\u0000b"}\n\x00\x00\x00\n{"text": "c\x00d"}\n'),
    )
    yield (
        case("rtl-override", "rtl.jsonl", text),
        _bytes('{"id": "gpj.\u202eexe", "text": "\u202eevil\u202c \u2066x\u2069"}\n'.encode()),
    )
    yield (
        case("csv-million-columns", "wide.csv", text),
        _bytes(b",".join(b"c%d" % i for i in range(1_000_000)) + b"\n" + b"1," * 999_999 + b"1\n"),
    )
    yield (
        case("csv-formula-injection", "formula.csv", text),
        _bytes(
            b"id,text,pdq,signal_type,signal_value\n"
            b"=cmd|' /C calc'!A0,=HYPERLINK(\"http://x.test\"),@SUM(1+1),+pdq,-2+3\n"
        ),
    )
    yield (
        case("csv-huge-field", "field.csv", text),
        _bytes(b'id,text\n1,"' + b"x" * (4 * MIB) + b'"\n'),
    )


def write_corpus(folder: Path, *, slow: bool | None = None) -> list[Case]:
    """Write the cases into ``folder`` (one sub-folder each); returns their descriptions.

    ``slow``: None for every case, False without the slow ones (200 MB), True for those only.
    """
    cases = []
    for case, write in _cases():
        if slow is not None and case.slow != slow:
            continue
        target = folder / case.name / case.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        write(target)
        cases.append(case)
    return cases


def case_path(folder: Path, case: Case) -> Path:
    return folder / case.name / case.filename
