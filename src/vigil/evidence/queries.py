"""Reading and locking evidence rows inside a service's transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.errors import IntegrityError, NotFound
from vigil.evidence import records
from vigil.evidence.schemas import EvidencePublic
from vigil.evidence.vault import StoredBlob, Vault
from vigil.storage.tables.cases import Case
from vigil.storage.tables.evidence import EvidenceBlob, EvidenceItem


@dataclass
class Loaded:
    """An item with its blob, its case and its original's uid (for working copies)."""

    item: EvidenceItem
    blob: EvidenceBlob
    case: Case
    derived_uid: str | None

    def public(self, *, duplicate: bool = False) -> EvidencePublic:
        return records.to_public(
            self.item, self.blob, self.case.reference, self.derived_uid, duplicate=duplicate
        )

    def metadata(self) -> dict[str, Any]:
        return records.item_metadata(self.item, self.blob, self.case.reference, self.derived_uid)


def load_item(session: Session, uid: str, *, lock: bool = False) -> Loaded:
    stmt = select(EvidenceItem).where(EvidenceItem.uid == uid.strip().upper())
    item = session.scalar(stmt.with_for_update() if lock else stmt)
    if item is None:
        raise NotFound("no evidence item with that id")
    blob = session.get(EvidenceBlob, item.sha256)
    case = session.get(Case, item.case_id)
    assert blob is not None and case is not None  # foreign keys
    derived = None
    if item.derived_from is not None:
        derived = session.scalar(
            select(EvidenceItem.uid).where(EvidenceItem.id == item.derived_from)
        )
    return Loaded(item, blob, case, derived)


def load_case_items(session: Session, case: Case) -> list[Loaded]:
    rows = session.execute(
        select(EvidenceItem, EvidenceBlob)
        .join(EvidenceBlob, EvidenceBlob.sha256 == EvidenceItem.sha256)
        .where(EvidenceItem.case_id == case.id)
        .order_by(EvidenceItem.id)
    ).all()
    uids = {item.id: item.uid for item, _ in rows}
    return [
        Loaded(item, blob, case, uids.get(item.derived_from) if item.derived_from else None)
        for item, blob in rows
    ]


def upsert_blob(
    session: Session, vault: Vault, stored: StoredBlob, store: Callable[[], StoredBlob]
) -> EvidenceBlob:
    """The blob row for ``stored``, created if new, locked, its file present on disk
    (``store`` writes it again if a deletion purged it meanwhile)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(EvidenceBlob)
        .values(
            sha256=stored.sha256,
            sha512=stored.sha512,
            size=stored.size,
            key_id=stored.key_id,
            stored_at=utcnow(),
            purged_at=None,
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    blob = session.scalars(
        select(EvidenceBlob)
        .where(EvidenceBlob.sha256 == stored.sha256)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if blob.purged_at is not None or not vault.exists(stored.sha256):
        # Deleted meanwhile: the row lock is held, so writing the file again is safe.
        if store().sha256 != stored.sha256:
            raise IntegrityError("the file changed while it was being added")
        blob.purged_at = None
        blob.key_id = stored.key_id
    return blob
