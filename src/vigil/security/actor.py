"""Who is acting: a signed-in staff member, the local operator (CLI), or the survivor portal."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.security.permissions import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    role: Role | None
    #: The operator at the machine's shell (``vigil`` CLI) already holds the data folder and
    #: its keys, so the permission matrix does not bind it; its actions are still audited.
    is_operator: bool = False

    @classmethod
    def operator(cls, label: str = "cli") -> Actor:
        return cls(user_id=None, label=f"operator:{label}", role=None, is_operator=True)

    @classmethod
    def portal(cls) -> Actor:
        """A survivor using the public portal: no account, no role."""
        return cls(user_id=None, label="portal", role=None)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user_id=None, label="anonymous", role=None)
