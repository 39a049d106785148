"""The survivor's side: filing a report, the receipt, and everything done later with it.

The survivor holds a reference and a passphrase; only an argon2 hash of the passphrase is
stored. Every check is rate-limited and answers the same ``NotFound`` for an unknown reference
and a wrong passphrase, so nobody can learn which references exist.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.cases.base import EvidenceStore, StoredObject
from vigil.cases.consent import ConsentChangeResult, ConsentService
from vigil.cases.context import CaseDeps
from vigil.cases.references import (
    new_passphrase,
    new_reference,
    normalise_passphrase,
    normalise_reference,
    passphrase_from_digest,
)
from vigil.cases.schemas import MessagePublic, ReportCreate, ReportCredentials, SurvivorView
from vigil.cases.uploads import MAX_FILENAME, sniff_media_type
from vigil.clock import utcnow
from vigil.errors import Conflict, InvalidInput, NotFound
from vigil.security.actor import Actor
from vigil.security.audit import Outcome
from vigil.security.passwords import Passwords
from vigil.security.ratelimit import RateLimiter
from vigil.storage.tables.case_work import CaseEvidence, CaseMessage, DeletionRequest
from vigil.storage.tables.cases import Case, CaseIdentifier, CasePerson

NO_MATCH = "no report matches that reference and passphrase"
MAX_FILES = 10
#: A portal session ends after this long even while she stays active.
PORTAL_ABSOLUTE_SECONDS = 2 * 3600


@dataclass(frozen=True)
class Upload:
    filename: str | None
    data: bytes


class IntakeService:
    def __init__(
        self,
        deps: CaseDeps,
        consent: ConsentService,
        passwords: Passwords,
        limiter: RateLimiter,
        store: EvidenceStore,
    ) -> None:
        self.deps = deps
        self.consent = consent
        self.passwords = passwords
        self.limiter = limiter
        self.store = store

    # ---- filing -------------------------------------------------------------------------

    def _limit(self, client: str) -> None:
        self.limiter.hit(self.deps.options.portal_rate_limit, "portal", client)

    def _idempotent_passphrase(self, report: ReportCreate) -> tuple[str, str]:
        """(stored key hash, passphrase) for a report carrying an idempotency key.

        The passphrase is derived from the key and the whole report, so only a client that
        resends the same report with the same key can get it again.
        """
        assert report.idempotency_key is not None
        key_hash = hashlib.sha256(report.idempotency_key.encode()).hexdigest()
        payload = json.dumps(report.model_dump(mode="json"), sort_keys=True).encode()
        digest = hmac.new(self.deps.options.portal_key, b"passphrase\0" + payload, "sha256")
        return key_hash, passphrase_from_digest(digest.digest())

    def submit(
        self, report: ReportCreate, *, client: str, files: Sequence[Upload] = ()
    ) -> tuple[str, str]:
        """File a report; return (reference, passphrase). The passphrase is never stored."""
        self._limit(client)
        actor = Actor.portal()
        key_hash: str | None = None
        if report.idempotency_key:
            key_hash, passphrase = self._idempotent_passphrase(report)
            replay = self._replay(key_hash, passphrase)
            if replay is not None:
                return replay, passphrase
        else:
            passphrase = new_passphrase()
        passphrase_hash = self.passwords.hash(passphrase)
        stored = self._store_files(files)

        def write(session: Session) -> str:
            case = Case(
                reference=self._unique_reference(session),
                title=f"Portal report: {report.category}",
                status="new",
                created_at=utcnow(),
                source="portal",
                category=report.category,
                description=report.description,
                anonymous=report.anonymous,
                language=report.language,
                platform=report.platform,
                incident_when=report.when,
                wants=report.wants,
                passphrase_hash=passphrase_hash,
                idempotency_key=key_hash,
                updated_at=utcnow(),
            )
            session.add(case)
            session.flush()
            if report.name or report.contact:
                session.add(
                    CasePerson(
                        case_id=case.id,
                        role="survivor",
                        name=report.name,
                        contact=report.contact,
                        supplied_by="survivor",
                        created_at=utcnow(),
                    )
                )
            for kind, values in (("url", report.links), ("handle", report.handles)):
                for value in values:
                    session.add(
                        CaseIdentifier(
                            case_id=case.id,
                            kind=kind,
                            value=value,
                            platform=report.platform,
                            supplied_by="survivor",
                            created_at=utcnow(),
                        )
                    )
            self.consent.apply(session, case, report.consents, actor)
            self._add_evidence_rows(session, case, stored)
            self.deps.audit.record(
                session, actor, "report.submit", record_type="case", record_id=case.reference
            )
            return case.reference

        try:
            # Committed with the submissions that arrive meanwhile: one fsync for them all.
            reference = self.deps.db.grouped(write)
        except Exception:
            self._discard(stored)
            if key_hash is not None:  # a concurrent retry won the race: answer as a replay
                replay = self._replay(key_hash, passphrase)
                if replay is not None:
                    return replay, passphrase
            raise
        return reference, passphrase

    def _replay(self, key_hash: str, passphrase: str) -> str | None:
        with self.deps.db.transaction() as session:
            case = session.scalar(select(Case).where(Case.idempotency_key == key_hash))
            if case is None:
                return None
            if not self.passwords.verify(case.passphrase_hash, passphrase):
                raise Conflict(
                    "this idempotency_key was used for a different report", field="idempotency_key"
                )
            return case.reference

    @staticmethod
    def _unique_reference(session: Session) -> str:
        while True:
            reference = new_reference()
            if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
                return reference

    def _store_files(self, files: Sequence[Upload]) -> list[tuple[Upload, str, StoredObject]]:
        if len(files) > MAX_FILES:
            raise InvalidInput(f"send at most {MAX_FILES} files at a time", field="evidence")
        checked = [(f, sniff_media_type(f.data)) for f in files if f.data]
        stored: list[tuple[Upload, str, StoredObject]] = []
        try:
            for upload, media_type in checked:
                stored.append(
                    (upload, media_type, self.store.put(upload.data, media_type=media_type))
                )
        except Exception:
            self._discard(stored)
            raise
        return stored

    def _discard(self, stored: list[tuple[Upload, str, StoredObject]]) -> None:
        for _, _, obj in stored:
            self.store.delete(obj.key)

    @staticmethod
    def _add_evidence_rows(
        session: Session, case: Case, stored: list[tuple[Upload, str, StoredObject]]
    ) -> None:
        for upload, media_type, obj in stored:
            name = (upload.filename or "")[:MAX_FILENAME] or None
            session.add(
                CaseEvidence(
                    case_id=case.id,
                    sha256=obj.sha256,
                    size=obj.size,
                    media_type=media_type,
                    filename=name,
                    storage_key=obj.key,
                    supplied_by="survivor",
                    created_at=utcnow(),
                )
            )

    def check_files(self, files: Sequence[Upload]) -> list[str]:
        """The media type of each file, refusing the batch before anything is stored."""
        if len(files) > MAX_FILES:
            raise InvalidInput(f"send at most {MAX_FILES} files at a time", field="evidence")
        return [sniff_media_type(f.data) for f in files]

    def record_stored_evidence(
        self, case_id: int, upload: Upload, media_type: str, sha256: str, storage_key: str
    ) -> None:
        """Note in the case a file she supplied that another store (the vault) keeps."""
        with self.deps.db.transaction() as session:
            case = self._case(session, case_id)
            session.add(
                CaseEvidence(
                    case_id=case.id,
                    sha256=sha256,
                    size=len(upload.data),
                    media_type=media_type,
                    filename=(upload.filename or "")[:MAX_FILENAME] or None,
                    storage_key=storage_key,
                    supplied_by="survivor",
                    created_at=utcnow(),
                )
            )
            self._survivor_added_evidence(session, case, "1 file")

    def _survivor_added_evidence(self, session: Session, case: Case, purpose: str) -> None:
        """Touch the case and audit a survivor's evidence upload (files and/or links)."""
        case.updated_at = utcnow()
        self.deps.audit.record(
            session,
            Actor.portal(),
            "evidence.add",
            record_type="case",
            record_id=case.reference,
            purpose=purpose,
        )

    def case_id_of(self, reference: str) -> int:
        with self.deps.db.transaction() as session:
            case = session.scalar(
                select(Case).where(Case.reference == normalise_reference(reference))
            )
            if case is None:
                raise NotFound(NO_MATCH)
            return case.id

    def reference_of(self, case_id: int) -> str:
        with self.deps.db.transaction() as session:
            return self._case(session, case_id).reference

    # ---- coming back with reference and passphrase -------------------------------------

    def authenticate(self, creds: ReportCredentials, *, client: str) -> int:
        """The case id for these credentials, or the uniform ``NotFound``."""
        self._limit(client)
        reference = normalise_reference(creds.reference)
        with self.deps.db.transaction() as session:
            case = session.scalar(select(Case).where(Case.reference == reference))
            stored = case.passphrase_hash if case is not None else None
            # Always one argon2 verification, so timing does not tell which references exist.
            ok = self.passwords.verify(stored, normalise_passphrase(creds.passphrase))
            if case is None or not ok:
                self.deps.audit.record(
                    session,
                    Actor.portal(),
                    "report.check",
                    record_type="case",
                    outcome=Outcome.FAILURE,
                )
                failed = True
            else:
                failed = False
                self.deps.audit.record(
                    session,
                    Actor.portal(),
                    "report.check",
                    record_type="case",
                    record_id=case.reference,
                )
                case_id = case.id
        if failed:
            raise NotFound(NO_MATCH)
        return case_id

    def status(self, creds: ReportCredentials, *, client: str) -> str:
        case_id = self.authenticate(creds, client=client)
        with self.deps.db.transaction() as session:
            return self._case(session, case_id).status

    # Portal sessions: a signed, short-lived token in an HttpOnly cookie; no report data in it.

    def issue_token(self, case_id: int, previous: str | None = None) -> str:
        """A token ``case:started:expires:mac``; renewing keeps ``started`` (and the CSRF)."""
        now = int(time.time())
        started = now
        if previous:
            parts = previous.split(":")
            if len(parts) == 4 and parts[1].isdigit():
                started = int(parts[1])
        expires = min(
            now + self.deps.options.portal_session_minutes * 60, started + PORTAL_ABSOLUTE_SECONDS
        )
        payload = f"{case_id}:{started}:{expires}"
        return f"{payload}:{self._sign(payload)}"

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self.deps.options.portal_key, b"session\0" + payload.encode(), "sha256")
        return mac.hexdigest()[:40]

    def case_for_token(self, token: str | None) -> int:
        parts = (token or "").split(":")
        if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
            raise NotFound(NO_MATCH)
        payload = ":".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._sign(payload)) or int(parts[2]) < time.time():
            raise NotFound(NO_MATCH)
        with self.deps.db.transaction() as session:
            case = session.get(Case, int(parts[0]))
            if case is None or case.passphrase_hash is None:
                raise NotFound(NO_MATCH)
            return case.id

    def csrf_for(self, token: str) -> str:
        """Stable for one portal session (renewals included), different for the next."""
        session_id = ":".join(token.split(":")[:2])
        mac = hmac.new(self.deps.options.portal_key, b"csrf\0" + session_id.encode(), "sha256")
        return mac.hexdigest()[:40]

    # ---- what she can do once in -------------------------------------------------------

    @staticmethod
    def _case(session: Session, case_id: int) -> Case:
        case = session.get(Case, case_id)
        if case is None or case.passphrase_hash is None:
            raise NotFound(NO_MATCH)
        return case

    def view(self, case_id: int) -> SurvivorView:
        with self.deps.db.transaction() as session:
            case = self._case(session, case_id)
            messages = session.scalars(
                select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id)
            )
            evidence = session.scalar(
                select(func.count())
                .select_from(CaseEvidence)
                .where(CaseEvidence.case_id == case.id)
            )
            deletion = session.scalar(
                select(DeletionRequest.id).where(DeletionRequest.case_id == case.id).limit(1)
            )
            self.deps.audit.record(
                session, Actor.portal(), "report.view", record_type="case", record_id=case.reference
            )
            return SurvivorView(
                reference=case.reference,
                status=case.status,
                consents=self.consent.current(session, case),
                messages=[MessagePublic.model_validate(m) for m in messages],
                evidence_count=int(evidence or 0),
                deletion_requested=deletion is not None,
            )

    def add_evidence(self, case_id: int, files: Sequence[Upload], links: Sequence[str] = ()) -> int:
        from vigil.cases.schemas import check_url

        try:
            urls = [check_url(link) for link in links if link.strip()]
        except ValueError as exc:
            raise InvalidInput(str(exc), field="links") from None
        if not files and not urls:
            raise InvalidInput("choose a file or give a link", field="evidence")
        stored = self._store_files(files)
        try:
            with self.deps.db.transaction() as session:
                case = self._case(session, case_id)
                self._add_evidence_rows(session, case, stored)
                for url in urls:
                    session.add(
                        CaseIdentifier(
                            case_id=case.id,
                            kind="url",
                            value=url,
                            supplied_by="survivor",
                            created_at=utcnow(),
                        )
                    )
                self._survivor_added_evidence(
                    session, case, f"{len(stored)} files, {len(urls)} links"
                )
        except Exception:
            self._discard(stored)
            raise
        return len(stored) + len(urls)

    def send_message(self, case_id: int, body: str) -> None:
        body = body.strip()
        if not body or len(body) > 5000:
            raise InvalidInput("write a message of up to 5000 characters", field="body")
        with self.deps.db.transaction() as session:
            case = self._case(session, case_id)
            session.add(
                CaseMessage(
                    case_id=case.id, direction="from_survivor", body=body, created_at=utcnow()
                )
            )
            case.updated_at = utcnow()
            self.deps.audit.record(
                session,
                Actor.portal(),
                "message.create",
                record_type="case",
                record_id=case.reference,
            )

    def change_consent(self, case_id: int, granted: Sequence[str]) -> ConsentChangeResult:
        with self.deps.db.transaction() as session:
            case = self._case(session, case_id)
            return self.consent.apply(session, case, granted, Actor.portal())

    def request_deletion(self, case_id: int) -> str:
        with self.deps.db.transaction() as session:
            case = self._case(session, case_id)
            exists = session.scalar(
                select(DeletionRequest.id).where(
                    DeletionRequest.case_id == case.id, DeletionRequest.status == "pending"
                )
            )
            if exists is None:
                session.add(
                    DeletionRequest(case_id=case.id, requested_at=utcnow(), status="pending")
                )
                self.deps.audit.record(
                    session,
                    Actor.portal(),
                    "case.deletion_request",
                    record_type="case",
                    record_id=case.reference,
                )
            return case.reference
