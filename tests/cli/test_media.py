"""``vigil media``: the commands and output formats scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import ImageOps
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.media.synthetic import generated_image

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""})
    return result.exit_code, result.stdout, result.stderr


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_hash_match_import_export_list(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "db", "upgrade")[0] == 0
    a, b = tmp_path / "a.png", tmp_path / "b.jpg"
    generated_image(1).save(a)
    generated_image(2).save(b)
    ImageOps.expand(generated_image(1), 10, fill=(0, 0, 0)).save(tmp_path / "a_framed.png")

    code, out, _ = run(home, "media", "hash", str(a), str(b))
    assert code == 0
    hashed = _lines(out)
    assert [set(h) for h in hashed] == [{"file", "type", "hash", "quality"}] * 2
    assert hashed[0]["file"] == str(a) and hashed[0]["type"] == "pdq"

    code, out, _ = run(home, "media", "hash", "--type", "sha256", str(a))
    assert _lines(out)[0]["type"] == "sha256"

    bank_csv = tmp_path / "bank.csv"
    bank_csv.write_text("id,pdq\n" + "".join(f"x{i},{h['hash']}\n" for i, h in enumerate(hashed)))
    code, out, err = run(home, "media", "bank", "import", "mine", str(bank_csv))
    assert code == 0, err
    assert _lines(out)[0]["added"] == 2

    code, out, _ = run(home, "media", "match", str(tmp_path / "a_framed.png"), "--bank", "mine")
    (result,) = _lines(out)
    assert result["file"] == str(tmp_path / "a_framed.png")
    assert [(m["bank"], m["distance"]) for m in result["matches"]] == [("mine", 0)]  # type: ignore[index, union-attr]
    assert set(result["matches"][0]) == {"bank", "hash_id", "distance"}  # type: ignore[index]

    code, out, _ = run(home, "media", "match", "--hashes", str(bank_csv))
    assert [r["id"] for r in _lines(out)] == ["x0", "x1"]
    assert all(r["matches"] for r in _lines(out))

    out_file = tmp_path / "export.csv"
    code, out, _ = run(home, "media", "bank", "export", "mine", "--out", str(out_file))
    assert code == 0 and out_file.exists() and (tmp_path / "export.csv.sig").exists()
    code, key, _ = run(home, "media", "key")
    code, out, err = run(
        home, "media", "bank", "import", "copy", str(out_file), "--key", key.strip()
    )
    assert code == 0, err
    assert _lines(out)[0]["issuer"] == "vigil"

    code, out, _ = run(home, "media", "bank", "list")
    rows = [line.split("\t") for line in out.splitlines()]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("copy", "positive", "31", "2"),
        ("mine", "positive", "31", "2"),
    ]


def test_errors_exit_with_clear_messages(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "db", "upgrade")
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"MZ\x90\x00 not an image")
    code, out, err = run(home, "media", "hash", str(fake))
    assert code == 2 and out == "" and "fake.jpg" in err
    code, _, err = run(home, "media", "match")
    assert code == 2 and "either files or --hashes" in err
    code, _, err = run(home, "media", "bank", "export", "nope", "--out", str(tmp_path / "o"))
    assert code == 3 and "nope" in err
