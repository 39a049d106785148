"""``vigil monitor run --engine ray`` stores the same detections as the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from vigil.cli.main import app

pytestmark = pytest.mark.slow
TEXTS = (
    "you should be raped and killed, I know where you live",
    "great game last night, the team played well",
    "send me your nudes or I will post the video to your family",
    "오늘 날씨 정말 좋네요",
)


def _run(home: Path, *args: str) -> str:
    result = CliRunner().invoke(
        app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _detections(home: Path) -> list[tuple[str, str]]:
    engine = create_engine(f"sqlite:///{home / 'vigil.sqlite3'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT post_id, detection FROM monitor_posts ORDER BY post_id")
        ).all()
    engine.dispose()
    return [(str(r[0]), str(r[1])) for r in rows]


def test_ray_engine_scores_like_the_local_one(tmp_path: Path) -> None:
    feed = tmp_path / "posts.jsonl"
    feed.write_text(
        "\n".join(
            json.dumps({"id": f"p{i:04d}", "text": f"{TEXTS[i % len(TEXTS)]} {i}"})
            for i in range(400)
        )
        + "\n"
    )
    results = {}
    for engine in ("local", "ray"):
        home = tmp_path / engine
        _run(home, "db", "upgrade")
        _run(home, "monitor", "add-source", "feed", "--kind", "jsonl", "-o", f"path={feed}")
        _run(home, "monitor", "run", "--once", "--engine", engine)
        results[engine] = _detections(home)
    assert len(results["local"]) == 400
    assert results["ray"] == results["local"]
