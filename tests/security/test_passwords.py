"""The password policy and argon2id hashing."""

from __future__ import annotations

import pytest

from vigil.errors import InvalidInput
from vigil.security.passwords import Passwords, check_password_policy


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pw", "at least 12"),
        ("x" * 129, "at most 128"),
        ("password1234", "common"),
        ("qwertyuiop123", "common|easy to guess"),
        ("abcabcabcabc1", "easy to guess"),
        ("letmein12345", "common|easy to guess"),
        ("aaaaaaaaaaaaaaaa", "easy to guess"),
    ],
)
def test_weak_passwords_are_refused(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as info:
        check_password_policy(password)
    assert info.value.field == "password"


@pytest.mark.parametrize(
    "password",
    [
        "amber-lantern-quietly-9-rivers",
        "맑은 하늘 아래 고양이 세 마리",
        "k" * 4 + "Zq9!vT2#mW7&pL" * 8,
    ],
)
def test_strong_passwords_pass(password: str) -> None:
    check_password_policy(password)


def test_password_containing_the_username_is_weaker() -> None:
    with pytest.raises(InvalidInput):
        check_password_policy("marija.petrovska1", user_inputs=("marija.petrovska",))


def test_hash_is_argon2id_and_verifies() -> None:
    passwords = Passwords()
    digest = passwords.hash("amber-lantern-quietly-9-rivers")
    assert digest.startswith("$argon2id$")
    assert passwords.verify(digest, "amber-lantern-quietly-9-rivers")
    assert not passwords.verify(digest, "amber-lantern-quietly-9-river")
    assert not passwords.verify(None, "anything")  # unknown user: dummy hash, still False
    assert not passwords.verify("not-a-hash", "anything")
