"""Server-side sessions: the browser holds a 128-bit random id; the database, its hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.storage.tables.accounts import User, WebSession

SESSION_ID_BYTES = 16  # 128 bits
#: Refresh last_seen at most this often, so reads do not each cost a write.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class OpenSession:
    token: str
    csrf_token: str


def open_session(session: Session, user: User, *, mfa_passed: bool) -> OpenSession:
    token = secrets.token_urlsafe(SESSION_ID_BYTES)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            id_hash=_hash(token),
            user_id=user.id,
            csrf_token=csrf,
            mfa_passed=mfa_passed,
            created_at=now,
            last_seen_at=now,
        )
    )
    return OpenSession(token=token, csrf_token=csrf)


def find_session(
    session: Session, token: str, policy: SessionPolicy, *, now: datetime | None = None
) -> WebSession | None:
    """The live session for ``token``; expired ones are deleted and give None."""
    if not token or len(token) > 64:
        return None
    row = session.get(WebSession, _hash(token))
    if row is None:
        return None
    now = now or utcnow()
    if now - row.last_seen_at > policy.idle or now - row.created_at > policy.absolute:
        session.delete(row)
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return row


def close_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_hash == _hash(token)))


def close_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def purge_expired(session: Session, policy: SessionPolicy) -> int:
    now = utcnow()
    result = session.execute(
        delete(WebSession).where(
            (WebSession.last_seen_at < now - policy.idle)
            | (WebSession.created_at < now - policy.absolute)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
