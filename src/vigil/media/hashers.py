"""The built-in hashers: PDQ for images, vPDQ for video, SHA-256 and MD5 for exact copies."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image

from vigil.errors import ConfigurationError, InvalidInput
from vigil.media.base import Hasher, HashResult
from vigil.media.hashes import bits_to_hex
from vigil.media.images import IMAGE_EXTENSIONS, open_image, to_array, trim_uniform_borders
from vigil.media.robust import FRAME_MIN_QUALITY, FRAME_SHIFTS, FRAME_ZOOMS, frame_canvases
from vigil.registry import Registry

#: Kinds of perceptual hash a bank may hold, each compared only with its own kind.
PDQ = "pdq"
PDQ_FRAME = "pdq-frame"
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp"})
_CHUNK = 1024 * 1024
#: Longest side hashed. PDQ itself box-filters every image down to 64×64; reducing a photo
#: beforehand with a box filter moves its hash by 0-4 bits (threshold 31) and keeps a 24 MP
#: upload within a second and well under 512 MB, where full size took seconds and more.
HASH_SIDE = 1024


def _bounded(image: Image.Image) -> Image.Image:
    factor = -(-max(image.size) // HASH_SIDE)  # ceiling division
    return image.reduce(factor) if factor > 1 else image


def pdq_of(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """PDQ hash (hex) and quality of an RGB array, as ``pdqhash`` computes them."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return bits_to_hex(bits), int(quality)


def pdq_dihedral(pixels: npt.NDArray[np.uint8]) -> list[str]:
    """The eight hashes of the image's rotations by 90° and mirror images."""
    hashes, _quality = pdqhash.compute_dihedral(np.ascontiguousarray(pixels))
    return [bits_to_hex(bits) for bits in hashes]


class PdqHasher(Hasher):
    """PDQ (Meta's open perceptual hash) of an image, with robust variants.

    ``hash`` is plain PDQ of the image as it is, so it compares with every partner's PDQ.
    ``variants`` (kept in banks): PDQ after trimming uniform borders and the frame hash.
    ``probes`` (looked up when matching): the trimmed image's dihedral hashes and the frame
    hash at the zooms a crop produces.
    """

    name = "pdq"
    media = "image"
    perceptual = True

    def __init__(self, *, dihedral: bool = True, probes: bool = True) -> None:
        """``probes=False`` for bank-side hashing: no query probes, five times faster."""
        self.dihedral = dihedral
        self.probes = probes

    def hash_file(self, path: Path) -> HashResult:
        return self.hash_image(open_image(path))

    def hash_bytes(self, data: bytes, *, filename: str = "upload") -> HashResult:
        return self.hash_image(open_image(data, name=filename))

    def hash_image(self, image: Image.Image, *, probes: bool | None = None) -> HashResult:
        """Hash, bank variants and (unless ``probes`` is false: bank side only) query probes."""
        probes = self.probes if probes is None else probes
        pixels = to_array(_bounded(image))
        plain, quality = pdq_of(pixels)
        trimmed_pixels = trim_uniform_borders(pixels)
        variants: list[tuple[str, str]] = []
        extra: list[tuple[str, str]] = []
        trimmed = plain
        if trimmed_pixels.shape != pixels.shape:
            trimmed, _ = pdq_of(trimmed_pixels)
            variants.append((PDQ, trimmed))
        framed = quality >= FRAME_MIN_QUALITY
        if not probes:
            if framed:
                variants.append((PDQ_FRAME, pdq_of(frame_canvases(trimmed_pixels)[0])[0]))
            return HashResult(self.name, plain, quality, variants=tuple(variants))
        if self.dihedral:
            extra.extend((PDQ, h) for h in pdq_dihedral(trimmed_pixels)[1:])
        if framed:
            canvases = frame_canvases(trimmed_pixels, FRAME_ZOOMS, FRAME_SHIFTS)
            frames = [pdq_of(c)[0] for c in canvases]
            # The unshifted zoom-1 canvas is the bank's frame hash.
            variants.append((PDQ_FRAME, frames[FRAME_SHIFTS.index((0.0, 0.0))]))
            extra.extend((PDQ_FRAME, h) for h in frames)
        return HashResult(
            type=self.name,
            hash=plain,
            quality=quality,
            variants=tuple(dict.fromkeys(variants)),
            probes=tuple(p for p in dict.fromkeys(extra) if p not in variants and p[1] != plain),
        )


class _ExactHasher(Hasher):
    algorithm: ClassVar[str]
    media = "any"
    perceptual = False

    def hash_file(self, path: Path) -> HashResult:
        digest = hashlib.new(self.algorithm)
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise InvalidInput(f"cannot read {path.name}: {exc.strerror}", field="file") from exc
        return HashResult(type=self.name, hash=digest.hexdigest(), quality=100)

    def hash_bytes(self, data: bytes, *, filename: str = "upload") -> HashResult:
        return HashResult(
            type=self.name, hash=hashlib.new(self.algorithm, data).hexdigest(), quality=100
        )


class Sha256Hasher(_ExactHasher):
    name = "sha256"
    algorithm = "sha256"


class Md5Hasher(_ExactHasher):
    """MD5 only because partners (NCMEC, StopNCII lists) still exchange it; never for custody."""

    name = "md5"
    algorithm = "md5"


class VpdqHasher(Hasher):
    """vPDQ (Meta's video PDQ): PDQ of one frame a second, via the optional ``vpdq`` package.

    ``hash`` lists the distinct frame hashes, comma-separated, in order; quality is their mean;
    each frame hash is also a PDQ probe, so frames match image banks.
    ``vpdq`` needs FFmpeg's libraries to build, so it is an optional extra (``vigil[video]``).
    """

    name = "vpdq"
    media = "video"
    perceptual = True
    seconds_per_frame = 1

    def hash_file(self, path: Path) -> HashResult:
        try:
            vpdq = importlib.import_module("vpdq")
        except ImportError:
            raise ConfigurationError(
                "video hashing needs the optional vpdq package (pip install 'vigil[video]', "
                "which needs FFmpeg's development libraries)"
            ) from None
        if path.suffix.lower() not in VIDEO_EXTENSIONS:
            raise InvalidInput(f"{path.name!r} does not look like a video", field="file")
        try:
            features = vpdq.computeHash(str(path), seconds_per_hash=self.seconds_per_frame)
        except Exception as exc:  # vpdq raises bare errors for damaged files
            raise InvalidInput(f"{path.name!r} is not a readable video ({exc})") from None
        if not features:
            raise InvalidInput(f"{path.name!r} has no frames")
        # ``hex`` is the 64-digit hash; ``hash`` is vpdq's internal words (a dict).
        hashes = list(dict.fromkeys(str(f.hex) for f in features))
        quality = round(sum(int(f.quality) for f in features) / len(features))
        # Each frame is also looked up as a PDQ image hash: a banked picture shown in a video
        # (a slideshow, a screen recording) matches.
        return HashResult(
            type=self.name,
            hash=",".join(hashes),
            quality=quality,
            probes=tuple((PDQ, h) for h in hashes),
        )


HASHERS: Registry[type[Hasher]] = Registry(Hasher, (PdqHasher, Sha256Hasher, Md5Hasher, VpdqHasher))


def hasher_for(path: Path) -> Hasher:
    """The perceptual hasher for a file by its extension; unknown kinds are refused."""
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        return VpdqHasher()
    if suffix in IMAGE_EXTENSIONS or not suffix:
        return PdqHasher()
    raise InvalidInput(
        f"{path.name!r}: not an image or video by its name (use --type sha256 for any file)",
        field="file",
    )
