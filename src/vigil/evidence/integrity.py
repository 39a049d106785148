"""Exporting a case as a bundle; checking the whole vault (``vigil evidence verify --vault``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from vigil.cases.service import CaseService
from vigil.clock import utcnow
from vigil.errors import IntegrityError, NotFound, VigilError
from vigil.evidence import records
from vigil.evidence import verify_bundle as vb
from vigil.evidence.bundle import BundleItem, StreamedFile, build_bundle
from vigil.evidence.custody import CustodyAction, checkpoint_dict, event_dict
from vigil.evidence.queries import load_case_items
from vigil.evidence.schemas import ExportSummary, VaultReport
from vigil.security.actor import Actor
from vigil.security.audit import Outcome
from vigil.security.permissions import Action
from vigil.storage.tables.cases import Case
from vigil.storage.tables.evidence import CustodyChain, EvidenceBlob, EvidenceItem

if TYPE_CHECKING:
    from vigil.evidence.service import EvidenceService


def _checked(service: EvidenceService, sha256: str) -> StreamedFile:
    """The file at ``sha256``, checked whole now, to be streamed into the bundle later."""
    measured, _, size = service.vault.measure(sha256)
    if measured != sha256:
        raise IntegrityError("vault file does not hash to its address")
    return StreamedFile(sha256, size, lambda: service.vault.chunks(sha256))


def export_case(
    service: EvidenceService,
    actor: Actor,
    case_reference: str,
    out: Path,
    reason: str | None = None,
) -> ExportSummary:
    """Write the case's bundle to ``out``: one export event per item, then a checkpoint.

    The vault is read and the zip written outside any transaction, so a large export never
    holds the database's write lock (SQLite has one for everybody). Each file is checked
    (decrypted and hashed, in bounded memory) before the export events are committed, so a
    damaged file stops the export with nothing recorded; the zip is then written streaming
    each item from the vault, in verified chunks (a file of any size takes a few MiB).
    """
    service.authorizer.require(
        actor, Action.EVIDENCE_EXPORT, record_type="case", record_id=case_reference
    )
    with service.db.transaction() as session:
        case = CaseService.find(session, case_reference)
        wanted = {
            e.item.uid: e.blob.sha256
            for e in load_case_items(session, case)
            if e.item.deleted_at is None
        }
    contents = {uid: _checked(service, sha256) for uid, sha256 in wanted.items()}
    with service.db.transaction() as session:
        case = CaseService.find(session, case_reference)
        loaded = load_case_items(session, case)
        if not loaded:
            raise NotFound("this case has no evidence to export")
        for entry in loaded:
            if entry.item.deleted_at is None:
                if entry.item.uid not in contents:  # added in the meantime
                    contents[entry.item.uid] = _checked(service, entry.blob.sha256)
                service.custody.append(
                    session,
                    case,
                    CustodyAction.EXPORT,
                    actor,
                    item_uid=entry.item.uid,
                    sha256=entry.blob.sha256,
                    reason=reason,
                )
        checkpoint = service.custody.checkpoint(session, case)
        assert checkpoint is not None  # the chain holds at least the add events
        signed = checkpoint_dict(checkpoint, case.reference)
        events = [event_dict(e, case.reference) for e in service.custody.events(session, case)]
        items = [
            BundleItem(
                metadata=entry.metadata(),
                state={
                    "legal_hold": entry.item.legal_hold,
                    "deleted": entry.item.deleted_at is not None,
                },
                data=contents.get(entry.item.uid) if entry.item.deleted_at is None else None,
            )
            for entry in loaded
        ]
        service.audit.record(
            session,
            actor,
            "evidence.export",
            record_type="case",
            record_id=case.reference,
            purpose=reason,
        )
    digest = build_bundle(
        out,
        case_reference=case.reference,
        items=items,
        events=events,
        checkpoint=signed,
        signer=service.custody.signer,
        exported_by=actor.label,
        exported_at=utcnow(),
        reason=reason,
    )
    return ExportSummary(
        case_reference=case.reference,
        path=str(out),
        items=len(items),
        events=len(events),
        checkpoint_seq=signed["seq"],
        key_fingerprint=service.custody.signer.fingerprint,
        sha256=digest,
    )


def verify_vault(service: EvidenceService, actor: Actor) -> VaultReport:
    """Decrypt and hash every stored file, recompute every chain, check every checkpoint."""
    service.authorizer.require(actor, Action.AUDIT_READ, record_type="evidence")
    problems: list[str] = []
    notes: list[str] = []
    with service.db.transaction() as session:
        blobs = list(session.scalars(select(EvidenceBlob)))
        expected: set[Path] = set()
        for blob in blobs:
            if blob.purged_at is not None:
                if service.vault.exists(blob.sha256):
                    notes.append(f"blob {blob.sha256[:16]}…: purged, but its file remains")
                continue
            expected.add(service.vault.path_for(blob.sha256))
            try:  # streamed: a file of any size is checked in a few MiB of memory
                sha256, sha512, size = service.vault.measure(blob.sha256)
            except VigilError as exc:
                problems.append(f"blob {blob.sha256[:16]}…: {exc.message}")
                continue
            if sha256 != blob.sha256:
                problems.append(
                    f"blob {blob.sha256[:16]}…: vault file does not hash to its address"
                )
            elif sha512 != blob.sha512 or size != blob.size:
                problems.append(f"blob {blob.sha256[:16]}…: SHA-512 or size differs from ingest")
        by_sha = {b.sha256: b for b in blobs}
        items = list(session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)))
        uids = {i.id: i.uid for i in items}
        cases = {c.id: c for c in session.scalars(select(Case))}
        for item in items:
            blob = by_sha[item.sha256]
            if item.deleted_at is None and blob.purged_at is not None:
                problems.append(f"item {item.uid}: its content was purged but it is not deleted")
            meta = records.item_metadata(
                item, blob, cases[item.case_id].reference, uids.get(item.derived_from or -1)
            )
            if vb.metadata_digest(meta) != item.meta_digest:
                problems.append(f"item {item.uid}: metadata changed since ingest")
        chains = list(session.scalars(select(CustodyChain)))
        events = 0
        for chain in chains:
            case = cases[chain.case_id]
            problems.extend(
                f"case {case.reference}: {p}" for p in service.custody.verify(session, case)
            )
            events += chain.head_seq
        adds = {
            e.item_uid: e.detail
            for chain in chains
            for e in service.custody.events(session, cases[chain.case_id])
            if e.action == vb.ADD
        }
        for item in items:
            if adds.get(item.uid) != item.meta_digest:
                problems.append(f"item {item.uid}: its 'add' custody event is missing or differs")
        orphans = [p for p in service.vault.files() if p not in expected]
        if orphans:
            notes.append(
                f"{len(orphans)} vault file(s) no row points to (an interrupted write "
                "or purge left them; harmless)"
            )
        service.audit.record(
            session,
            actor,
            "evidence.verify_vault",
            record_type="evidence",
            outcome=Outcome.FAILURE if problems else Outcome.SUCCESS,
        )
    return VaultReport(
        blobs=len(blobs),
        items=len(items),
        chains=len(chains),
        events=events,
        problems=problems,
        notes=notes,
    )


def require_ok(report: VaultReport) -> None:
    if not report.ok:
        raise IntegrityError(report.problems[0])
