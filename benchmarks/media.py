"""Image matching: robustness of the hashes, false matches, and index speed. Prints tables.

(a) Robustness: recall at the default thresholds for generated images under JPEG 30-90,
    resizing 0.25-2x, crops of 5-20% at random offsets, small rotations, colour shifts,
    borders and text overlays, for plain PDQ beside Vigil's matcher (trimmed borders, frame
    hash, dihedral turns); and false matches of unrelated generated images against the bank.
(b) Speed: hashes per second; lookups per second against banks of 1M and 10M random hashes
    with the multi-index hashing index, beside a NumPy brute-force scan in the same run, with
    the index's recall of the brute force's matches and its memory.

    python benchmarks/media.py [--originals 100] [--bank 1000] [--unrelated 1000]
                               [--sizes 1000000,10000000] [--skip-robustness] [--skip-speed]

Targets (issue 6): 10M lookups >= 4,000/s at >= 99% recall, index <= 1 GB; >= 20x brute force
on 1M; recall >= 0.98 for JPEG >= 50 and resize >= 0.5x; >= 0.9 for 5% crops and 10-px
borders; false matches <= 1 in a million pairs.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from vigil.media.base import PDQ_DEFAULT_THRESHOLD
from vigil.media.hashers import PDQ, PdqHasher, pdq_of
from vigil.media.hashes import flip_bits, random_words
from vigil.media.index import MultiIndexHashIndex, brute_force
from vigil.media.matching import Matcher
from vigil.media.synthetic import generated_image

Transform = Callable[[Image.Image, np.random.Generator], Image.Image]


def jpeg(quality: int) -> Transform:
    def apply(image: Image.Image, _rng: np.random.Generator) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")

    return apply


def resize(factor: float) -> Transform:
    def apply(image: Image.Image, _rng: np.random.Generator) -> Image.Image:
        w, h = image.size
        return image.resize(
            (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BICUBIC
        )

    return apply


def crop(fraction: float) -> Transform:
    """Keep (1 - fraction) of width and height, at a random offset."""

    def apply(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = image.size
        cw, ch = round(w * (1 - fraction)), round(h * (1 - fraction))
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        return image.crop((x0, y0, x0 + cw, y0 + ch))

    return apply


def rotate(degrees: float) -> Transform:
    def apply(image: Image.Image, _rng: np.random.Generator) -> Image.Image:
        if degrees % 90 == 0:
            return image.rotate(degrees, expand=True)
        return image.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=False)

    return apply


def colour(kind: str) -> Transform:
    def apply(image: Image.Image, _rng: np.random.Generator) -> Image.Image:
        if kind == "brightness+20%":
            return ImageEnhance.Brightness(image).enhance(1.2)
        if kind == "contrast-20%":
            return ImageEnhance.Contrast(image).enhance(0.8)
        if kind == "saturation+50%":
            return ImageEnhance.Color(image).enhance(1.5)
        if kind == "grayscale":
            return ImageOps.grayscale(image).convert("RGB")
        # warm tint: red up, blue down
        r, g, b = image.split()
        return Image.merge(
            "RGB", (r.point(lambda v: min(255, v + 25)), g, b.point(lambda v: max(0, v - 25)))
        )

    return apply


def border(pixels: int | None, fraction: float = 0.0) -> Transform:
    def apply(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        width = pixels if pixels is not None else round(max(image.size) * fraction)
        fill = tuple(int(c) for c in rng.integers(0, 256, size=3))
        return ImageOps.expand(image, border=width, fill=fill)

    return apply


def text_overlay(kind: str) -> Transform:
    def apply(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        out = image.copy()
        draw = ImageDraw.Draw(out)
        w, h = out.size
        if kind == "caption bar":
            draw.rectangle((0, round(h * 0.88), w, h), fill=(0, 0, 0))
            draw.text((8, round(h * 0.9)), "reposted by @someone", fill=(255, 255, 255))
        else:
            for _ in range(3):
                x, y = int(rng.integers(0, w // 2)), int(rng.integers(0, h - 12))
                draw.text((x, y), "watermark text", fill=(255, 255, 255))
        return out

    return apply


TRANSFORMS: list[tuple[str, Transform]] = [
    *[(f"jpeg q{q}", jpeg(q)) for q in (30, 50, 70, 90)],
    *[(f"resize {f}x", resize(f)) for f in (0.25, 0.5, 0.75, 1.5, 2.0)],
    *[(f"crop {round(c * 100)}%", crop(c)) for c in (0.05, 0.1, 0.15, 0.2)],
    *[(f"rotate {d}°", rotate(d)) for d in (2, 5, 90)],
    ("mirror", lambda image, _rng: ImageOps.mirror(image)),
    *[
        (name, colour(name))
        for name in ("brightness+20%", "contrast-20%", "saturation+50%", "grayscale", "warm tint")
    ],
    ("border 10 px", border(10)),
    ("border 5%", border(None, 0.05)),
    ("text watermark", text_overlay("watermark")),
    ("caption bar", text_overlay("caption bar")),
]


def robustness(originals: int, bank_size: int, unrelated: int, seed: int) -> None:
    bank_hasher = PdqHasher(probes=False)
    hasher = PdqHasher()
    rng = np.random.default_rng(seed)
    images = [generated_image(seed * 100_000 + i) for i in range(originals)]
    t0 = time.perf_counter()
    for image in images:
        pdq_of(np.asarray(image))
    plain_rate = originals / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    bank = [bank_hasher.hash_image(image) for image in images]
    bank_rate = originals / (time.perf_counter() - t0)
    # More bank items that no query comes from: false matches are counted against all.
    bank += [
        bank_hasher.hash_image(generated_image(seed * 100_000 + i))
        for i in range(originals, bank_size)
    ]
    matcher = Matcher()
    matcher.add((i, kind, value) for i, r in enumerate(bank) for kind, value in r.bank_hashes())
    plain = Matcher(thresholds={PDQ: PDQ_DEFAULT_THRESHOLD})
    plain.add((i, PDQ, r.hash) for i, r in enumerate(bank))

    print(
        f"\n(a) robustness: {originals} generated images in a bank of {bank_size}; recall = "
        "the original matched; wrong = matches to another bank image"
    )
    print(f"{'transform':<18} {'PDQ alone':>10} {'Vigil':>8} {'wrong':>6}")
    query_time = queries_done = 0.0
    for name, transform in TRANSFORMS:
        hits_plain = hits = wrong = 0
        for i, image in enumerate(images):
            edited = transform(image, rng)
            t0 = time.perf_counter()
            query = hasher.hash_image(edited)
            query_time += time.perf_counter() - t0
            queries_done += 1
            hits_plain += any(m.item == i for m in plain.match([[(PDQ, query.hash)]])[0])
            found = matcher.match([query.query_hashes()])[0]
            hits += any(m.item == i for m in found)
            wrong += sum(m.item != i for m in found)
        print(f"{name:<18} {hits_plain / originals:>10.2f} {hits / originals:>8.2f} {wrong:>6}")

    t0 = time.perf_counter()
    queries = [
        hasher.hash_image(generated_image(10**9 + seed * 100_000 + i)) for i in range(unrelated)
    ]
    found = matcher.match([q.query_hashes() for q in queries])
    found_plain = plain.match([[(PDQ, q.hash)] for q in queries])
    pairs = unrelated * bank_size
    false = sum(len(f) for f in found)
    false_plain = sum(len(f) for f in found_plain)
    print(
        f"false matches: {unrelated} unrelated images x {bank_size} bank images = {pairs:,} "
        f"pairs: PDQ alone {false_plain} ({false_plain / pairs:.1e}), "
        f"Vigil {false} ({false / pairs:.1e})  [{time.perf_counter() - t0:.0f} s]"
    )
    print(
        f"hashing (1 core, generated images of 240-560 px): plain PDQ {plain_rate:.0f}/s; "
        f"bank side (PDQ, trimmed, frame) {bank_rate:.0f}/s; query side (with "
        f"{len(queries[0].query_hashes())} probes) {queries_done / query_time:.1f}/s"
    )


def speed(
    sizes: list[int], queries: int, brute_queries: int, threads: list[int], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    print(
        f"\n(b) lookups at radius {PDQ_DEFAULT_THRESHOLD}: half the queries are a bank hash "
        "with 0-31 bits flipped, half random.\n'cpu lookups/s' divides by this process's CPU "
        "time: what a core of its own would give when the machine is shared."
    )
    print(
        f"{'bank':>11} {'index':<12} {'build s':>8} {'memory MiB':>11} {'lookups/s':>10} "
        f"{'cpu lookups/s':>14} {'recall':>7} {'vs brute':>9}"
    )
    for size in sizes:
        codes = random_words(size, rng)
        near = flip_bits(
            codes[rng.integers(0, size, queries // 2)],
            rng.integers(0, PDQ_DEFAULT_THRESHOLD + 1, queries // 2),
            rng,
        )
        probe = np.concatenate([near, random_words(queries - queries // 2, rng)])
        # Brute force on a sample (interleaved so both halves are represented).
        sample = probe[:: max(1, queries // brute_queries)][:brute_queries]
        t0 = time.perf_counter()
        bq, bp = brute_force(codes, sample, PDQ_DEFAULT_THRESHOLD)
        brute_rate = len(sample) / (time.perf_counter() - t0)
        print(
            f"{size:>11,} {'numpy brute':<12} {'-':>8} {codes.nbytes / 2**20:>11.0f} "
            f"{brute_rate:>10.1f} {'':>14} {'1.000':>7} {'1.0x':>9}"
        )
        t0 = time.perf_counter()
        index = MultiIndexHashIndex()
        index.add(codes, np.arange(size, dtype=np.int64))
        build = time.perf_counter() - t0
        del codes
        truth = set(zip(bq.tolist(), bp.tolist(), strict=True))
        q, ids, _ = index.search_arrays(sample, PDQ_DEFAULT_THRESHOLD)
        got = set(zip(q.tolist(), ids.tolist(), strict=True))
        recall = len(truth & got) / max(1, len(truth))
        for n in threads:
            index.threads = n
            index.search_arrays(probe[:200], PDQ_DEFAULT_THRESHOLD)  # warm the caches
            t0, c0 = time.perf_counter(), time.process_time()
            index.search_arrays(probe, PDQ_DEFAULT_THRESHOLD)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            rate = queries / wall
            print(
                f"{'':>11} {f'MIH {n} thr':<12} {build:>8.1f} {index.nbytes() / 2**20:>11.0f} "
                f"{rate:>10.0f} {queries / cpu:>14.0f} {recall:>7.3f} "
                f"{rate / brute_rate:>8.0f}x"
            )
        del index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--originals", type=int, default=100)
    parser.add_argument("--bank", type=int, default=1000, help="bank size (>= originals)")
    parser.add_argument("--unrelated", type=int, default=1000)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--brute-queries", type=int, default=20)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-robustness", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_robustness:
        robustness(args.originals, max(args.bank, args.originals), args.unrelated, args.seed)
    if not args.skip_speed:
        speed(
            [int(s) for s in args.sizes.split(",")],
            args.queries,
            args.brute_queries,
            [int(t) for t in args.threads.split(",")],
            args.seed,
        )


if __name__ == "__main__":
    main()
