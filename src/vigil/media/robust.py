"""Robustness beyond plain PDQ: trimmed borders, a content-centred frame, dihedral variants.

Plain PDQ keys on DCT frequencies up to 16 cycles per image, so moving the content by about
1% of the frame (what a 5% crop does) flips a third of the bits. Two measures fix that:

* **Trim** near-uniform borders before hashing: an added frame or letterbox disappears.
* **Frame hash** (``pdq-frame``): taper the image's edges to its mean colour, place it on a
  canvas ``FRAME_CANVAS`` times larger, centred on its content's centroid, and take PDQ of that.
  On the larger canvas a crop's shift and the lost edges are small, low-weighted changes.
  A bank keeps the frame hash at scale 1, unshifted; a query looks it up at ``FRAME_ZOOMS``
  (the scales a 5-20% crop produces) and nudged by ``FRAME_SHIFT`` of the canvas each way (what
  is left of the crop's offset after centring). The frame hash has its own threshold.

Measured on generated images (``benchmarks/media.py``): canvas 2 with nine nudges finds about
94% of 5% crops at distance 28; over a million unrelated pairs the closest frame hashes came
26-32 bits apart, so images of low PDQ quality get no frame hash. A canvas of 3 or 4 without
nudges trades recall for false matches (unrelated pairs as close as 12 bits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from PIL import Image

#: No frame hash for near-flat images (PDQ quality below this): their frames are generic and
#: were the source of the few false frame matches measured.
FRAME_MIN_QUALITY = 30
#: Canvas size relative to the image for the frame hash.
FRAME_CANVAS = 2.0
#: Query-side nudges of the content on the canvas, as a fraction of the canvas side.
FRAME_SHIFT = 0.008
FRAME_SHIFTS: tuple[tuple[float, float], ...] = tuple(
    (dx, dy) for dx in (-FRAME_SHIFT, 0.0, FRAME_SHIFT) for dy in (-FRAME_SHIFT, 0.0, FRAME_SHIFT)
)
#: Longest side the image is reduced to before framing (the canvas is then at most 3x this).
FRAME_SIDE = 128
#: Fraction of each side faded to the mean colour.
FRAME_TAPER = 0.15
#: Scales looked up on the query side: an image cropped by ``c`` shows its content ``1/(1-c)``
#: larger relative to its frame.
FRAME_ZOOMS: tuple[float, ...] = (1.0, 1 / 0.95, 1 / 0.9, 1 / 0.85, 1 / 0.8)


def _taper(length: int, fraction: float) -> npt.NDArray[np.float32]:
    x = (np.arange(length, dtype=np.float32) + 0.5) / length
    edge = np.minimum(x, 1 - x) / fraction
    weights = np.ones(length, dtype=np.float32)
    inside = edge < 1
    weights[inside] = 0.5 - 0.5 * np.cos(np.pi * edge[inside])
    return weights


def frame_canvases(
    pixels: npt.NDArray[np.uint8],
    zooms: Sequence[float] = (1.0,),
    shifts: Sequence[tuple[float, float]] = ((0.0, 0.0),),
) -> list[npt.NDArray[np.uint8]]:
    """The content-centred, tapered canvases PDQ hashes for the frame hash: one per zoom and
    shift, the unshifted zoom 1 first."""
    image = Image.fromarray(pixels)
    width, height = image.size
    scale = FRAME_SIDE / max(width, height)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.float32)
    height, width = array.shape[:2]
    mean = array.reshape(-1, 3).mean(axis=0)
    window = _taper(height, FRAME_TAPER)[:, None] * _taper(width, FRAME_TAPER)[None, :]
    centred = (array - mean) * window[..., None]
    energy = np.abs(centred).sum(axis=2)
    total = float(energy.sum())
    if total > 0:
        cy = float((energy.sum(axis=1) * np.arange(height)).sum()) / total
        cx = float((energy.sum(axis=0) * np.arange(width)).sum()) / total
    else:
        cy, cx = (height - 1) / 2, (width - 1) / 2
    canvases = []
    for zoom in zooms:
        side = max(int(max(width, height) * FRAME_CANVAS * zoom), width, height)
        for dx, dy in shifts:
            canvas = np.zeros((side, side, 3), dtype=np.float32)
            y0 = min(max(round(side / 2 - cy + dy * side), 0), side - height)
            x0 = min(max(round(side / 2 - cx + dx * side), 0), side - width)
            canvas[y0 : y0 + height, x0 : x0 + width] = centred
            canvases.append(np.clip(canvas + 128.0, 0, 255).astype(np.uint8))
    return canvases
