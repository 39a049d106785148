"""The hash-bank service: banks in the database, matching through in-memory indexes
(``vigil.hashbanks.indexes``), exchange with partners, withdrawal."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from vigil.cases.service import CaseService
from vigil.clock import utcnow
from vigil.errors import Conflict, ConsentRequired, InvalidInput, NotFound
from vigil.hashbanks.indexes import EXACT_TYPES, BankIndexes, Query
from vigil.hashbanks.reviews import BlobStore, MatchReviewService, ReviewCreated, add_reviews
from vigil.hashbanks.schemas import (
    BankCreate,
    BankPublic,
    ExportResult,
    HashMatchPublic,
    ImportReport,
    QueryMatches,
)
from vigil.media import exchange
from vigil.media.base import HashResult
from vigil.media.hashers import PDQ, PdqHasher, hasher_for
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.keys import load_or_create_key
from vigil.security.permissions import Action
from vigil.storage.database import Database
from vigil.storage.tables.media import MediaBank, MediaExport, MediaHash, MediaMatch

log = logging.getLogger(__name__)
SIGNING_KEY_FILE = "media-signing.key"
INSERT_BATCH = 5000
#: Told of review items once their match is committed (the caseworker alert flow).
ReviewListener = Callable[[Sequence[ReviewCreated]], None]


class HashBankService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        keys_dir: Path,
        review_store: BlobStore | None = None,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.keys_dir = keys_dir
        self.indexes = BankIndexes()
        self.review_store = review_store
        self.reviews = MatchReviewService(db, audit, authorizer, review_store)
        self._review_listeners: list[ReviewListener] = []

    def on_review(self, listener: ReviewListener) -> None:
        self._review_listeners.append(listener)

    # ---- banks ---------------------------------------------------------------------------

    def create_bank(self, actor: Actor, data: BankCreate) -> BankPublic:
        self.authorizer.require(actor, Action.MEDIA_BANK_MANAGE, record_type="media_bank")
        with self.db.transaction() as session:
            bank = self._create(session, actor, data)
            return self._public(session, bank)

    def _create(self, session: Session, actor: Actor, data: BankCreate) -> MediaBank:
        if session.scalar(select(MediaBank.id).where(MediaBank.name == data.name)) is not None:
            raise Conflict(f"a bank named {data.name!r} exists", field="name")
        case_id = None
        if data.case_reference:
            case_id = CaseService.find(session, data.case_reference).id
        bank = MediaBank(
            name=data.name,
            kind=data.kind,
            threshold=data.threshold,
            provenance=data.provenance,
            description=data.description,
            owner_id=actor.user_id,
            owner_label=actor.label[:64],
            case_id=case_id,
            consent_record=data.consent_record,
            share_with_partners=data.share_with_partners,
            created_at=utcnow(),
        )
        session.add(bank)
        session.flush()
        self.audit.record(
            session, actor, "media.bank_create", record_type="media_bank", record_id=bank.id
        )
        return bank

    def list_banks(self, actor: Actor) -> list[BankPublic]:
        self.authorizer.require(actor, Action.MEDIA_MATCH, record_type="media_bank")
        with self.db.transaction() as session:
            banks = list(session.scalars(select(MediaBank).order_by(MediaBank.name)))
            self.audit.record(session, actor, "media.bank_list", record_type="media_bank")
            return [self._public(session, bank) for bank in banks]

    def get_bank(self, actor: Actor, name: str) -> BankPublic:
        self.authorizer.require(actor, Action.MEDIA_MATCH, record_type="media_bank")
        with self.db.transaction() as session:
            bank = self._bank(session, name)
            self.audit.record(
                session, actor, "media.bank_read", record_type="media_bank", record_id=bank.id
            )
            return self._public(session, bank)

    @staticmethod
    def _bank(session: Session, name: str) -> MediaBank:
        bank = session.scalar(select(MediaBank).where(MediaBank.name == name))
        if bank is None:
            raise NotFound(f"no hash bank named {name!r}")
        return bank

    @staticmethod
    def _public(session: Session, bank: MediaBank) -> BankPublic:
        count = session.scalar(
            select(func.count()).where(
                MediaHash.bank_id == bank.id,
                MediaHash.status == "active",
                MediaHash.primary_id.is_(None),
            )
        )
        public = BankPublic.model_validate(bank)
        public.active_hashes = int(count or 0)
        return public

    # ---- adding, importing, withdrawing -------------------------------------------------

    def add_item(
        self, actor: Actor, bank_name: str, result: HashResult, *, external_id: str | None = None
    ) -> int:
        """Add one hashed image (with its variants) to a bank; returns the item's hash id."""
        self.authorizer.require(actor, Action.MEDIA_BANK_MANAGE, record_type="media_bank")
        with self.db.transaction() as session:
            bank = self._bank(session, bank_name)
            item = self._add(session, bank, result, external_id)
            self.audit.record(
                session, actor, "media.hash_add", record_type="media_bank", record_id=bank.id
            )
            return item

    @staticmethod
    def _add(
        session: Session, bank: MediaBank, result: HashResult, external_id: str | None = None
    ) -> int:
        primary = MediaHash(
            bank_id=bank.id,
            signal_type=result.type,
            value=result.hash,
            quality=result.quality,
            external_id=external_id,
            status="active",
            created_at=utcnow(),
        )
        session.add(primary)
        session.flush()
        for kind, value in result.variants:
            session.add(
                MediaHash(
                    bank_id=bank.id,
                    primary_id=primary.id,
                    signal_type=kind,
                    value=value,
                    status="active",
                    created_at=utcnow(),
                )
            )
        return primary.id

    def import_list(
        self,
        actor: Actor,
        bank_name: str,
        data: bytes,
        *,
        format_name: str | None = None,
        signature: bytes | None = None,
        trusted_key: str | None = None,
        create: BankCreate | None = None,
    ) -> ImportReport:
        """Import a hash list (creating the bank if new); withdrawal notices remove hashes.

        With ``trusted_key`` the list must carry a valid signature by that key.
        """
        self.authorizer.require(actor, Action.MEDIA_BANK_MANAGE, record_type="media_bank")
        issuer = None
        if trusted_key is not None:
            if signature is None:
                raise InvalidInput("the list has no signature (FILE.sig) to check", field="file")
            issuer = exchange.verify(data, signature, exchange.load_public_key(trusted_key))
        elif signature is not None:
            raise InvalidInput("give the issuer's public key (--key) to check the signature")
        fmt, signals = exchange.read_list(data, format_name)
        with self.db.transaction() as session:
            bank = session.scalar(select(MediaBank).where(MediaBank.name == bank_name))
            created = bank is None
            if bank is None:
                spec = create or BankCreate(name=bank_name)
                if spec.provenance == "import":  # say more when we know more
                    origin = f"partner:{issuer}" if issuer else f"import:{fmt}"
                    spec = spec.model_copy(update={"provenance": origin[:128]})
                bank = self._create(session, actor, spec)
            existing = {
                (t, v)
                for t, v in session.execute(
                    select(MediaHash.signal_type, MediaHash.value).where(
                        MediaHash.bank_id == bank.id, MediaHash.status == "active"
                    )
                )
            }
            rows, withdraw, skipped = [], [], 0
            now = utcnow()
            for signal in signals:
                key = (signal.signal_type, signal.value)
                if signal.status == "withdrawn":
                    withdraw.append(signal.value)
                elif signal.signal_type not in (PDQ, *EXACT_TYPES) or key in existing:
                    skipped += 1
                else:
                    existing.add(key)
                    rows.append(
                        {
                            "bank_id": bank.id,
                            "signal_type": signal.signal_type,
                            "value": signal.value,
                            "external_id": signal.id,
                            "status": "active",
                            "created_at": now,
                        }
                    )
            for i in range(0, len(rows), INSERT_BATCH):
                session.execute(insert(MediaHash), rows[i : i + INSERT_BATCH])
            withdrawn = self._withdraw_values(session, bank.id, withdraw)
            self.audit.record(
                session,
                actor,
                "media.import",
                record_type="media_bank",
                record_id=bank.id,
                purpose=f"{fmt}: {len(rows)} added, {withdrawn} withdrawn",
            )
            return ImportReport(
                bank=bank.name,
                format=fmt,
                added=len(rows),
                withdrawn=withdrawn,
                skipped=skipped,
                issuer=issuer,
                created_bank=created,
            )

    @staticmethod
    def _withdraw_values(session: Session, bank_id: int, values: Sequence[str]) -> int:
        withdrawn = 0
        now = utcnow()
        for i in range(0, len(values), INSERT_BATCH):
            chunk = list(values[i : i + INSERT_BATCH])
            ids = list(
                session.scalars(
                    select(MediaHash.id).where(
                        MediaHash.bank_id == bank_id,
                        MediaHash.value.in_(chunk),
                        MediaHash.status == "active",
                        MediaHash.primary_id.is_(None),
                    )
                )
            )
            withdrawn += HashBankService._withdraw_ids(session, ids, now)
        return withdrawn

    @staticmethod
    def _withdraw_ids(session: Session, ids: Sequence[int], now: object) -> int:
        if not ids:
            return 0
        result = session.execute(
            update(MediaHash)
            .where((MediaHash.id.in_(ids)) | (MediaHash.primary_id.in_(ids)))
            .where(MediaHash.status == "active")
            .values(status="withdrawn", withdrawn_at=now)
        )
        return min(len(ids), int(result.rowcount or 0))  # type: ignore[attr-defined]

    def withdraw(self, actor: Actor, bank_name: str, hash_ids: Sequence[int] | None = None) -> int:
        """Withdraw items (or the whole bank): they stop matching and the next export to
        partners carries withdrawal notices for them."""
        self.authorizer.require(actor, Action.MEDIA_BANK_MANAGE, record_type="media_bank")
        with self.db.transaction() as session:
            bank = self._bank(session, bank_name)
            stmt = select(MediaHash.id).where(
                MediaHash.bank_id == bank.id,
                MediaHash.status == "active",
                MediaHash.primary_id.is_(None),
            )
            if hash_ids is not None:
                stmt = stmt.where(MediaHash.id.in_(list(hash_ids)))
            else:
                bank.withdrawn_at = utcnow()
            count = self._withdraw_ids(session, list(session.scalars(stmt)), utcnow())
            self.audit.record(
                session,
                actor,
                "media.withdraw",
                record_type="media_bank",
                record_id=bank.id,
                purpose=f"{count} hashes withdrawn",
            )
            return count

    def withdraw_case(self, actor: Actor, case_reference: str) -> int:
        """Consent withdrawn: every bank linked to the case is withdrawn (for flows)."""
        self.authorizer.require(actor, Action.MEDIA_BANK_MANAGE, record_type="media_bank")
        with self.db.transaction() as session:
            case = CaseService.find(session, case_reference)
            names = list(
                session.scalars(select(MediaBank.name).where(MediaBank.case_id == case.id))
            )
        return sum(self.withdraw(actor, name) for name in names)

    # ---- export ----------------------------------------------------------------------------

    def public_key(self) -> str:
        return exchange.public_key_text(self._signing_key())

    def _signing_key(self) -> Ed25519PrivateKey:
        return exchange.signing_key(load_or_create_key(self.keys_dir, SIGNING_KEY_FILE))

    def export_list(
        self, actor: Actor, bank_name: str, *, format_name: str = "hma", issuer: str = "vigil"
    ) -> tuple[bytes, bytes, ExportResult]:
        """The bank as a signed list for partners: active hashes and withdrawal notices."""
        self.authorizer.require(actor, Action.MEDIA_BANK_MANAGE, record_type="media_bank")
        fmt = exchange.FORMATS.get(format_name)()
        with self.db.transaction() as session:
            bank = self._bank(session, bank_name)
            if bank.case_id is not None and not bank.share_with_partners:
                raise ConsentRequired(
                    "the survivor has not consented to sharing this bank's hashes"
                )
            rows = session.execute(
                select(
                    MediaHash.id,
                    MediaHash.signal_type,
                    MediaHash.value,
                    MediaHash.external_id,
                    MediaHash.status,
                )
                .where(MediaHash.bank_id == bank.id, MediaHash.primary_id.is_(None))
                .order_by(MediaHash.id)
            ).all()
            signals = [
                exchange.Signal(
                    t, v, id=ext or str(i), status="withdrawn" if s == "withdrawn" else "active"
                )
                for i, t, v, ext, s in rows
            ]
            data = fmt.write(signals)
            key = self._signing_key()
            signature = exchange.sign(data, key, issuer=issuer)
            key_id = exchange.key_id(exchange.public_key_text(key))
            result = ExportResult(
                bank=bank.name,
                format=fmt.name,
                active=sum(1 for s in signals if s.status == "active"),
                withdrawn=sum(1 for s in signals if s.status == "withdrawn"),
                key_id=key_id,
                sha256=hashlib.sha256(data).hexdigest(),
            )
            session.add(
                MediaExport(
                    bank_id=bank.id,
                    format=fmt.name,
                    sha256=result.sha256,
                    active_count=result.active,
                    withdrawn_count=result.withdrawn,
                    key_id=key_id,
                    created_by=actor.user_id,
                    created_at=utcnow(),
                )
            )
            self.audit.record(
                session,
                actor,
                "media.export",
                record_type="media_bank",
                record_id=bank.id,
                purpose=f"{fmt.name}: {len(signals)} rows",
            )
            return data, signature, result

    # ---- hashing and matching ----------------------------------------------------------

    def hash_upload(self, actor: Actor, data: bytes, filename: str) -> HashResult:
        self.authorizer.require(actor, Action.MEDIA_MATCH, record_type="media")
        return PdqHasher().hash_bytes(data, filename=filename)

    @staticmethod
    def hash_path(path: Path) -> HashResult:
        return hasher_for(path).hash_file(path)

    def match(
        self,
        actor: Actor,
        queries: Sequence[Query],
        *,
        bank_name: str | None = None,
        source: str = "staff",
        own_case: str | None = None,
    ) -> list[QueryMatches]:
        """Match queries against the active banks (or one); negative banks always apply.

        Every match of a positive bank is recorded with a review item (``source`` says where
        the media was seen); listeners hear of the items once they are committed.
        ``own_case``: the media is already evidence of that case, so its own banks are left
        out (a survivor's upload matching her own bank is no re-upload).
        """
        self.authorizer.require(actor, Action.MEDIA_MATCH, record_type="media")
        with self.db.transaction() as session:
            stmt = select(MediaBank).where(MediaBank.withdrawn_at.is_(None))
            banks = list(session.scalars(stmt.order_by(MediaBank.name)))
            if bank_name is not None:
                self._bank(session, bank_name)
                banks = [b for b in banks if b.name == bank_name or b.kind == "negative"]
            if own_case is not None:
                own = CaseService.find(session, own_case).id
                banks = [b for b in banks if b.case_id != own or b.kind == "negative"]
            results = [
                QueryMatches(label=q.label, hash=q.hashes[0][1] if q.hashes else "", matches=[])
                for q in queries
            ]
            rows: list[list[tuple[MediaMatch, str]]] = [[] for _ in queries]
            for bank in sorted(banks, key=lambda b: b.kind != "negative"):
                found = self.indexes.match_bank(session, bank, queries)
                for n, (result, query, items) in enumerate(
                    zip(results, queries, found, strict=True)
                ):
                    if bank.kind == "negative":
                        result.suppressed_by_negative_bank |= bool(items)
                        continue
                    if result.suppressed_by_negative_bank:
                        continue
                    for item, distance, kind in items:
                        result.matches.append(
                            HashMatchPublic(bank=bank.name, hash_id=item, distance=distance)
                        )
                        row = MediaMatch(
                            bank_id=bank.id,
                            hash_id=item,
                            case_id=bank.case_id,
                            distance=distance,
                            signal_type=kind,
                            query_label=query.label,
                            query_hash=result.hash[:64],
                            matched_at=utcnow(),
                            matched_by=actor.user_id,
                            reviewed=False,
                        )
                        session.add(row)
                        rows[n].append((row, bank.name))
            session.flush()
            pending = [
                (review, bank)
                for query, matched in zip(queries, rows, strict=True)
                if matched
                for review, (_, bank) in zip(
                    add_reviews(session, self.review_store, matched, query.media, source),
                    matched,
                    strict=True,
                )
            ]
            session.flush()
            created = [ReviewCreated(r.id, r.case_id, bank, r.source) for r, bank in pending]
            for result in results:
                result.matches.sort(key=lambda m: (m.distance, m.bank, m.hash_id))
            self.audit.record(
                session,
                actor,
                "media.match",
                record_type="media",
                purpose=f"{len(queries)} queries, {len(created)} matches",
            )
        for listener in self._review_listeners if created else ():
            try:
                listener(created)
            except Exception:  # the matches are committed; a failed alert must not undo them
                log.exception("review listener failed")
        return results
