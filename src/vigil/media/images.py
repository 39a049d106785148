"""Opening untrusted image files safely.

Uploads and captured pages are hostile input: decompression bombs, absurd dimensions,
truncated files and files whose name lies about their content are refused with a clear
``InvalidInput`` before any pixel is decoded.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from vigil.errors import InvalidInput, PayloadTooLarge

#: 50 megapixels: more than any phone camera; a bomb decodes to far more.
MAX_PIXELS = 50_000_000
#: Longest side accepted; panoramas beyond this are refused rather than decoded.
MAX_SIDE = 20_000
#: Largest image file read.
MAX_IMAGE_BYTES = 100 * 1024 * 1024
#: Formats we decode, by Pillow's name, with the file extensions each may carry.
IMAGE_FORMATS: dict[str, tuple[str, ...]] = {
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "PNG": (".png",),
    "GIF": (".gif",),
    "WEBP": (".webp",),
    "BMP": (".bmp",),
    "TIFF": (".tif", ".tiff"),
}
IMAGE_EXTENSIONS = frozenset(ext for exts in IMAGE_FORMATS.values() for ext in exts)


def _check_name(name: str, detected: str) -> None:
    suffix = Path(name).suffix.lower()
    if suffix and suffix in IMAGE_EXTENSIONS and suffix not in IMAGE_FORMATS[detected]:
        raise InvalidInput(
            f"{name!r} is named {suffix} but holds a {detected} image; rename it or re-save it",
            field="file",
        )


def open_image(source: Path | bytes | BinaryIO, *, name: str | None = None) -> Image.Image:
    """Decode an image to RGB (EXIF rotation applied) or raise ``InvalidInput``.

    The header is read first: the format must be one we accept, agree with the file's
    extension, and declare at most ``MAX_PIXELS`` pixels and ``MAX_SIDE`` per side.
    """
    if isinstance(source, Path):
        name = name or source.name
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise InvalidInput(f"cannot read {source.name}: {exc.strerror}", field="file") from exc
        if size > MAX_IMAGE_BYTES:
            raise PayloadTooLarge(f"{source.name} is larger than {MAX_IMAGE_BYTES} bytes")
        stream: BinaryIO = io.BytesIO(source.read_bytes())
    elif isinstance(source, bytes):
        if len(source) > MAX_IMAGE_BYTES:
            raise PayloadTooLarge(f"image larger than {MAX_IMAGE_BYTES} bytes")
        stream = io.BytesIO(source)
    else:
        stream = source
    name = name or "image"
    with warnings.catch_warnings():
        # Pillow warns, then raises, on bombs; we refuse both ways, before decoding.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream, formats=list(IMAGE_FORMATS))
        except UnidentifiedImageError:
            raise InvalidInput(f"{name!r} is not an image we can read", field="file") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInput(f"{name!r} declares too many pixels", field="file") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise InvalidInput(f"{name!r} is damaged: {exc}", field="file") from None
        detected = str(image.format)
        _check_name(name, detected)
        width, height = image.size
        if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE:
            raise InvalidInput(f"{name!r} is {width}×{height}: sides must be 1-{MAX_SIDE}")
        if width * height > MAX_PIXELS:
            raise InvalidInput(f"{name!r} has {width * height} pixels, over {MAX_PIXELS}")
        try:
            image.load()
            # In place, and no copy when already RGB: a 50 MP photo is 150 MB per copy.
            ImageOps.exif_transpose(image, in_place=True)
            return image if image.mode == "RGB" else image.convert("RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInput(f"{name!r} declares too many pixels", field="file") from None
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise InvalidInput(f"{name!r} is truncated or damaged ({exc})", field="file") from None


def to_array(image: Image.Image) -> npt.NDArray[np.uint8]:
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def trim_uniform_borders(
    pixels: npt.NDArray[np.uint8], *, tolerance: int = 12, max_fraction: float = 0.4
) -> npt.NDArray[np.uint8]:
    """Remove frames of near-uniform colour (letterboxing, added borders) from each side.

    A row or column belongs to the border while it stays within ``tolerance`` of the corner's
    colour; a side flat for ``max_fraction`` or more is content, not a frame, and stays.
    """
    height, width = pixels.shape[:2]
    if height < 8 or width < 8:
        return pixels
    signed = pixels.astype(np.int16)

    def run(lines: npt.NDArray[np.int16], limit: int) -> int:
        reference = lines[0].reshape(-1, 3)[0]
        flat = (np.abs(lines - reference).max(axis=(1, 2)) <= tolerance).tolist()
        count = 0
        while count < limit and flat[count]:
            count += 1
        # A "border" as deep as the limit is flat content, not a frame: leave it.
        return 0 if count >= limit else count

    limit_h, limit_w = int(height * max_fraction), int(width * max_fraction)
    top = run(signed[: limit_h + 1], limit_h)
    bottom = run(signed[::-1][: limit_h + 1], limit_h)
    left = run(signed.transpose(1, 0, 2)[: limit_w + 1], limit_w)
    right = run(signed.transpose(1, 0, 2)[::-1][: limit_w + 1], limit_w)
    if top + bottom >= height - 8 or left + right >= width - 8:
        return pixels
    return pixels[top : height - bottom, left : width - right]
