"""atheris harness: statistics package verification (``vigil stats verify`` / ``merge``).

pip install atheris
python fuzz/fuzz_stats_package.py -max_total_time=60 -rss_limit_mb=2048
"""

from __future__ import annotations

from _common import expected, fuzz, instrumented

with instrumented():
    from vigil.errors import VigilError
    from vigil.insights.package import verify


def TestOneInput(data: bytes) -> None:  # noqa: N802  (atheris' name)
    with expected(VigilError):
        verify(data)


if __name__ == "__main__":
    fuzz(TestOneInput)
