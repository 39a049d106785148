"""Hashers: one conformance class for every plugin, hostile files, robustness basics."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from vigil.errors import ConfigurationError, InvalidInput, PayloadTooLarge
from vigil.media import images
from vigil.media.base import PDQ_DEFAULT_THRESHOLD, Hasher
from vigil.media.hashers import (
    HASHERS,
    PDQ,
    PDQ_FRAME,
    Md5Hasher,
    PdqHasher,
    Sha256Hasher,
    VpdqHasher,
    hasher_for,
    pdq_of,
)
from vigil.media.hashes import bits_to_hex, hamming, hex_to_bits, hex_to_words, words_to_hex
from vigil.media.matching import Matcher
from vigil.media.synthetic import generated_image


def _save(image: Image.Image, path: Path, fmt: str | None = None) -> Path:
    image.save(path, fmt)
    return path


class TestHasherConformance:
    """Every built-in hasher: stable name, result shape, refusal of unreadable input."""

    @pytest.fixture(params=[PdqHasher, Sha256Hasher, Md5Hasher])
    def hasher(self, request: pytest.FixtureRequest) -> Hasher:
        return request.param()  # type: ignore[no-any-return]

    def test_registered_under_its_name(self, hasher: Hasher) -> None:
        assert HASHERS.get(hasher.name) is type(hasher)

    def test_hashes_a_file_and_its_bytes_alike(self, hasher: Hasher, tmp_path: Path) -> None:
        path = _save(generated_image(1), tmp_path / "a.png")
        from_file = hasher.hash_file(path)
        from_bytes = hasher.hash_bytes(path.read_bytes(), filename="a.png")
        assert from_file.hash == from_bytes.hash
        assert from_file.type == hasher.name
        assert 0 <= from_file.quality <= 100
        assert from_file.hash == from_file.hash.lower()

    def test_missing_file_is_invalid_input(self, hasher: Hasher, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput):
            hasher.hash_file(tmp_path / "missing.png")


def test_exact_hashes_are_the_standard_digests(tmp_path: Path) -> None:
    path = tmp_path / "any.bin"
    path.write_bytes(b"vigil" * 1000)
    assert Sha256Hasher().hash_file(path).hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert Md5Hasher().hash_file(path).hash == hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324


def test_pdq_matches_pdqhash_and_hex_round_trips() -> None:
    pixels = np.asarray(generated_image(3))
    value, quality = pdq_of(pixels)
    assert len(value) == 64 and quality > 50
    assert bits_to_hex(hex_to_bits(value)) == value
    assert words_to_hex(hex_to_words([value, value])) == [value, value]
    assert hamming(value, value) == 0
    _, flat_quality = pdq_of(np.full((100, 100, 3), 128, np.uint8))
    assert flat_quality < 50  # a flat image's hash is not to be trusted


def test_hostile_and_broken_images_are_refused(tmp_path: Path) -> None:
    png = _save(generated_image(2), tmp_path / "ok.png")
    cases = {
        "truncated.png": png.read_bytes()[: len(png.read_bytes()) // 3],
        "html.jpg": b"<html><script>alert(1)</script></html>",
        "empty.png": b"",
        "wrong-extension.jpg": png.read_bytes(),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InvalidInput):
            PdqHasher().hash_file(path)


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(30_000, 30_000), (25_000, 10), (9000, 9000)])
def test_decompression_bombs_and_huge_dimensions(width: int, height: int) -> None:
    with pytest.raises(InvalidInput, match=r"pixels|sides"):
        images.open_image(_png_header_only(width, height), name="bomb.png")


def test_oversized_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 10)
    with pytest.raises(PayloadTooLarge):
        images.open_image(b"x" * 11)


def test_exif_rotation_is_applied() -> None:
    image = generated_image(4, size=(300, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    opened = images.open_image(buffer.getvalue(), name="p.jpg")
    assert opened.size == (200, 300)


def test_trim_uniform_borders() -> None:
    pixels = np.asarray(generated_image(5, size=(200, 160)))
    framed = np.asarray(ImageOps.expand(Image.fromarray(pixels), (10, 20, 30, 5), fill=(9, 9, 9)))
    assert images.trim_uniform_borders(framed).shape == pixels.shape
    flat = np.zeros((50, 50, 3), np.uint8)
    assert images.trim_uniform_borders(flat).shape == flat.shape


def test_robust_variants_match_crops_frames_and_turns() -> None:
    hasher = PdqHasher()
    originals = [generated_image(seed) for seed in range(8)]
    matcher = Matcher()
    matcher.add(
        (i, kind, value)
        for i, image in enumerate(originals)
        for kind, value in PdqHasher(probes=False).hash_image(image).bank_hashes()
    )
    assert set(matcher.indexes) == {PDQ, PDQ_FRAME}
    image = originals[3]
    w, h = image.size
    edits = [
        ImageOps.expand(image, 10, fill=(255, 0, 255)),
        image.rotate(90, expand=True),
        ImageOps.mirror(image),
        image.crop((0, 0, round(w * 0.95), round(h * 0.95))),
    ]
    for edit in edits:
        found = matcher.match([hasher.hash_image(edit).query_hashes()])[0]
        assert [m.item for m in found] == [3]
    unrelated = hasher.hash_image(generated_image(1234))
    assert matcher.match([unrelated.query_hashes()]) == [[]]
    assert matcher.match([[(PDQ, hasher.hash_image(image).hash)]], threshold=0)[0][0].distance == 0
    assert PDQ_DEFAULT_THRESHOLD == 31


def test_hasher_for_routes_by_kind(tmp_path: Path) -> None:
    assert isinstance(hasher_for(tmp_path / "a.JPG"), PdqHasher)
    assert isinstance(hasher_for(tmp_path / "a.mp4"), VpdqHasher)
    with pytest.raises(InvalidInput):
        hasher_for(tmp_path / "a.exe")


def test_video_without_vpdq_says_how_to_get_it(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    try:
        import vpdq  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigurationError, match="vpdq"):
            VpdqHasher().hash_file(tmp_path / "clip.mp4")
    else:  # pragma: no cover - only where FFmpeg's libraries let vpdq build
        with pytest.raises(InvalidInput):
            VpdqHasher().hash_file(tmp_path / "clip.mp4")
