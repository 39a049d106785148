"""The evidence service: every access authorised, audited, and recorded in the custody chain.

Other parts of Vigil store evidence through ``add_bytes`` (the survivor portal's uploads, post
escalations in ``flows/``); nothing else writes to the vault.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from vigil.cases.service import CaseService
from vigil.clock import utcnow
from vigil.errors import InvalidInput, PayloadTooLarge
from vigil.evidence import lifecycle, records
from vigil.evidence.custody import CustodyAction, CustodyLog, Signer
from vigil.evidence.queries import Loaded, load_case_items, load_item, upsert_blob
from vigil.evidence.reading import access, stream_content
from vigil.evidence.schemas import (
    CaptureResult,
    CustodyEventPublic,
    EvidencePublic,
    ExportSummary,
    VaultReport,
)
from vigil.evidence.vault import StoredBlob, Vault
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.settings import VigilSettings
from vigil.storage.database import Database
from vigil.storage.tables.evidence import EvidenceItem

if TYPE_CHECKING:
    from vigil.evidence.capture import CaptureOptions

log = logging.getLogger(__name__)
RECORD = "evidence"
#: Enough of a file's start to recognise its media type by magic bytes.
HEAD_BYTES = 512
#: The CLI imports files larger than a web upload; they are streamed into the vault.
MAX_ITEM_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Streamed:
    """What is being added: its first bytes, and how to seal it into the vault (again, should
    a concurrent deletion purge the same bytes meanwhile)."""

    head: bytes
    store: Callable[[], StoredBlob]
    #: The file being streamed, when it is one (for listeners that read it again).
    path: Path | None = None


#: Told of each new original item once it is committed, with its bytes or its file (the
#: hash-bank matching flow). A listener must not raise; if it does, the add still stands.
AddListener = Callable[[Actor, EvidencePublic, "bytes | Path"], None]


class EvidenceService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        vault: Vault,
        custody: CustodyLog,
        *,
        max_upload_bytes: int = MAX_ITEM_BYTES,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.vault = vault
        self.custody = custody
        self.max_upload_bytes = max_upload_bytes
        self._add_listeners: list[AddListener] = []

    def on_add(self, listener: AddListener) -> None:
        self._add_listeners.append(listener)

    def _tell(self, actor: Actor, item: EvidencePublic, content: bytes | Path | None) -> None:
        if item.duplicate or content is None:
            return
        for listener in self._add_listeners:
            try:
                listener(actor, item, content)
            except Exception as exc:  # the item is committed; a listener must not undo it
                log.warning("evidence add listener failed", extra={"event": type(exc).__name__})

    @classmethod
    def from_settings(
        cls, settings: VigilSettings, db: Database, audit: AuditLog, authorizer: Authorizer
    ) -> EvidenceService:
        return cls(
            db,
            audit,
            authorizer,
            Vault.open(settings.vault_dir, settings.keys_dir),
            CustodyLog(Signer.open(settings.keys_dir)),
        )

    # ---- adding ------------------------------------------------------------------------------

    def require_add(self, actor: Actor, reference: str, how: str = "upload") -> None:
        # The survivor portal has no role: its routes authenticate the survivor by reference
        # and passphrase before they call here, and only her uploads come that way.
        if actor == Actor.portal() and how == "upload":
            return
        self.authorizer.require(actor, Action.EVIDENCE_ADD, record_type="case", record_id=reference)

    def add_bytes(
        self,
        actor: Actor,
        case_reference: str,
        data: bytes | Streamed,
        filename: str,
        how: str = "upload",
        source_url: str | None = None,
        reporter_hash: str | None = None,
        *,
        media_type: str | None = None,
        sensitive: bool = True,
        reason: str | None = None,
        capture_id: str | None = None,
        part: str | None = None,
        derived_from: str | None = None,
        derivation: str | None = None,
        notify: bool = True,
    ) -> EvidencePublic:
        """Store ``data`` as evidence of a case: vault file first, then the row and its event.

        The same bytes are stored once; added to the same case again (outside a capture) they
        return the existing item (``duplicate=True``). ``reporter_hash`` is the SHA-256 or
        SHA-512 the reporter computed; a mismatch is kept and flagged, never refused.
        ``data`` is the bytes, or a file streamed from disk (``add_file``). Listeners
        (``on_add``) hear of a new item after the commit, unless ``notify`` is false.
        """
        self.require_add(actor, case_reference, how)
        if how not in records.HOW:
            raise InvalidInput(f"how must be one of {', '.join(sorted(records.HOW))}", field="how")
        if isinstance(data, bytes):
            if len(data) > self.max_upload_bytes:
                raise PayloadTooLarge("the file is larger than this installation accepts")
            raw = data
            content = Streamed(raw[:HEAD_BYTES], lambda: self.vault.put(raw))
        else:
            content = data
        public = self._add(
            actor,
            case_reference,
            content,
            filename,
            how,
            source_url,
            reporter_hash,
            media_type=media_type,
            sensitive=sensitive,
            reason=reason,
            capture_id=capture_id,
            part=part,
            derived_from=derived_from,
            derivation=derivation,
        )
        if notify:
            self._tell(actor, public, data if isinstance(data, bytes) else data.path)
        return public

    def _add(
        self,
        actor: Actor,
        case_reference: str,
        content: Streamed,
        filename: str,
        how: str,
        source_url: str | None,
        reporter_hash: str | None,
        *,
        media_type: str | None,
        sensitive: bool,
        reason: str | None,
        capture_id: str | None,
        part: str | None,
        derived_from: str | None,
        derivation: str | None,
    ) -> EvidencePublic:
        claimed = records.normalise_reporter_hash(reporter_hash)
        filename = records.clean_filename(filename)
        stored = content.store()  # durable before any row names it
        with self.db.transaction() as session:
            case = CaseService.find(session, case_reference)
            blob = upsert_blob(session, self.vault, stored, content.store)
            original: EvidenceItem | None = None
            if derived_from is not None:
                original = load_item(session, derived_from).item
                if original.case_id != case.id:
                    raise InvalidInput("a working copy belongs to its original's case")
            elif capture_id is None:  # a capture keeps every part, even repeated bytes
                existing = session.scalar(
                    select(EvidenceItem).where(
                        EvidenceItem.case_id == case.id,
                        EvidenceItem.sha256 == stored.sha256,
                        EvidenceItem.kind == "original",
                        EvidenceItem.deleted_at.is_(None),
                    )
                )
                if existing is not None:
                    self.audit.record(
                        session,
                        actor,
                        "evidence.add",
                        record_type=RECORD,
                        record_id=existing.uid,
                        purpose="duplicate of stored item",
                    )
                    return Loaded(existing, blob, case, None).public(duplicate=True)
            item = EvidenceItem(
                uid=records.new_uid(),
                case_id=case.id,
                sha256=stored.sha256,
                kind="original" if original is None else "working",
                derived_from=None if original is None else original.id,
                derivation=derivation,
                how=how,
                filename=filename,
                media_type=(media_type or records.guess_media_type(content.head, filename))[:128],
                source_url=source_url,
                capture_id=capture_id,
                part=part,
                reporter_hash=claimed,
                reporter_hash_mismatch=records.reporter_mismatch(
                    claimed, stored.sha256, stored.sha512
                ),
                sensitive=sensitive,
                added_by=actor.user_id,
                added_by_label=actor.label[:64],
                added_at=utcnow(),
                meta_digest="",
                legal_hold=False,
            )
            loaded = Loaded(item, blob, case, None if original is None else original.uid)
            item.meta_digest = records.metadata_digest(loaded.metadata())
            session.add(item)
            session.flush()
            self.custody.append(
                session,
                case,
                CustodyAction.ADD,
                actor,
                item_uid=item.uid,
                sha256=stored.sha256,
                reason=reason,
                detail=item.meta_digest,
            )
            self.audit.record(
                session, actor, "evidence.add", record_type=RECORD, record_id=item.uid, purpose=how
            )
            return loaded.public()

    def add_file(
        self, actor: Actor, case_reference: str, path: Path, **kwargs: Any
    ) -> EvidencePublic:
        """``add_bytes`` for a file on disk, as imported by the operator (``how="import"``):
        read once, in segments, hashed while it is sealed, so a file of any accepted size
        takes a few MiB of memory."""
        if path.stat().st_size > self.max_upload_bytes:
            raise PayloadTooLarge(f"{path.name} is larger than this installation accepts")
        kwargs.setdefault("how", "import")

        def store() -> StoredBlob:
            with path.open("rb") as handle:  # the limit holds even if the file grows meanwhile
                return self.vault.put_stream(handle, max_bytes=self.max_upload_bytes)

        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        return self.add_bytes(
            actor, case_reference, Streamed(head, store, path), path.name, **kwargs
        )

    def add_working_copy(
        self,
        actor: Actor,
        original_uid: str,
        data: bytes,
        derivation: str,
        *,
        filename: str | None = None,
        reason: str | None = None,
    ) -> EvidencePublic:
        """A redacted, resized or blurred copy: a new item linked to its unchanged original."""
        with self.db.transaction() as session:
            original = load_item(session, original_uid)
        return self.add_bytes(
            actor,
            original.case.reference,
            data,
            filename or f"{derivation}-{original.item.filename}",
            "derived",
            original.item.source_url,
            media_type=None,
            sensitive=original.item.sensitive,
            reason=reason,
            derived_from=original_uid,
            derivation=derivation[:64],
        )

    def make_working_copy(
        self, actor: Actor, original_uid: str, derivation: str, *, reason: str | None = None
    ) -> EvidencePublic:
        """Derive a blurred, resized or metadata-stripped image from an original."""
        from vigil.evidence.derive import DERIVATIONS, derive

        if derivation not in DERIVATIONS:
            derive(b"", derivation)  # raises the clear InvalidInput
        self.authorizer.require(
            actor, Action.EVIDENCE_ADD, record_type=RECORD, record_id=original_uid
        )
        _, data = self.content(
            actor, original_uid, CustodyAction.VIEW, f"to make a {derivation} working copy"
        )
        return self.add_working_copy(
            actor, original_uid, derive(data, derivation), derivation, reason=reason
        )

    # ---- reading -----------------------------------------------------------------------------

    def list_case(self, actor: Actor, case_reference: str) -> list[EvidencePublic]:
        self.authorizer.require(
            actor, Action.EVIDENCE_READ, record_type="case", record_id=case_reference
        )
        with self.db.transaction() as session:
            case = CaseService.find(session, case_reference)
            loaded = load_case_items(session, case)
            self.audit.record(
                session,
                actor,
                "evidence.list",
                record_type="case",
                record_id=case.reference,
                purpose=f"{len(loaded)} items listed",
            )
            return [entry.public() for entry in loaded]

    def get(self, actor: Actor, uid: str) -> EvidencePublic:
        """Metadata only (audited); content reads go through ``content``."""
        self.authorizer.require(actor, Action.EVIDENCE_READ, record_type=RECORD, record_id=uid)
        with self.db.transaction() as session:
            loaded = load_item(session, uid)
            self.audit.record(
                session, actor, "evidence.read", record_type=RECORD, record_id=loaded.item.uid
            )
            return loaded.public()

    def content(
        self,
        actor: Actor,
        uid: str,
        action: CustodyAction = CustodyAction.VIEW,
        reason: str | None = None,
    ) -> tuple[EvidencePublic, bytes]:
        """The item's bytes, checked against its hash; a view or download custody event."""
        return access(self, actor, uid, action, reason, self.vault.get)

    def stream(
        self,
        actor: Actor,
        uid: str,
        action: CustodyAction = CustodyAction.DOWNLOAD,
        reason: str | None = None,
    ) -> tuple[EvidencePublic, Iterator[bytes]]:
        """``content`` as an iterator of verified 1 MiB chunks (``reading.py``): downloads of
        any size in bounded memory. Iterate to the end: ``IntegrityError`` may stop it."""
        return stream_content(self, actor, uid, action, reason)

    def custody_history(
        self, actor: Actor, *, uid: str | None = None, case_reference: str | None = None
    ) -> list[CustodyEventPublic]:
        """Custody events of one item, or of a whole case, oldest first."""
        self.authorizer.require(actor, Action.EVIDENCE_READ, record_type=RECORD, record_id=uid)
        with self.db.transaction() as session:
            if uid is not None:
                loaded = load_item(session, uid)
                case, item_uid = loaded.case, loaded.item.uid
            elif case_reference is not None:
                case, item_uid = CaseService.find(session, case_reference), None
            else:
                raise InvalidInput("name an item or a case")
            events = self.custody.events(session, case, item_uid=item_uid)
            self.audit.record(
                session,
                actor,
                "evidence.custody_read",
                record_type=RECORD,
                record_id=item_uid or case.reference,
            )
            return [
                CustodyEventPublic(
                    seq=e.seq,
                    at=e.at,
                    action=e.action,
                    item=e.item_uid,
                    sha256=e.sha256,
                    actor=e.actor_label,
                    reason=e.reason,
                    hash=e.hash,
                )
                for e in events
            ]

    # ---- holds, sharing, deletion (lifecycle.py) ----------------------------------------------

    def set_legal_hold(self, actor: Actor, uid: str, on: bool, reason: str) -> EvidencePublic:
        return lifecycle.set_legal_hold(self, actor, uid, on, reason)

    def share(self, actor: Actor, uid: str, recipient: str, reason: str) -> EvidencePublic:
        """Record that an item was handed to someone outside Vigil (who, to whom, why)."""
        return lifecycle.share(self, actor, uid, recipient, reason)

    def delete(self, actor: Actor, uid: str, reason: str) -> EvidencePublic:
        """Delete an item's content (supervisors; never under legal hold); custody stays."""
        return lifecycle.delete(self, actor, uid, reason)

    def checkpoint(self, actor: Actor, case_reference: str) -> dict[str, Any] | None:
        """Sign the head of a case's custody chain now; returns the checkpoint."""
        return lifecycle.checkpoint(self, actor, case_reference)

    # ---- bundles and integrity ---------------------------------------------------------------

    def export(
        self, actor: Actor, case_reference: str, out: Path, reason: str | None = None
    ) -> ExportSummary:
        """Write a court-ready bundle of the case to ``out`` (see ``bundle.py``)."""
        from vigil.evidence.integrity import export_case

        return export_case(self, actor, case_reference, out, reason)

    def verify_vault(self, actor: Actor) -> VaultReport:
        from vigil.evidence.integrity import verify_vault

        return verify_vault(self, actor)

    def capture(
        self,
        actor: Actor,
        case_reference: str,
        url: str,
        options: CaptureOptions | None = None,
        *,
        reason: str | None = None,
    ) -> CaptureResult:
        """Capture ``url`` (see ``capture.py``) and add each part to the case as evidence."""
        return lifecycle.capture(self, actor, case_reference, url, options, reason=reason)
