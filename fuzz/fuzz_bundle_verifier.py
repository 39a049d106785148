"""atheris harness: the standalone evidence bundle verifier (``verify_bundle.py``).

Whatever the zip holds, the verifier answers with a report (verified or not), never raises.

    pip install atheris
    python fuzz/fuzz_bundle_verifier.py -max_total_time=60 -rss_limit_mb=2048
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import fuzz, instrumented

with instrumented():
    from vigil.evidence.verify_bundle import verify_bundle

_FOLDER = Path(tempfile.mkdtemp(prefix="vigil-fuzz-bundle-"))


def TestOneInput(data: bytes) -> None:  # noqa: N802  (atheris' name)
    path = _FOLDER / "bundle.zip"
    path.write_bytes(data)
    report = verify_bundle(path)
    assert report.ok == (not report.problems)


if __name__ == "__main__":
    fuzz(TestOneInput)
