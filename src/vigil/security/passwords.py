"""argon2id password hashing and the password policy (NIST SP 800-63B style).

Length 12–128, checked against zxcvbn's bundled list of 30,000 common passwords and its
guessability estimate; no composition rules, which only push people to predictable patterns.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from vigil.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
#: zxcvbn scores 0–4; 3 means "safely unguessable: moderate protection from offline attack".
MIN_ZXCVBN_SCORE = 3
#: argon2id cost for machine-generated secrets (see ``Passwords.for_machine_secrets``):
#: about 1 ms a hash (8 MiB took 4 ms, a third of a portal submission's CPU time).
MACHINE_SECRET_TIME_COST = 1
MACHINE_SECRET_MEMORY_KIB = 2 * 1024
#: zxcvbn's cost grows with length; the first 64 characters are enough to judge.
_ZXCVBN_PREFIX = 64


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, *, user_inputs: tuple[str, ...] = ()) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )
    if password.lower() in _common_passwords():
        raise InvalidInput("password is on the list of common passwords", field="password")
    result = zxcvbn(password[:_ZXCVBN_PREFIX], user_inputs=list(user_inputs))
    if result["score"] < MIN_ZXCVBN_SCORE:
        raise InvalidInput(
            "password is too easy to guess; a few unrelated words make a strong one",
            field="password",
        )


class Passwords:
    """Hashes and verifies passwords with argon2id (argon2-cffi's RFC 9106 defaults)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Verified against when a username is unknown, so timing does not reveal which exist.
        self._dummy = self._hasher.hash("vigil-dummy-password-for-timing")

    @classmethod
    def for_machine_secrets(cls) -> Passwords:
        """Light argon2id for secrets Vigil generates itself (report passphrases, ≥ 90 bits).

        Stretching protects guessable, human-chosen passwords; a random 98-bit passphrase is
        out of reach of offline guessing even with a fast hash, so the portal can afford 100+
        submissions a second on two cores. Staff passwords keep the full-cost defaults.
        """
        return cls(
            PasswordHasher(
                time_cost=MACHINE_SECRET_TIME_COST,
                memory_cost=MACHINE_SECRET_MEMORY_KIB,
                parallelism=1,
            )
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
