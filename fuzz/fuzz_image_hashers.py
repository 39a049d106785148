"""atheris harness: image decoding and PDQ hashing (``vigil media hash``, bank and portal).

Any byte string must hash or raise ``InvalidInput`` (bombs, damage, lies about the format).

    pip install atheris
    python fuzz/fuzz_image_hashers.py -max_total_time=60 -rss_limit_mb=2048
"""

from __future__ import annotations

from _common import expected, fuzz, instrumented

with instrumented():
    from vigil.errors import InvalidInput
    from vigil.media.hashers import PdqHasher

HASHER = PdqHasher(probes=False)


def TestOneInput(data: bytes) -> None:  # noqa: N802  (atheris' name)
    for name in ("upload.png", "upload.jpg", "upload"):
        with expected(InvalidInput):
            result = HASHER.hash_bytes(data, filename=name)
            assert len(result.hash) == 64


if __name__ == "__main__":
    fuzz(TestOneInput)
