"""Staff accounts: create and manage users, sign in with password and TOTP, sessions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.errors import AuthenticationRequired, Conflict, InvalidInput, NotFound
from vigil.security import sessions, totp
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog, Outcome
from vigil.security.authorization import Authorizer
from vigil.security.passwords import Passwords, check_password_policy
from vigil.security.permissions import MFA_REQUIRED_ROLES, Action, Role
from vigil.security.ratelimit import RateLimiter
from vigil.security.schemas import UserCreate, UserPublic, UserUpdate
from vigil.storage.database import Database
from vigil.storage.tables.accounts import User

WRONG_CREDENTIALS = "wrong username or password"


class MfaState(StrEnum):
    PASSED = "passed"  # fully signed in
    VERIFY = "verify"  # must enter a TOTP code
    ENROL = "enrol"  # role requires TOTP and none is set up yet


@dataclass(frozen=True)
class LoginResult:
    token: str
    csrf_token: str
    mfa: MfaState


@dataclass(frozen=True)
class AuthContext:
    """A resolved session: who it is and how far they have signed in."""

    actor: Actor
    csrf_token: str
    mfa: MfaState
    language: str

    @property
    def fully_signed_in(self) -> bool:
        return self.mfa is MfaState.PASSED


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str


@dataclass(frozen=True)
class LoginLimits:
    per_client: str
    per_username: str


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, label=user.username, role=Role(user.role))


def _mfa_state(user: User, mfa_passed: bool) -> MfaState:
    if mfa_passed:
        return MfaState.PASSED
    if user.totp_enabled:
        return MfaState.VERIFY
    if Role(user.role) in MFA_REQUIRED_ROLES:
        return MfaState.ENROL
    return MfaState.PASSED


class AccountService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        passwords: Passwords,
        limiter: RateLimiter,
        limits: LoginLimits,
        session_policy: sessions.SessionPolicy,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.passwords = passwords
        self.limiter = limiter
        self.limits = limits
        self.session_policy = session_policy

    # ---- managing accounts -------------------------------------------------------------

    def create_user(self, actor: Actor, data: UserCreate) -> UserPublic:
        self.authorizer.require(actor, Action.USER_MANAGE, record_type="user")
        check_password_policy(data.password, user_inputs=(data.username, data.display_name))
        password_hash = self.passwords.hash(data.password)
        with self.db.transaction() as session:
            exists = session.scalar(select(User.id).where(User.username == data.username))
            if exists is not None:
                raise Conflict("that username is taken", field="username")
            user = User(
                username=data.username,
                display_name=data.display_name,
                role=str(data.role),
                password_hash=password_hash,
                totp_enabled=False,
                language=data.language,
                active=True,
                created_at=utcnow(),
                password_changed_at=utcnow(),
            )
            session.add(user)
            session.flush()
            self.audit.record(session, actor, "user.create", record_type="user", record_id=user.id)
            return UserPublic.model_validate(user)

    def count_users(self) -> int:
        with self.db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(User)) or 0)

    def list_users(self, actor: Actor) -> list[UserPublic]:
        self.authorizer.require(actor, Action.USER_MANAGE, record_type="user")
        with self.db.transaction() as session:
            users = session.scalars(select(User).order_by(User.username))
            return [UserPublic.model_validate(u) for u in users]

    def get_user(self, actor: Actor, user_id: int) -> UserPublic:
        self.authorizer.require(actor, Action.USER_MANAGE, record_type="user", record_id=user_id)
        with self.db.transaction() as session:
            return UserPublic.model_validate(self._user(session, user_id))

    def update_user(self, actor: Actor, user_id: int, change: UserUpdate) -> UserPublic:
        self.authorizer.require(actor, Action.USER_MANAGE, record_type="user", record_id=user_id)
        with self.db.transaction() as session:
            user = self._user(session, user_id)
            if user.id == actor.user_id and (change.active is False or change.role):
                raise InvalidInput("you cannot demote or deactivate yourself", field="role")
            if change.role is not None:
                user.role = str(change.role)
            if change.display_name is not None:
                user.display_name = change.display_name
            if change.active is not None:
                user.active = change.active
            if change.reset_mfa:
                user.totp_enabled = False
                user.totp_secret = None
                user.totp_last_step = None
            if change.active is False or change.reset_mfa or change.role is not None:
                sessions.close_all_sessions(session, user.id)
            self.audit.record(session, actor, "user.update", record_type="user", record_id=user.id)
            return UserPublic.model_validate(user)

    def set_password(self, actor: Actor, user_id: int, new_password: str) -> None:
        """Operator or admin reset; the user's sessions end."""
        self.authorizer.require(actor, Action.USER_MANAGE, record_type="user", record_id=user_id)
        with self.db.transaction() as session:
            user = self._user(session, user_id)
            check_password_policy(new_password, user_inputs=(user.username,))
            user.password_hash = self.passwords.hash(new_password)
            user.password_changed_at = utcnow()
            sessions.close_all_sessions(session, user.id)
            self.audit.record(
                session, actor, "user.password_reset", record_type="user", record_id=user.id
            )

    def profile(self, user_id: int) -> UserPublic:
        """A signed-in user's own account."""
        with self.db.transaction() as session:
            return UserPublic.model_validate(self._user(session, user_id))

    def find_user_id(self, username: str) -> int | None:
        with self.db.transaction() as session:
            return session.scalar(select(User.id).where(User.username == username.lower()))

    # ---- signing in ----------------------------------------------------------------------

    def login(
        self, username: str, password: str, *, client: str, previous_token: str | None = None
    ) -> LoginResult:
        """Check a password. The same error for unknown users and wrong passwords."""
        username = username.strip().lower()
        self.limiter.hit(self.limits.per_client, "login-client", client)
        self.limiter.hit(self.limits.per_username, "login-user", username)
        with self.db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username))
            ok = self.passwords.verify(user.password_hash if user else None, password)
            if user is None or not ok or not user.active:
                label = user.username if user else "unknown"
                self.audit.record(
                    session,
                    Actor(user_id=user.id if user else None, label=label, role=None),
                    "auth.sign_in",
                    outcome=Outcome.FAILURE,
                )
                failed = True
            else:
                failed = False
                if self.passwords.needs_rehash(user.password_hash):
                    user.password_hash = self.passwords.hash(password)
                if previous_token:
                    sessions.close_session(session, previous_token)  # rotate at login
                state = _mfa_state(user, mfa_passed=False)
                opened = sessions.open_session(session, user, mfa_passed=state is MfaState.PASSED)
                action = "auth.sign_in" if state is MfaState.PASSED else "auth.password"
                self.audit.record(session, _actor(user), action)
        if failed:
            raise AuthenticationRequired(WRONG_CREDENTIALS)
        return LoginResult(opened.token, opened.csrf_token, state)

    def resolve(self, token: str) -> AuthContext | None:
        with self.db.transaction() as session:
            row = sessions.find_session(session, token, self.session_policy)
            if row is None:
                return None
            user = session.get(User, row.user_id)
            if user is None or not user.active:
                return None
            return AuthContext(
                actor=_actor(user),
                csrf_token=row.csrf_token,
                mfa=_mfa_state(user, row.mfa_passed),
                language=user.language,
            )

    def verify_mfa(self, token: str, code: str, *, client: str) -> LoginResult:
        self.limiter.hit(self.limits.per_client, "mfa-client", client)
        with self.db.transaction() as session:
            row = sessions.find_session(session, token, self.session_policy)
            user = session.get(User, row.user_id) if row else None
            if row is None or user is None or not user.totp_enabled or not user.totp_secret:
                raise AuthenticationRequired("sign in again")
            self.limiter.hit(self.limits.per_username, "mfa-user", user.username)
            step = totp.matching_step(user.totp_secret, code)
            if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
                self.audit.record(session, _actor(user), "auth.mfa", outcome=Outcome.FAILURE)
                failed = True
            else:
                failed = False
                user.totp_last_step = step
                sessions.close_session(session, token)  # new privileges, new session id
                opened = sessions.open_session(session, user, mfa_passed=True)
                self.audit.record(session, _actor(user), "auth.sign_in")
        if failed:
            raise InvalidInput("that code is not right; try the newest one", field="code")
        return LoginResult(opened.token, opened.csrf_token, MfaState.PASSED)

    def begin_enrolment(self, token: str) -> Enrolment:
        with self.db.transaction() as session:
            user = self._session_user(session, token)
            if user.totp_enabled:
                raise Conflict("a second factor is already set up; an admin can reset it")
            if user.totp_secret is None:  # keep a pending secret: the QR may be scanned already
                user.totp_secret = totp.new_secret()
            uri = totp.provisioning_uri(user.totp_secret, user.username)
            return Enrolment(secret=user.totp_secret, uri=uri, qr_svg=totp.qr_svg(uri))

    def confirm_enrolment(self, token: str, code: str, *, client: str) -> LoginResult:
        self.limiter.hit(self.limits.per_client, "mfa-client", client)
        with self.db.transaction() as session:
            user = self._session_user(session, token)
            if user.totp_enabled or not user.totp_secret:
                raise Conflict("start the set-up of the second factor first")
            step = totp.matching_step(user.totp_secret, code)
            if step is None:
                raise InvalidInput("that code is not right; check the phone's clock", field="code")
            user.totp_enabled = True
            user.totp_last_step = step
            sessions.close_session(session, token)
            opened = sessions.open_session(session, user, mfa_passed=True)
            self.audit.record(
                session, _actor(user), "auth.mfa_enrol", record_type="user", record_id=user.id
            )
            self.audit.record(session, _actor(user), "auth.sign_in")
        return LoginResult(opened.token, opened.csrf_token, MfaState.PASSED)

    def change_password(self, token: str, current: str, new: str) -> LoginResult:
        with self.db.transaction() as session:
            user = self._session_user(session, token)
            if not self.passwords.verify(user.password_hash, current):
                raise InvalidInput("the current password is not right", field="current_password")
            check_password_policy(new, user_inputs=(user.username, user.display_name))
            user.password_hash = self.passwords.hash(new)
            user.password_changed_at = utcnow()
            sessions.close_all_sessions(session, user.id)
            opened = sessions.open_session(session, user, mfa_passed=True)
            self.audit.record(
                session, _actor(user), "user.password_change", record_type="user", record_id=user.id
            )
        return LoginResult(opened.token, opened.csrf_token, MfaState.PASSED)

    def logout(self, token: str) -> None:
        with self.db.transaction() as session:
            row = sessions.find_session(session, token, self.session_policy)
            if row is not None:
                user = session.get(User, row.user_id)
                sessions.close_session(session, token)
                if user is not None:
                    self.audit.record(session, _actor(user), "auth.sign_out")

    # ---- helpers -------------------------------------------------------------------------

    @staticmethod
    def _user(session: Session, user_id: int) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    def _session_user(self, session: Session, token: str) -> User:
        row = sessions.find_session(session, token, self.session_policy)
        user = session.get(User, row.user_id) if row else None
        if user is None or not user.active:
            raise AuthenticationRequired("sign in again")
        return user
