"""``vigil media``: hash images, match them against hash banks, manage and exchange banks.

Output formats are relied on by scripts: ``hash`` prints JSON lines ``{"file", "type", "hash",
"quality"}``; ``match`` prints JSON lines with ``file`` (or ``id``) and ``matches``, a list of
``{"bank", "hash_id", "distance"}``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import typer

from vigil.cli.context import handles_errors, open_services
from vigil.errors import InvalidInput, VigilError
from vigil.outputs import write_output
from vigil.security.actor import Actor

# The media engine (NumPy, PDQ, cryptography) is imported by the commands that use it, so
# `vigil --help` does not wait for it; these two are written out for the options' help and
# default, and tests/cli/test_startup.py checks them against the engine.
#: ``vigil.media.exchange.FORMATS.names()``.
LIST_FORMATS = ("csv", "hma", "stopncii")
#: ``vigil.media.base.PDQ_DEFAULT_THRESHOLD``.
BANK_THRESHOLD = 31

app = typer.Typer(
    help="Image hashing and hash banks (PDQ, exchange with partners).", no_args_is_help=True
)
bank_app = typer.Typer(help="Hash banks: import, export, list, withdraw.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


def _line(payload: dict[str, object]) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


@app.command("hash")
@handles_errors
def hash_files(
    files: list[Path] = typer.Argument(..., help="Images (PDQ), videos (vPDQ) or any file."),
    hash_type: str | None = typer.Option(
        None, "--type", help="pdq, vpdq, sha256 or md5 (default: by the file's kind)."
    ),
) -> None:
    """Print one JSON line per file: {"file", "type", "hash", "quality"}."""
    from vigil.media.hashers import HASHERS, PdqHasher, hasher_for

    failed = 0
    for path in files:
        try:
            hasher = HASHERS.get(hash_type)() if hash_type else hasher_for(path)
            if isinstance(hasher, PdqHasher):
                hasher.probes = False  # printing the hash needs no query probes
            result = hasher.hash_file(path)
        except VigilError as exc:
            if hash_type and exc.code == "not_found":
                raise
            typer.echo(f"error: {path}: {exc.message}", err=True)
            failed += 1
            continue
        _line(
            {"file": str(path), "type": result.type, "hash": result.hash, "quality": result.quality}
        )
    if failed:
        raise typer.Exit(InvalidInput.exit_code)


def _read_hash_csv(path: Path) -> list[tuple[str, str]]:
    from vigil.media.hashes import normalise_hex

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path.name}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "id" not in fields or "pdq" not in fields:
            raise InvalidInput(f"{path.name} needs the columns id and pdq")
        reader.fieldnames = fields
        return [
            ((row.get("id") or "").strip(), normalise_hex(row.get("pdq") or "", field=f"line {n}"))
            for n, row in enumerate(reader, start=2)
        ]
    except csv.Error as exc:
        raise InvalidInput(f"{path.name} line {reader.line_num}: not CSV ({exc})") from None


@app.command("match")
@handles_errors
def match(
    files: list[Path] = typer.Argument(None, help="Images or files to match."),
    bank: str | None = typer.Option(None, "--bank", help="Match against this bank only."),
    hashes: Path | None = typer.Option(
        None, "--hashes", help="Match hashes instead: a CSV with id and pdq columns."
    ),
    engine: str = typer.Option(
        "local", "--engine", help="local, or ray: shard each bank over Ray workers."
    ),
    address: str | None = typer.Option(None, "--address", help="Ray cluster (--engine ray)."),
    shards: int = typer.Option(0, "--shards", help="Shards per bank (0: one per worker)."),
) -> None:
    """Print one JSON line per file or hash: {"file" | "id", "matches": [...]}."""
    from vigil.hashbanks.indexes import Query
    from vigil.hashbanks.service import HashBankService
    from vigil.hashbanks.sharded import ShardedBankIndexes
    from vigil.media.hashers import HASHERS
    from vigil.scale import make_engine

    if bool(files) == (hashes is not None):
        raise InvalidInput("give either files or --hashes CSV")
    queries: list[Query] = []
    key = "id" if hashes is not None else "file"
    failed = 0
    if hashes is not None:
        queries = [Query(ident, (("pdq", value),)) for ident, value in _read_hash_csv(hashes)]
    else:
        for path in files:
            try:
                hashed = HashBankService.hash_path(path)
            except VigilError as exc:
                typer.echo(f"error: {path}: {exc.message}", err=True)
                failed += 1
                continue
            exact = HASHERS.get("sha256")().hash_file(path)
            md5 = HASHERS.get("md5")().hash_file(path)
            hashes_of = (*hashed.query_hashes(), ("sha256", exact.hash), ("md5", md5.hash))
            queries.append(Query(str(path), hashes_of, path))  # the file, kept if it matches
    with open_services() as services, make_engine(engine, address=address) as runner:
        if engine != "local":
            services.hashbanks.indexes = ShardedBankIndexes(runner, shards or runner.workers)
        results = services.hashbanks.match(
            Actor.operator(), queries, bank_name=bank, source="hash-list" if hashes else "cli"
        )
    for result in results:
        _line({key: result.label, "matches": [m.model_dump() for m in result.matches]})
    if failed:
        raise typer.Exit(InvalidInput.exit_code)


@bank_app.command("import")
@handles_errors
def bank_import(
    name: str = typer.Argument(..., help="The bank (created if new)."),
    file: Path = typer.Argument(
        ..., help="CSV with a pdq column, HMA signal CSV or StopNCII list."
    ),
    list_format: str | None = typer.Option(
        None, "--format", help=f"One of {', '.join(LIST_FORMATS)} (default: detected)."
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        help="The issuer's Ed25519 public key (base64 or a PEM file): the list "
        "must then carry a valid signature in FILE.sig.",
    ),
    signature: Path | None = typer.Option(None, "--signature", help="Default: FILE.sig."),
    negative: bool = typer.Option(False, "--negative", help="A bank of known-harmless images."),
    threshold: int = typer.Option(BANK_THRESHOLD, "--threshold", help="PDQ threshold."),
    provenance: str | None = typer.Option(None, "--provenance", help="Where the hashes came from."),
) -> None:
    """Import a hash list into a bank; withdrawal notices in it remove hashes."""
    from vigil.hashbanks.schemas import BankCreate

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None
    sig_path = signature or file.with_name(file.name + ".sig")
    sig = sig_path.read_bytes() if key is not None and sig_path.exists() else None
    if key is not None and Path(key).is_file():
        key = Path(key).read_text()
    spec = BankCreate(
        name=name,
        kind="negative" if negative else "positive",
        threshold=threshold,
        provenance=provenance or f"import:{file.name}"[:128],
    )
    with open_services() as services:
        report = services.hashbanks.import_list(
            Actor.operator(),
            name,
            data,
            format_name=list_format,
            signature=sig,
            trusted_key=key,
            create=spec,
        )
    _line(report.model_dump())


@bank_app.command("export")
@handles_errors
def bank_export(
    name: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="Where to write the list (and OUT.sig)."),
    list_format: str = typer.Option("hma", "--format", help=", ".join(LIST_FORMATS)),
    issuer: str = typer.Option("vigil", "--issuer", help="Your organisation, in the signature."),
) -> None:
    """Write the bank as a signed list for partners, with withdrawal notices."""
    with open_services() as services:
        data, signature, result = services.hashbanks.export_list(
            Actor.operator(), name, format_name=list_format, issuer=issuer
        )
    write_output(out, data)
    out.with_name(out.name + ".sig").write_bytes(signature)
    _line(result.model_dump())


@bank_app.command("list")
@handles_errors
def bank_list() -> None:
    """One line per bank: name, kind, threshold, active hashes, provenance."""
    with open_services() as services:
        banks = services.hashbanks.list_banks(Actor.operator())
    for b in banks:
        state = "withdrawn" if b.withdrawn_at else "active"
        typer.echo(f"{b.name}\t{b.kind}\t{b.threshold}\t{b.active_hashes}\t{state}\t{b.provenance}")


@bank_app.command("withdraw")
@handles_errors
def bank_withdraw(
    name: str = typer.Argument(...),
    hash_ids: list[int] = typer.Option(None, "--hash-id", help="Only these items."),
) -> None:
    """Withdraw a bank (or some items): they stop matching; exports carry the notice."""
    with open_services() as services:
        count = services.hashbanks.withdraw(Actor.operator(), name, hash_ids or None)
    typer.echo(f"{count} withdrawn")


@app.command("key")
@handles_errors
def public_key() -> None:
    """Print this installation's public signing key, for partners to verify its lists."""
    with open_services() as services:
        typer.echo(services.hashbanks.public_key())
