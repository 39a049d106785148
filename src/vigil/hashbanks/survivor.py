"""A survivor's own hashes, made on her device in the portal, into her case's bank."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from vigil.hashbanks.schemas import BankCreate
from vigil.hashbanks.service import HashBankService
from vigil.media.base import HashResult
from vigil.security.actor import Actor
from vigil.storage.tables.media import MediaBank


def survivor_bank_name(case_reference: str) -> str:
    """The bank of hashes a survivor made herself, one per case."""
    return f"survivor-{case_reference.strip().lower()}"[:64]


def add_survivor_hashes(
    banks: HashBankService,
    case_reference: str,
    results: Sequence[HashResult],
    *,
    consent_record: str,
    share_with_partners: bool,
) -> list[int]:
    """Hashes a survivor made on her own device, into her case's bank (created or
    reopened with this consent). The portal has authenticated her for this case; only
    the portal flow calls this, and the audit names the portal as the actor."""
    actor = Actor.portal()
    name = survivor_bank_name(case_reference)
    with banks.db.transaction() as session:
        bank = session.scalar(select(MediaBank).where(MediaBank.name == name))
        if bank is None:
            spec = BankCreate(
                name=name,
                provenance="survivor",
                description="hashed on the survivor's device",
                case_reference=case_reference,
                consent_record=consent_record,
                share_with_partners=share_with_partners,
            )
            bank = banks._create(session, actor, spec)
        else:  # new consent, given now: it replaces the earlier record
            bank.consent_record = consent_record
            bank.share_with_partners = share_with_partners
            bank.withdrawn_at = None
        ids = [banks._add(session, bank, result) for result in results]
        banks.audit.record(
            session,
            actor,
            "media.hash_add",
            record_type="media_bank",
            record_id=bank.id,
            purpose=f"survivor, on her device: {len(ids)} images",
        )
        return ids
