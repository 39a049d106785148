"""atheris harness: ``vigil scan`` input (JSONL and CSV, ``vigil.detection.io``).

Malformed records must come back as ``Malformed`` with a line number, never an exception.

    pip install atheris
    python fuzz/fuzz_scan_input.py -max_total_time=60 -rss_limit_mb=2048
"""

from __future__ import annotations

import io

from _common import fuzz, instrumented

with instrumented():
    from vigil.detection.io import Malformed, Record, read_csv, read_jsonl


def TestOneInput(data: bytes) -> None:  # noqa: N802  (atheris' name)
    for item in read_jsonl(data.splitlines(keepends=True)):
        assert isinstance(item, Record | Malformed)
    for item in read_csv(io.BytesIO(data), "text", "id"):
        assert isinstance(item, Record | Malformed)


if __name__ == "__main__":
    fuzz(TestOneInput)
