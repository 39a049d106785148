"""`vigil --help`, `--version` and `db upgrade` import no engine: heavy libraries load in the
commands that use them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vigil.cli import media as media_cli
from vigil.media.base import PDQ_DEFAULT_THRESHOLD
from vigil.media.exchange import FORMATS

#: Libraries that took seconds to import before any command ran.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "networkx",
    "scipy",
    "matplotlib",
    "numpy",
    "pydantic",
    "cryptography",
    "vigil.detection",
    "vigil.services",
)

_PROBE = """
import sys
from vigil.cli.main import main
sys.argv = ["vigil", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("LOADED", " ".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"VIGIL_HOME": str(tmp_path / "home"), "VIGIL_LOG_JSON": "false", "COLUMNS": "100"},
        check=True,
    )
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("LOADED")
    return set(last.split()[1:]), result.stdout


@pytest.mark.parametrize("args", [("--help",), ("--version",), ()])
def test_help_and_version_import_no_engine(tmp_path: Path, args: tuple[str, ...]) -> None:
    loaded, out = _loaded(tmp_path, *args)
    assert loaded == set()
    if args != ("--version",):
        # The lazily loaded commands are listed with their help all the same.
        assert "scan " in out and "Score posts for TFGBV" in out and "train " in out


def test_db_upgrade_builds_no_services(tmp_path: Path) -> None:
    loaded, out = _loaded(tmp_path, "db", "upgrade")
    assert "database is up to date" in out
    assert {"vigil.services", "vigil.detection", "networkx", "scipy"}.isdisjoint(loaded)


def test_media_options_match_the_engine() -> None:
    assert list(media_cli.LIST_FORMATS) == FORMATS.names()
    assert media_cli.BANK_THRESHOLD == PDQ_DEFAULT_THRESHOLD
