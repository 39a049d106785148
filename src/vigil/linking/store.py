"""Nodes and edges of the entity graph, inside a caller's transaction."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.storage.tables.linking import LinkEdge, LinkNode

LINK_KEY_FILE = "linking-index.key"


@dataclass(frozen=True)
class Observation:
    """Where an edge was seen: ``source`` (case_text, post, evidence, manual, …), an opaque
    ``source_ref`` (a post id, an evidence id), and when."""

    source: str
    observed_at: datetime
    source_ref: str | None = None
    case_id: int | None = None
    created_by: int | None = None


class GraphStore:
    def __init__(self, index_key: bytes) -> None:
        self._key = index_key

    def key_hash(self, kind: str, key: str) -> str:
        return hmac.new(self._key, f"{kind}:{key}".encode(), hashlib.sha256).hexdigest()

    def token(self, *parts: object) -> str:
        """An opaque, unguessable handle for a pair of cases (never their references)."""
        text = "|".join(str(p) for p in parts)
        return hmac.new(self._key, b"token|" + text.encode(), hashlib.sha256).hexdigest()[:20]

    def node(
        self,
        session: Session,
        kind: str,
        key: str,
        *,
        label: str | None = None,
        platform: str | None = None,
        seen: datetime,
        case_id: int | None = None,
    ) -> LinkNode:
        key_hash = self.key_hash(kind, key)
        node = session.scalar(select(LinkNode).where(LinkNode.key_hash == key_hash))
        if node is None:
            node = LinkNode(
                kind=kind,
                key_hash=key_hash,
                label=label or key,
                platform=platform,
                case_id=case_id,
                first_seen=seen,
                last_seen=seen,
            )
            session.add(node)
            session.flush()
            return node
        node.first_seen = min(node.first_seen, seen)
        node.last_seen = max(node.last_seen, seen)
        if platform and not node.platform:
            node.platform = platform
        return node

    def case_node(self, session: Session, case_id: int, seen: datetime) -> LinkNode:
        return self.node(
            session, "case", str(case_id), label=f"case {case_id}", seen=seen, case_id=case_id
        )

    def edge(
        self, session: Session, src: LinkNode, dst: LinkNode, relation: str, obs: Observation
    ) -> LinkEdge:
        """Add an edge unless the same observation is already recorded."""
        existing = session.scalar(
            select(LinkEdge).where(
                LinkEdge.src_id == src.id,
                LinkEdge.dst_id == dst.id,
                LinkEdge.relation == relation,
                LinkEdge.source == obs.source,
                LinkEdge.source_ref == obs.source_ref
                if obs.source_ref is not None
                else LinkEdge.source_ref.is_(None),
                LinkEdge.case_id == obs.case_id
                if obs.case_id is not None
                else LinkEdge.case_id.is_(None),
            )
        )
        if existing is not None:
            return existing
        edge = LinkEdge(
            src_id=src.id,
            dst_id=dst.id,
            relation=relation,
            source=obs.source,
            source_ref=obs.source_ref,
            case_id=obs.case_id,
            observed_at=obs.observed_at,
            created_at=obs.observed_at,
            created_by=obs.created_by,
        )
        session.add(edge)
        return edge

    @staticmethod
    def case_nodes(session: Session, case_id: int) -> set[int]:
        """Nodes this case's observations touch, the case's own node excluded."""
        rows = session.execute(
            select(LinkEdge.src_id, LinkEdge.dst_id).where(LinkEdge.case_id == case_id)
        )
        own = session.scalar(select(LinkNode.id).where(LinkNode.case_id == case_id))
        return {n for row in rows for n in row if n != own}

    @staticmethod
    def cases_touching(
        session: Session, node_ids: set[int], exclude_case: int
    ) -> dict[int, set[int]]:
        """Other case id → the nodes of ``node_ids`` its observations touch."""
        if not node_ids:
            return {}
        ids = list(node_ids)
        rows = session.execute(
            select(LinkEdge.case_id, LinkEdge.src_id, LinkEdge.dst_id).where(
                LinkEdge.case_id.is_not(None),
                LinkEdge.case_id != exclude_case,
                or_(LinkEdge.src_id.in_(ids), LinkEdge.dst_id.in_(ids)),
            )
        )
        shared: dict[int, set[int]] = {}
        for case_id, src, dst in rows:
            assert case_id is not None
            shared.setdefault(case_id, set()).update(n for n in (src, dst) if n in node_ids)
        return shared
