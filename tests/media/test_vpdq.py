"""vPDQ on videos generated in the test (PyAV), where the optional ``vpdq`` package built."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vigil.hashbanks.indexes import Query
from vigil.hashbanks.schemas import BankCreate
from vigil.media.hashers import PDQ, PdqHasher, VpdqHasher, pdq_of
from vigil.media.hashes import hamming
from vigil.media.synthetic import generated_image
from vigil.security.actor import Actor
from vigil.services import Services

av = pytest.importorskip("av")
pytest.importorskip("vpdq")

FPS = 5


def _video(path: Path, seeds: list[int], size: tuple[int, int], bitrate: int) -> Path:
    """Two seconds of each generated picture, MPEG-4 Part 2 (in every FFmpeg build)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.bit_rate = bitrate
        for seed in seeds:
            picture = generated_image(seed, (320, 240)).resize(size)
            pixels = np.asarray(picture.convert("RGB"))
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for _ in range(2 * FPS):
                container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def test_vpdq_hashes_frames_and_survives_reencoding(tmp_path: Path) -> None:
    hasher = VpdqHasher()
    original = hasher.hash_file(_video(tmp_path / "a.mp4", [1, 2, 3], (320, 240), 800_000))
    smaller = hasher.hash_file(_video(tmp_path / "b.mp4", [1, 2, 3], (160, 120), 300_000))
    other = hasher.hash_file(_video(tmp_path / "c.mp4", [7, 8, 9], (320, 240), 800_000))
    frames = original.hash.split(",")
    assert original.type == "vpdq" and original.quality >= 50
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in frames)
    assert original.probes == tuple((PDQ, h) for h in frames)
    # Each scene's frame hash is near its picture's PDQ; re-encoded smaller, still near;
    # another video's frames are far.
    for seed in (1, 2, 3):
        picture, _ = pdq_of(np.asarray(generated_image(seed, (320, 240)).convert("RGB")))
        assert min(hamming(picture, h) for h in frames) <= 31
    for h in smaller.hash.split(","):
        assert min(hamming(h, f) for f in frames) <= 31
    for h in other.hash.split(","):
        assert min(hamming(h, f) for f in frames) > 31


def test_a_banked_picture_shown_in_a_video_matches(
    sqlite_services: Services, tmp_path: Path
) -> None:
    op = Actor.operator("test")
    banks = sqlite_services.hashbanks
    banks.create_bank(op, BankCreate(name="pictures"))
    banks.add_item(
        op, "pictures", PdqHasher(probes=False).hash_image(generated_image(2, (320, 240)))
    )
    clip = _video(tmp_path / "slideshow.mp4", [5, 2, 6], (320, 240), 600_000)
    (result,) = banks.match(op, [Query.from_result("slideshow.mp4", VpdqHasher().hash_file(clip))])
    assert [m.bank for m in result.matches] == ["pictures"]
