"""``vigil scan --engine ray`` writes exactly what the local engine writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli.main import app

pytestmark = pytest.mark.slow
TEXTS = (
    "you should be raped and killed, I know where you live",
    "great game last night, the team played well",
    "send me your nudes or I will post the video to your family",
    "오늘 날씨 정말 좋네요",
    "call her at 010-1234-5678, she lives at 12 Rose Street",
)


def test_ray_output_is_identical_to_local(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i, "text": f"{TEXTS[i % len(TEXTS)]} {i}"}) for i in range(9000)]
    lines.insert(4500, "{not json")
    source.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    outputs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        result = runner.invoke(
            app, ["scan", str(source), "--output", str(out), "--engine", engine, "--jobs", "2"]
        )
        assert result.exit_code == 0, result.output
        assert "line 4501: not valid JSON; skipped" in result.stderr
        outputs[engine] = out.read_bytes()
    assert outputs["ray"] == outputs["local"]
    assert outputs["local"].count(b"\n") == 9000


def test_address_needs_the_ray_engine(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "hello"}\n')
    result = CliRunner().invoke(app, ["scan", str(source), "--address", "ray://head:10001"])
    assert result.exit_code == 2
    assert "--address" in result.stderr
