"""Application logs are JSON and carry no personal data."""

from __future__ import annotations

import json
import logging

import pytest

from vigil.logs import configure_logging


def test_json_lines_keep_only_allowed_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    logging.getLogger("vigil.test").info(
        "case opened",
        extra={
            "event": "case.create",
            "record_id": "VG-1",
            "survivor_name": "Nadia R.",
            "contact": "+821012345678",
        },
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "case.create" and record["record_id"] == "VG-1"
    assert "survivor_name" not in record and "contact" not in record
    assert "Nadia" not in line and "+8210" not in line
