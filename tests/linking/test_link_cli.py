"""``vigil link``: the exact output format scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from typer.testing import CliRunner

from vigil.cli.main import app

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""})
    return result.exit_code, result.stdout, result.stderr


def test_extract_prints_one_json_line_per_identifier(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "r1", "text": "연락처 010-1234-5678 로 보내"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"id": 7, "text": "nothing here"})
        + "\n",
        encoding="utf-8",
    )
    code, out, _err = run(tmp_path / "home", "link", "extract", str(source))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [
        {
            "id": "r1",
            "type": "phone",
            "value": "010-1234-5678",
            "normalized": "+821012345678",
            "start": 4,
            "end": 17,
        }
    ]
    assert list(lines[0]) == ["id", "type", "value", "normalized", "start", "end"]


def test_extract_names_the_bad_line(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": 1, "text": "ok"}\nnot json\n', encoding="utf-8")
    code, _out, err = run(tmp_path / "home", "link", "extract", str(source))
    assert code == 2 and "line 2" in err


def test_graph_exports_open_in_networkx(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "db", "upgrade")[0] == 0
    code, ref, err = run(home, "case", "new", "--title", "CLI case")
    assert code == 0, err
    ref = ref.strip()
    from vigil.cli.context import open_services
    from vigil.security.actor import Actor
    from vigil.settings import VigilSettings

    with open_services(VigilSettings(home=home, log_json=False)) as services:
        services.linking.add_case_text(
            Actor.operator(), ref, "pay to x@perp.example or 010-1234-5678"
        )
    code, out_text, err = run(home, "link", "sync")
    assert code == 0 and out_text.startswith("1 cases, 0 posts"), err
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = tmp_path / f"g.{fmt}"
        code, _o, err = run(
            home, "link", "graph", "--case", ref, "--format", fmt, "--out", str(out)
        )
        assert code == 0, err
        assert reader(out).number_of_nodes() == 3
    out = tmp_path / "g.csv"
    assert run(home, "link", "graph", "--case", ref, "--format", "csv", "--out", str(out))[0] == 0
    assert "maltego.EmailAddress,x@perp.example" in out.read_text(encoding="utf-8")
    code, _o, err = run(home, "link", "graph", "--case", ref, "--format", "dot", "--out", str(out))
    assert code == 2 and "unknown format" in err
