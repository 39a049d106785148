"""The chain of custody: one hash chain of events per case, signed checkpoints of its head.

Each event commits to the one before it (``prev``) and to its own contents (``hash``), as
computed by ``verify_bundle`` — the same code a defence expert runs offline — so a deleted,
reordered or altered event is found and named. A checkpoint signs the chain head with an
Ed25519 key kept in the keys folder, never in the database: whoever can rewrite the database
still cannot forge a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.evidence import verify_bundle as vb
from vigil.security.actor import Actor
from vigil.security.keys import load_or_create_key
from vigil.storage.tables.cases import Case
from vigil.storage.tables.evidence import CustodyChain, CustodyCheckpoint, CustodyEvent

SIGNING_KEY_FILE = "custody-signing.key"
#: A checkpoint is signed automatically every this many events of a chain (and at each export).
CHECKPOINT_EVERY = 50
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class CustodyAction(StrEnum):
    ADD = vb.ADD
    VIEW = "view"
    DOWNLOAD = "download"
    EXPORT = "export"
    SHARE = "share"
    LEGAL_HOLD = vb.HOLD_ON
    LEGAL_HOLD_RELEASE = vb.HOLD_OFF
    DELETION = vb.DELETION


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TIME_FORMAT)


class Signer:
    """The custody signing key (Ed25519), loaded from the keys folder."""

    def __init__(self, seed: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = (
            self._key.public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )

    @classmethod
    def open(cls, keys_dir: Path) -> Signer:
        return cls(load_or_create_key(keys_dir, SIGNING_KEY_FILE))

    @property
    def fingerprint(self) -> str:
        return vb.key_fingerprint(self.public_key)

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()


def event_dict(event: CustodyEvent, chain: str) -> dict[str, Any]:
    """The event as hashed and as written into bundles."""
    return {
        "chain": chain,
        "seq": event.seq,
        "at": format_time(event.at),
        "action": event.action,
        "item": event.item_uid,
        "sha256": event.sha256,
        "actor": event.actor_label,
        "reason": event.reason,
        "detail": event.detail,
        "prev": event.prev_hash,
        "hash": event.hash,
    }


def checkpoint_dict(checkpoint: CustodyCheckpoint, chain: str) -> dict[str, Any]:
    return {
        "chain": chain,
        "seq": checkpoint.seq,
        "head": checkpoint.head_hash,
        "signed_at": format_time(checkpoint.signed_at),
        "public_key": checkpoint.public_key,
        "signature": checkpoint.signature,
    }


@dataclass
class CustodyLog:
    signer: Signer

    def _chain(self, session: Session, case: Case) -> CustodyChain:
        # Create the head row if needed without racing a concurrent first event, then lock it:
        # that serialises appends to one chain (SQLite serialises every write anyway).
        insert = (
            postgresql.insert
            if session.get_bind().dialect.name == "postgresql"
            else (sqlite.insert)
        )
        session.execute(
            insert(CustodyChain)
            .values(case_id=case.id, head_seq=0, head_hash=vb.GENESIS)
            .on_conflict_do_nothing(index_elements=["case_id"])
        )
        return session.scalars(
            select(CustodyChain)
            .where(CustodyChain.case_id == case.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()

    def append(
        self,
        session: Session,
        case: Case,
        action: CustodyAction,
        actor: Actor,
        *,
        item_uid: str | None = None,
        sha256: str | None = None,
        reason: str | None = None,
        detail: str | None = None,
    ) -> CustodyEvent:
        chain = self._chain(session, case)
        event = CustodyEvent(
            case_id=case.id,
            seq=chain.head_seq + 1,
            at=utcnow(),  # both backends keep microseconds: the hash recomputes from the row
            action=str(action),
            item_uid=item_uid,
            sha256=sha256,
            actor_id=actor.user_id,
            actor_label=actor.label[:64],
            reason=None if reason is None else reason[:200],
            detail=detail,
            prev_hash=chain.head_hash,
            hash="",
        )
        event.hash = vb.event_hash(event_dict(event, case.reference))
        session.add(event)
        chain.head_seq, chain.head_hash = event.seq, event.hash
        session.flush()
        if event.seq % CHECKPOINT_EVERY == 0:
            self.checkpoint(session, case)
        return event

    def checkpoint(self, session: Session, case: Case) -> CustodyCheckpoint | None:
        """Sign the current head of the case's chain (None when the chain is empty)."""
        chain = self._chain(session, case)
        if chain.head_seq == 0:
            return None
        latest = self.latest_checkpoint(session, case)
        if latest is not None and latest.seq == chain.head_seq:
            return latest
        checkpoint = CustodyCheckpoint(
            case_id=case.id,
            seq=chain.head_seq,
            head_hash=chain.head_hash,
            signed_at=utcnow(),
            public_key=self.signer.public_key,
            signature="",
        )
        checkpoint.signature = self.signer.sign(
            vb.checkpoint_message(checkpoint_dict(checkpoint, case.reference))
        )
        session.add(checkpoint)
        session.flush()
        return checkpoint

    @staticmethod
    def latest_checkpoint(session: Session, case: Case) -> CustodyCheckpoint | None:
        return session.scalar(
            select(CustodyCheckpoint)
            .where(CustodyCheckpoint.case_id == case.id)
            .order_by(CustodyCheckpoint.seq.desc(), CustodyCheckpoint.id.desc())
            .limit(1)
        )

    @staticmethod
    def events(session: Session, case: Case, *, item_uid: str | None = None) -> list[CustodyEvent]:
        stmt = select(CustodyEvent).where(CustodyEvent.case_id == case.id)
        if item_uid is not None:
            stmt = stmt.where(CustodyEvent.item_uid == item_uid)
        return list(session.scalars(stmt.order_by(CustodyEvent.seq)))

    def verify(self, session: Session, case: Case) -> list[str]:
        """Recompute the case's chain and check every checkpoint; the first problem first."""
        events = [event_dict(e, case.reference) for e in self.events(session, case)]
        problems = vb.verify_events(events, case.reference)
        chain = session.get(CustodyChain, case.id)
        if (
            not problems
            and chain is not None
            and events
            and (chain.head_seq != len(events) or chain.head_hash != events[-1]["hash"])
        ):
            problems.append(f"chain head of {case.reference} does not match its last event")
        checkpoints = session.scalars(
            select(CustodyCheckpoint).where(CustodyCheckpoint.case_id == case.id)
        )
        for checkpoint in checkpoints:
            found = vb.verify_checkpoint(checkpoint_dict(checkpoint, case.reference), events)
            problems.extend(f"{p} (checkpoint at seq {checkpoint.seq})" for p in found)
            if checkpoint.public_key != self.signer.public_key:
                problems.append(
                    f"checkpoint at seq {checkpoint.seq} is signed by a key this "
                    "installation does not hold"
                )
        return problems
