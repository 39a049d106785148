"""The `vigil scan` contract that scripts rely on."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.detection import default_model_dir
from vigil.detection.taxonomy import CATEGORIES

runner = CliRunner()
KEYS = {"id", "lang", "gbv", "score", "categories", "flags", "pii", "explanation"}
POSTS = [
    {"id": "a", "text": "you are a stupid slut, I know where you live"},
    {"id": "b", "text": "lovely weather in Seoul today"},
    {"id": 3, "text": "여자들은 집에서 밥이나 해라 김치녀", "lang": "ko"},
    {"id": "d", "text": ""},
    {"id": "e", "text": "call her 0812-3456-7890, the lonte lives there", "lang": "id"},
    {"id": "f", "text": "long " * 20_000},
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def parse(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_jsonl_in_jsonl_out(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", POSTS)
    result = runner.invoke(app, ["scan", str(src)])
    assert result.exit_code == 0, result.output
    out = parse(result.stdout)
    assert [o["id"] for o in out] == [p["id"] for p in POSTS]
    for o in out:
        assert set(o) == KEYS
        assert set(o["categories"]) == set(CATEGORIES)  # type: ignore[arg-type]
    assert out[0]["gbv"] is True
    assert out[1]["gbv"] is False
    assert out[2]["lang"] == "ko"
    assert out[3]["gbv"] is False and out[3]["explanation"] == []
    pii = out[4]["pii"]
    assert isinstance(pii, list) and pii[0]["type"] == "phone"
    for o, p in zip(out, POSTS, strict=True):
        for span in o["explanation"]:  # type: ignore[attr-defined]
            assert p["text"][span["start"] : span["end"]] == span["text"]  # type: ignore[index]
            assert set(span) == {"start", "end", "text", "weight"}  # the documented fields only


def test_stdin_and_output_file(tmp_path: Path) -> None:
    data = "".join(json.dumps(p) + "\n" for p in POSTS[:2])
    out_file = tmp_path / "sub" / "out.jsonl"
    result = runner.invoke(app, ["scan", "-", "--output", str(out_file)], input=data)
    assert result.exit_code == 0, result.output
    assert [o["id"] for o in parse(out_file.read_text("utf-8"))] == ["a", "b"]
    assert "scanned 2 records" in result.stderr


def test_malformed_line_is_reported_and_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": 1, "text": "fine"}\n{"id": 2, "text": \n\n{"id": 4}\n[1]\n'
        '{"id": 6, "text": "ok"}\n',
        "utf-8",
    )
    result = runner.invoke(app, ["scan", str(src)])
    assert result.exit_code == 0
    assert [o["id"] for o in parse(result.stdout)] == [1, 6]
    assert "line 2: not valid JSON" in result.stderr
    assert "line 4: no 'text' string" in result.stderr
    assert "line 5: not a JSON object" in result.stderr


def test_strict_stops_and_leaves_no_output(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "fine"}\nnot json\n{"id": 3, "text": "x"}\n', "utf-8")
    out_file = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["scan", str(src), "--strict", "--output", str(out_file)])
    assert result.exit_code == 2
    assert "line 2" in result.stderr
    assert not out_file.exists()
    assert not list(tmp_path.glob(".*.part"))


def test_output_through_a_link_replaces_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.jsonl"
    target.write_text("old\n", "utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:2])
    result = runner.invoke(app, ["scan", str(src), "--output", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert [o["id"] for o in parse(target.read_text("utf-8"))] == ["a", "b"]


def test_output_to_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    """A device or a pipe (``--output /dev/null``) must stay what it is: a temporary file
    renamed over /dev/null once turned it into a regular file for the whole machine."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:2])
    result = runner.invoke(app, ["scan", str(src), "--output", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [o["id"] for o in parse(received[0].decode("utf-8"))] == ["a", "b"]
    assert not list(tmp_path.glob(".*.part"))


def test_output_to_a_folder_is_refused(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:1])
    result = runner.invoke(app, ["scan", str(src), "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert "folder" in result.stderr
    assert tmp_path.is_dir()


def test_csv_input_with_columns_and_csv_output(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["post_id", "body"])
        w.writerow(["p1", "what a dumb whore"])
        w.writerow(["p2", "good morning"])
        w.writerow(["p3"])  # malformed: one field
        w.writerow(["p4", "line\nbreak inside"])
    result = runner.invoke(
        app,
        ["scan", str(src), "--text-column", "body", "--id-column", "post_id", "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == ["p1", "p2", "p4"]
    assert rows[0]["gbv"] == "true"
    assert "line 4" in result.stderr


def test_table_format(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:2])
    result = runner.invoke(app, ["scan", str(src), "--format", "table"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id")
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--format", "xml"], 2),
        (["--tier", "huge"], 2),
        (["--model", "/nonexistent"], 2),
    ],
)
def test_bad_options(tmp_path: Path, args: list[str], code: int) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:1])
    result = runner.invoke(app, ["scan", str(src), *args])
    assert result.exit_code == code


def test_missing_input_file() -> None:
    result = runner.invoke(app, ["scan", "/no/such/file.jsonl"])
    assert result.exit_code == 2
    assert "no such input file" in result.stderr


def test_accurate_tier_falls_back_with_a_warning(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:1])
    fast_only = tmp_path / "fast-only"
    fast_only.mkdir()
    for name in ("model.npz", "model.json"):
        shutil.copy(default_model_dir() / name, fast_only / name)
    result = runner.invoke(app, ["scan", str(src), "--tier", "accurate", "--model", str(fast_only)])
    assert result.exit_code == 0
    assert "falls back" in result.stderr or "using the fast tier" in result.stderr
    assert len(parse(result.stdout)) == 1


def test_both_tiers_give_the_same_contract(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:2])
    fast = parse(runner.invoke(app, ["scan", str(src), "--tier", "fast"]).stdout)
    accurate = parse(runner.invoke(app, ["scan", str(src), "--tier", "accurate"]).stdout)
    assert [set(o) for o in fast] == [set(o) for o in accurate]


def test_big_input_in_workers_keeps_order(tmp_path: Path) -> None:
    rows = [{"id": i, "text": f"post {i}" if i % 7 else "dumb slut"} for i in range(9000)]
    src = write_jsonl(tmp_path / "big.jsonl", rows)
    result = runner.invoke(app, ["scan", str(src), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    out = parse(result.stdout)
    assert [o["id"] for o in out] == list(range(9000))
    assert all(o["gbv"] for o in out[::7])


def test_console_script_runs_scan_without_the_full_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """`vigil scan` through the console script: same command, without importing the others."""
    from vigil.cli import entry

    src = write_jsonl(tmp_path / "in.jsonl", POSTS[:3])
    monkeypatch.setattr("sys.argv", ["vigil", "scan", str(src), "--tier", "fast"])
    with pytest.raises(SystemExit) as exit_info:
        entry.main()
    assert exit_info.value.code == 0
    out = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", 3]
    monkeypatch.setattr("sys.argv", ["vigil", "scan", str(tmp_path / "missing.jsonl")])
    with pytest.raises(SystemExit) as exit_info:
        entry.main()
    assert exit_info.value.code == 2
