"""The atheris harnesses in ``fuzz/`` import and run without atheris, on seed inputs.

Each harness's ``TestOneInput`` gets a valid input and a few hostile ones; it must return
(refusals are ``VigilError``s the harness expects), so a harness that no longer matches the
parser's API or contract fails here instead of rotting until someone fuzzes again.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import json
import sys
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil.insights import package
from vigil.testing import hostile

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
ESCAPE = f"../../{hostile.ESCAPE_NAME}"


def harness(name: str) -> Callable[[bytes], None]:
    if str(FUZZ) not in sys.path:
        sys.path.insert(0, str(FUZZ))  # for their shared _common module
    spec = importlib.util.spec_from_file_location(f"vigil_fuzz_{name}", FUZZ / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    test_one_input: Callable[[bytes], None] = module.TestOneInput
    return test_one_input


def _backup(files: dict[str, bytes], manifest: dict[str, str] | None = None) -> bytes:
    listed = manifest or {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}
    body = json.dumps({"format": 1, "files": listed}).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in {"vigil-backup.json": body, **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _stats_package() -> bytes:
    table = {"indicator": "reports", "title": "Reports", "rows": ["a"], "cols": ["b"],
             "cells": [[10]], "row_totals": [10], "col_totals": [10], "total": 10}  # fmt: skip
    return package.build(
        [table],
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end=datetime(2026, 2, 1, tzinfo=UTC),
        min_cell=5,
        rounding_base=1,
        key=Ed25519PrivateKey.generate(),
    )


HOSTILE = [
    b"",
    b"\x00" * 64,
    hostile._png_declaring(100_000, 100_000),
    hostile._png()[:200],
    hostile._zip([("manifest.json", 64 * hostile.MIB, 0o100644)]),
    hostile._zip([(ESCAPE, b"owned", 0o100644), ("link", b"/", 0o120777)]),
    b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
]

SEEDS: dict[str, list[bytes]] = {
    "fuzz_scan_input": [
        b'{"id": 1, "text": "hello"}\n{"text": 3}\nnot json\n',
        b"id,text\n1,hello\n2\n",
        b'id,text\n1,"' + b"x" * 200_000 + b'"\n',  # over the csv module's field limit
    ],
    "fuzz_image_hashers": [hostile._png(), hostile._jpeg(), hostile._jpeg_declaring(65_500, 9)],
    "fuzz_bank_import": [
        b"id,pdq\n1," + b"f" * 64 + b"\n",
        b"signal_type,signal_value\npdq," + b"0" * 64 + b"\n",
        b"=cmd|' /C calc'!A0,pdq\n",
    ],
    "fuzz_bundle_verifier": [
        hostile._zip([("manifest.json", b'{"format": "vigil-evidence-bundle/1"}', 0o100644)]),
        hostile._zip(
            [
                (
                    "manifest.json",
                    b'{"format": "vigil-evidence-bundle/1", "files": {}, '
                    b'"items": [{"file": "/dev/zero", "metadata": {"uid": "x"}}]}',
                    0o100644,
                ),
                ("custody/events.jsonl", b'{"action": "add", "item": "x"}\n', 0o100644),
            ]
        ),
    ],
    "fuzz_backup_restore": [
        _backup({"vigil.sqlite3": b"SQLite format 3\x00"}),
        _backup({ESCAPE: b"owned"}),
        _backup({}, {"vault/a": "00"}),
        gzip.compress(b"not a tar"),
    ],
    "fuzz_stats_package": [_stats_package(), _stats_package()[:-30]],
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_harness_runs_on_its_seeds(name: str) -> None:
    test_one_input = harness(name)
    for seed in [*SEEDS[name], *HOSTILE]:
        test_one_input(seed)


def test_every_harness_has_seeds_and_a_docstring() -> None:
    names = {p.stem for p in FUZZ.glob("fuzz_*.py")}
    assert names == set(SEEDS)
    for name in names:
        text = (FUZZ / f"{name}.py").read_text()
        assert "pip install atheris" in text and "python fuzz/" in text


def test_the_restore_seed_is_a_backup_that_restores(tmp_path: Path) -> None:
    """So the restore harness starts from a valid archive, not only from refusals."""
    from vigil.settings import VigilSettings
    from vigil.storage.backup import restore_backup

    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(SEEDS["fuzz_backup_restore"][0])
    settings = VigilSettings(home=tmp_path / "home", log_json=False)
    assert restore_backup(settings, archive) == 1
    assert (tmp_path / "home" / "vigil.sqlite3").read_bytes().startswith(b"SQLite format 3")
