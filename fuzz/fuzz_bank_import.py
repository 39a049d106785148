"""atheris harness: hash bank lists (``vigil media bank import``: PDQ CSV, HMA CSV, StopNCII).

pip install atheris
python fuzz/fuzz_bank_import.py -max_total_time=60 -rss_limit_mb=2048
"""

from __future__ import annotations

from _common import expected, fuzz, instrumented

with instrumented():
    from vigil.errors import InvalidInput
    from vigil.media.exchange import FORMATS, read_list


def TestOneInput(data: bytes) -> None:  # noqa: N802  (atheris' name)
    for name in (None, *FORMATS.names()):
        with expected(InvalidInput):
            read_list(data, name)


if __name__ == "__main__":
    fuzz(TestOneInput)
