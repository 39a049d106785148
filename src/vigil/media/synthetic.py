"""Generated images for tests, benchmarks and demos: never real photographs.

Each image is a smooth colour field with random shapes on it, so it has the low-frequency
structure of a photograph that PDQ keys on, and two seeds give unrelated images.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def generated_image(seed: int, size: tuple[int, int] | None = None) -> Image.Image:
    """A reproducible RGB image for ``seed``; ``size`` is (width, height)."""
    rng = np.random.default_rng(seed)
    width, height = size or (int(rng.integers(240, 560)), int(rng.integers(240, 560)))
    # A smooth background: bilinear interpolation of a few random colours.
    grid = rng.integers(0, 256, size=(3, 3, 3)).astype(np.float32)
    small = Image.fromarray(grid.astype(np.uint8), "RGB")
    canvas = small.resize((width, height), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(6, 16))):
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        x0, x1 = sorted(rng.integers(-width // 4, width + width // 4, size=2).tolist())
        y0, y1 = sorted(rng.integers(-height // 4, height + height // 4, size=2).tolist())
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.ellipse((x0, y0, x1 + 1, y1 + 1), fill=colour)
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(3, 25)))
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.0, 2.0))))
    noise = rng.normal(0, float(rng.uniform(0, 8)), size=(height, width, 1))
    pixels = np.clip(np.asarray(canvas, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")
