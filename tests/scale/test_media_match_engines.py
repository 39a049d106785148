"""``vigil media match --engine ray`` shards banks over Ray workers; the answer is the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.media.hashes import flip_bits, random_words, words_to_hex

pytestmark = pytest.mark.slow
runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""})
    return result.exit_code, result.stdout, result.stderr


def test_sharded_ray_matching_equals_local(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    bank = random_words(3000, rng)
    home = tmp_path / "home"
    assert run(home, "db", "upgrade")[0] == 0
    bank_csv = tmp_path / "bank.csv"
    bank_csv.write_text("pdq\n" + "\n".join(words_to_hex(bank)) + "\n")
    code, _, err = run(home, "media", "bank", "import", "big", str(bank_csv))
    assert code == 0, err
    near = flip_bits(bank[:200], rng.integers(0, 30, 200), rng)  # re-uploads, edited
    far = random_words(200, rng)  # unrelated images
    queries = tmp_path / "queries.csv"
    queries.write_text(
        "id,pdq\n"
        + "".join(f"q{i},{h}\n" for i, h in enumerate(words_to_hex(np.vstack([near, far]))))
    )
    code, local, err = run(home, "media", "match", "--hashes", str(queries))
    assert code == 0, err
    code, sharded, err = run(
        home, "media", "match", "--hashes", str(queries), "--engine", "ray", "--shards", "3"
    )
    assert code == 0, err
    assert sharded == local
    found = [json.loads(line) for line in local.splitlines()]
    assert sum(bool(r["matches"]) for r in found[:200]) == 200
