"""The one place where the permission matrix is applied."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.errors import PermissionDenied
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog, Outcome
from vigil.security.permissions import Action, is_allowed


@dataclass
class Authorizer:
    audit: AuditLog

    def allows(self, actor: Actor, action: Action) -> bool:
        return actor.is_operator or (actor.role is not None and is_allowed(actor.role, action))

    def require(
        self,
        actor: Actor,
        action: Action,
        *,
        record_type: str | None = None,
        record_id: object | None = None,
    ) -> None:
        """Raise ``PermissionDenied`` (and audit the denial) unless ``actor`` may ``action``."""
        if self.allows(actor, action):
            return
        self.audit.record_alone(
            actor,
            str(action),
            record_type=record_type,
            record_id=record_id,
            outcome=Outcome.DENIED,
        )
        raise PermissionDenied(f"your role may not perform {action}")
