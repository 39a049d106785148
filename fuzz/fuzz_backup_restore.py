"""atheris harness: ``vigil restore`` (``vigil.storage.backup.restore_backup``).

Each input is restored into a fresh, empty data folder: it must be refused with a
``VigilError`` (or restored, if it is a valid backup), and nothing may land outside it.

    pip install atheris
    python fuzz/fuzz_backup_restore.py -max_total_time=60 -rss_limit_mb=2048
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from _common import expected, fuzz, instrumented

with instrumented():
    from vigil.errors import VigilError
    from vigil.settings import VigilSettings
    from vigil.storage.backup import restore_backup

_ROOT = Path(tempfile.mkdtemp(prefix="vigil-fuzz-restore-"))


def TestOneInput(data: bytes) -> None:  # noqa: N802  (atheris' name)
    work = _ROOT / "work"
    shutil.rmtree(work, ignore_errors=True)
    (work / "inside").mkdir(parents=True)
    archive = work / "backup.tar.gz"
    archive.write_bytes(data)
    settings = VigilSettings(home=work / "inside" / "home", log_json=False)
    with expected(VigilError):
        restore_backup(settings, archive)
    outside = {p.name for p in work.iterdir()} - {"inside", "backup.tar.gz"}
    assert not outside, f"restore wrote outside the data folder: {outside}"


if __name__ == "__main__":
    fuzz(TestOneInput)
