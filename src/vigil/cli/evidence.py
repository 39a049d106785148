"""``vigil evidence``: add, capture, export and verify evidence (scripts rely on these names)."""

from __future__ import annotations

from pathlib import Path

import typer

from vigil.cli.context import handles_errors, open_services
from vigil.errors import IntegrityError, InvalidInput, NotFound
from vigil.security.actor import Actor

app = typer.Typer(help="Evidence vault, chain of custody, bundles.", no_args_is_help=True)

_CASE = typer.Option(..., "--case", help="The case reference.")


@app.command("add")
@handles_errors
def add(
    files: list[Path] = typer.Argument(..., help="Files to add.", exists=False),
    case: str = _CASE,
    reporter_hash: str | None = typer.Option(
        None, "--reporter-hash", help="SHA-256/512 the reporter gave (one file only)."
    ),
    source_url: str | None = typer.Option(None, "--source-url", help="Where it was found."),
    reason: str | None = typer.Option(None, "--reason", help="Why it is added (custody log)."),
) -> None:
    """Add files to a case. Prints one line per file: item id, SHA-256, name, status."""
    if reporter_hash and len(files) != 1:
        raise InvalidInput("--reporter-hash applies to exactly one file", field="reporter_hash")
    for path in files:
        if not path.is_file():
            raise NotFound(f"no such file: {path}")
    with open_services() as services:
        for path in files:
            item = services.evidence.add_file(
                Actor.operator(),
                case,
                path,
                reporter_hash=reporter_hash,
                source_url=source_url,
                reason=reason,
            )
            status = "duplicate" if item.duplicate else "added"
            if item.reporter_hash_mismatch:
                status += ",reporter-hash-mismatch"
            typer.echo(f"{item.uid}\t{item.sha256}\t{item.filename}\t{status}")


@app.command("capture")
@handles_errors
def capture(
    url: str = typer.Argument(..., help="The page to capture (http or https)."),
    case: str = _CASE,
    screenshot: bool = typer.Option(
        True, "--screenshot/--no-screenshot", help="Render with headless Chromium when installed."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why it is captured."),
) -> None:
    """Capture a web page (WARC, HTML, screenshot, headers, TLS) into a case."""
    from vigil.evidence.capture import CaptureOptions

    with open_services() as services:
        result = services.evidence.capture(
            Actor.operator(), case, url, CaptureOptions(screenshot=screenshot), reason=reason
        )
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    for item in result.items:
        typer.echo(f"{item.uid}\t{item.sha256}\t{item.part}\t{item.filename}")


@app.command("export")
@handles_errors
def export(
    case: str = _CASE,
    out: Path = typer.Option(..., "--out", help="The bundle to write (.zip)."),
    reason: str | None = typer.Option(None, "--reason", help="Why it is exported."),
) -> None:
    """Write a court-ready bundle of the case's evidence."""
    with open_services() as services:
        summary = services.evidence.export(Actor.operator(), case, out, reason)
    typer.echo(
        f"wrote {summary.path}: {summary.items} items, {summary.events} custody events, "
        f"checkpoint at seq {summary.checkpoint_seq}"
    )
    typer.echo(f"bundle sha256 {summary.sha256}")
    typer.echo(f"signing key {summary.key_fingerprint}")


@app.command("verify")
@handles_errors
def verify(
    bundle: Path | None = typer.Argument(None, help="A bundle (.zip or extracted folder)."),
    vault: bool = typer.Option(False, "--vault", help="Check the whole vault instead."),
    public_key: str | None = typer.Option(None, "--public-key", help="Pin the signing key."),
) -> None:
    """Verify a bundle, or the whole vault; exit 0 only when everything holds."""
    if (bundle is None) == (not vault):
        raise InvalidInput("give either a bundle or --vault")
    if vault:
        with open_services() as services:
            report = services.evidence.verify_vault(Actor.operator())
        notes, problems = report.notes, report.problems
        summary = (
            f"{report.blobs} files, {report.items} items, {report.chains} custody "
            f"chains, {report.events} events"
        )
    else:
        assert bundle is not None
        if not bundle.exists():
            raise NotFound(f"no such bundle: {bundle}")
        from vigil.evidence.verify_bundle import verify_bundle

        result = verify_bundle(bundle, public_key)
        notes, problems, summary = result.notes, result.problems, ""
    for note in notes:
        typer.echo(f"note: {note}")
    for problem in problems:
        typer.echo(f"FAIL: {problem}")
    if problems:
        typer.echo(f"NOT VERIFIED: {len(problems)} problem(s)")
        raise typer.Exit(IntegrityError.exit_code)
    typer.echo(
        "VERIFIED: every hash, the custody chain and the signatures hold"
        + (f" ({summary})" if summary else "")
    )


@app.command("list")
@handles_errors
def list_items(case: str = _CASE) -> None:
    """List a case's items: id, kind, how, size, SHA-256, name."""
    with open_services() as services:
        items = services.evidence.list_case(Actor.operator(), case)
    for item in items:
        flags = ",".join(
            f for f, on in (("hold", item.legal_hold), ("deleted", item.deleted)) if on
        )
        typer.echo(
            f"{item.uid}\t{item.kind}\t{item.how}\t{item.size}\t{item.sha256}\t"
            f"{item.filename}\t{flags}"
        )


@app.command("custody")
@handles_errors
def custody(case: str = _CASE) -> None:
    """Print a case's custody chain, oldest first."""
    with open_services() as services:
        events = services.evidence.custody_history(Actor.operator(), case_reference=case)
    for e in events:
        typer.echo(
            f"{e.seq}\t{e.at.isoformat()}\t{e.action}\t{e.item or '-'}\t{e.actor}\t{e.reason or ''}"
        )


@app.command("checkpoint")
@handles_errors
def checkpoint(case: str = _CASE) -> None:
    """Sign the head of the case's custody chain now and print the checkpoint (JSON)."""
    import json

    with open_services() as services:
        signed = services.evidence.checkpoint(Actor.operator(), case)
    if signed is None:
        raise NotFound("this case has no custody events yet")
    typer.echo(json.dumps(signed, indent=2, sort_keys=True))
