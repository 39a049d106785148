"""Working copies of images: blurred, resized, or stripped of metadata (EXIF, GPS).

The original is never touched: each copy is a new item linked to it. Stripping matters before
anything is shared: a phone photo's EXIF may carry the survivor's location.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageFilter, UnidentifiedImageError

from vigil.errors import InvalidInput

BLUR_RADIUS = 24
RESIZED_MAX_PX = 1024


def _load(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput("working copies can only be made of images") from None
    return image


def _save(image: Image.Image, fmt: str | None) -> bytes:
    out = io.BytesIO()
    fmt = fmt if fmt in ("PNG", "JPEG", "WEBP", "GIF") else "PNG"
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(out, format=fmt)  # no exif= argument: metadata is not carried over
    return out.getvalue()


def blurred(data: bytes) -> bytes:
    image = _load(data)
    return _save(image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)), image.format)


def resized(data: bytes) -> bytes:
    image = _load(data)
    fmt = image.format
    image.thumbnail((RESIZED_MAX_PX, RESIZED_MAX_PX))
    return _save(image, fmt)


def stripped(data: bytes) -> bytes:
    image = _load(data)
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # pixels only: no EXIF, XMP, ICC or text chunks
    return _save(clean, image.format)


DERIVATIONS: dict[str, Callable[[bytes], bytes]] = {
    "blurred": blurred,
    "resized": resized,
    "stripped": stripped,
}


def derive(data: bytes, derivation: str) -> bytes:
    try:
        return DERIVATIONS[derivation](data)
    except KeyError:
        known = ", ".join(sorted(DERIVATIONS))
        raise InvalidInput(f"derivation must be one of {known}", field="derivation") from None
