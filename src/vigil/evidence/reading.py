"""Reading an item's bytes as a stream: downloads and bundles of any size in bounded memory.

The vault opens a file one 1 MiB segment at a time, each checked against its AES-GCM tag
before it is yielded (``sealing.open_stream``): a segment that fails stops the stream with
``IntegrityError`` and its bytes are never released; the whole is checked against its address
at the end. The first segment is read before the custody event is written, so a missing or
damaged file is refused cleanly, with nothing recorded and nothing sent.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from vigil.errors import InvalidInput, NotFound
from vigil.evidence.custody import CustodyAction
from vigil.evidence.lifecycle import log_item_event
from vigil.evidence.queries import load_item
from vigil.evidence.schemas import EvidencePublic
from vigil.security.actor import Actor
from vigil.security.permissions import Action

if TYPE_CHECKING:
    from vigil.evidence.service import EvidenceService

RECORD = "evidence"
T = TypeVar("T")


def access(
    service: EvidenceService,
    actor: Actor,
    uid: str,
    action: CustodyAction,
    reason: str | None,
    read: Callable[[str], T],
) -> tuple[EvidencePublic, T]:
    """``read(sha256)`` an item's content for a view or a download: authorised, one custody
    event and one audit record, written after ``read`` returned (so a failed read leaves none)."""
    if action not in (CustodyAction.VIEW, CustodyAction.DOWNLOAD):
        raise InvalidInput("content is read to view or to download", field="action")
    service.authorizer.require(actor, Action.EVIDENCE_READ, record_type=RECORD, record_id=uid)
    with service.db.transaction() as session:
        loaded = load_item(session, uid)
        if loaded.item.deleted_at is not None:
            raise NotFound("this evidence item was deleted")
        content = read(loaded.blob.sha256)
        log_item_event(service, session, loaded, action, actor, reason=reason)
        return loaded.public(), content


def stream_content(
    service: EvidenceService,
    actor: Actor,
    uid: str,
    action: CustodyAction = CustodyAction.DOWNLOAD,
    reason: str | None = None,
) -> tuple[EvidencePublic, Iterator[bytes]]:
    """The item and an iterator of its verified plaintext chunks; the access is recorded
    (committed) before the bytes go, once the first segment has opened."""

    def first_then_rest(sha256: str) -> Iterator[bytes]:
        chunks = service.vault.chunks(sha256)
        first = next(chunks, b"")  # a missing file or a bad first segment fails here
        return itertools.chain((first,), chunks)

    return access(service, actor, uid, action, reason, first_then_rest)
