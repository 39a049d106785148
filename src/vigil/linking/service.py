"""The linking service: identifiers into the graph, linked cases told, networks ranked.

Who sees what: a case's holder (its creator or assignee) and investigators learn that another
case shares a trace and whom to ask, never that case's reference or content. Only a supervisor
may open the other case, for a stated purpose, and the opening is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.errors import InvalidInput, NotFound, PermissionDenied
from vigil.linking import graph as graphs
from vigil.linking.base import Identifier
from vigil.linking.export import export_bytes
from vigil.linking.extract import IdentifierExtractor
from vigil.linking.schemas import (
    CaseLink,
    Holder,
    IdentifierOut,
    IngestResult,
    LinkNoticeOut,
    NetworkOut,
    OpenedLink,
    PostObservation,
    RepeatPerpetratorOut,
    SharedTrace,
)
from vigil.linking.store import LINK_KEY_FILE, GraphStore, Observation
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog, Outcome
from vigil.security.authorization import Authorizer
from vigil.security.keys import load_or_create_key
from vigil.security.permissions import Action
from vigil.settings import VigilSettings
from vigil.storage.database import Database
from vigil.storage.tables.accounts import User
from vigil.storage.tables.cases import Case
from vigil.storage.tables.linking import LinkEdge, LinkNode, LinkNotice

MIN_PURPOSE_LENGTH = 10


def _out(identifier: Identifier) -> IdentifierOut:
    return IdentifierOut(
        type=identifier.type,
        value=identifier.value,
        normalized=identifier.normalized,
        start=identifier.start,
        end=identifier.end,
        platform=identifier.platform,
        notes=list(identifier.notes),
    )


class LinkingService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        index_key: bytes,
        extractor: IdentifierExtractor | None = None,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.store = GraphStore(index_key)
        self.extractor = extractor or IdentifierExtractor()

    # ---- access rules ----------------------------------------------------------------------

    @staticmethod
    def _find_case(session: Session, reference: str) -> Case:
        reference = reference.strip().upper().replace(" ", "")
        case = session.scalar(select(Case).where(Case.reference == reference))
        if case is None:
            raise NotFound("no case with that reference")
        return case

    @staticmethod
    def holds(actor: Actor, case: Case) -> bool:
        return actor.is_operator or (
            actor.user_id is not None and actor.user_id in (case.created_by, case.assigned_to)
        )

    def _check_access(self, actor: Actor, reference: str, what: str) -> None:
        """The case's holder, an investigator/supervisor (link.read) or the operator.

        Checked in a transaction of its own, so a denial is audited without holding the
        write lock of the caller's transaction (SQLite has one writer).
        """
        with self.db.transaction() as session:
            case = self._find_case(session, reference)
            allowed = self.holds(actor, case) or self.authorizer.allows(actor, Action.LINK_READ)
            ref = case.reference
        if not allowed:
            self.audit.record_alone(
                actor, what, record_type="case", record_id=ref, outcome=Outcome.DENIED
            )
            raise PermissionDenied("you do not hold this case")

    @staticmethod
    def _holder(session: Session, case: Case) -> Holder:
        user_id = case.assigned_to or case.created_by
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or not user.active:
            return Holder(name="a supervisor", role="supervisor")
        return Holder(name=user.display_name, role=user.role)

    # ---- ingest ----------------------------------------------------------------------------

    def extract(self, text: str) -> list[Identifier]:
        return self.extractor.extract(text)

    def add_case_text(
        self,
        actor: Actor,
        reference: str,
        text: str,
        *,
        source: str = "case_text",
        source_ref: str | None = None,
        observed_at: datetime | None = None,
    ) -> IngestResult:
        """Extract identifiers from a report, note or capture of the case into the graph."""
        self.authorizer.require(actor, Action.CASE_UPDATE, record_type="case")
        found = self.extractor.extract(text)
        self._check_access(actor, reference, "link.ingest")
        with self.db.transaction() as session:
            case = self._find_case(session, reference)
            when = observed_at or utcnow()
            obs = Observation(source, when, source_ref, case.id, actor.user_id)
            case_node = self.store.case_node(session, case.id, when)
            for identifier in found:
                node = self.store.node(
                    session,
                    identifier.entity_kind,
                    identifier.normalized,
                    platform=identifier.platform,
                    seen=when,
                )
                self.store.edge(session, case_node, node, "mentions", obs)
            session.flush()
            new_links = self._notify(session, case)
            self.audit.record(
                session,
                actor,
                "link.ingest",
                record_type="case",
                record_id=case.reference,
                purpose=f"{len(found)} identifiers",
            )
        return IngestResult(identifiers=[_out(i) for i in found], new_links=new_links)

    def add_case_media(
        self,
        actor: Actor,
        reference: str,
        media_hash: str,
        *,
        evidence_ref: str,
        observed_at: datetime | None = None,
    ) -> int:
        """A media hash of the case's evidence; returns the number of new case links."""
        self.authorizer.require(actor, Action.EVIDENCE_ADD, record_type="case")
        self._check_access(actor, reference, "link.ingest")
        with self.db.transaction() as session:
            case = self._find_case(session, reference)
            when = observed_at or utcnow()
            obs = Observation("evidence", when, evidence_ref, case.id, actor.user_id)
            node = self.store.node(session, "media_hash", media_hash.lower(), seen=when)
            self.store.edge(
                session, self.store.case_node(session, case.id, when), node, "has_media", obs
            )
            session.flush()
            new_links = self._notify(session, case)
            self.audit.record(
                session,
                actor,
                "link.ingest",
                record_type="case",
                record_id=case.reference,
                purpose="media hash",
            )
        return new_links

    def record_post(self, actor: Actor, post: PostObservation) -> IngestResult:
        """A public post: its author, thread, reply target, media and identifiers."""
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="post")
        found = self.extractor.extract(post.text) if post.text else []
        with self.db.transaction() as session:
            case = self._find_case(session, post.case_reference) if post.case_reference else None
            obs = Observation(
                "post", post.posted_at, post.post_id[:64], case.id if case else None, actor.user_id
            )
            when = post.posted_at
            platform = post.platform.lower()
            author = self.store.node(
                session,
                "account",
                f"{platform}:{post.author.lower()}",
                platform=platform,
                seen=when,
            )
            node = self.store.node(
                session, "post", f"{platform}:{post.post_id}", seen=when, platform=platform
            )
            self.store.edge(session, author, node, "posted", obs)
            if case is not None:
                self.store.edge(
                    session, self.store.case_node(session, case.id, when), node, "includes", obs
                )
            if post.thread:
                thread = self.store.node(
                    session, "thread", f"{platform}:{post.thread}", seen=when, platform=platform
                )
                self.store.edge(session, node, thread, "in_thread", obs)
            if post.reply_to_author:
                target = self.store.node(
                    session,
                    "account",
                    f"{platform}:{post.reply_to_author.lower()}",
                    platform=platform,
                    seen=when,
                )
                self.store.edge(session, author, target, "replied_to", obs)
            for media in post.media_hashes:
                self.store.edge(
                    session,
                    node,
                    self.store.node(session, "media_hash", media.lower(), seen=when),
                    "has_media",
                    obs,
                )
            for identifier in found:
                self.store.edge(
                    session,
                    node,
                    self.store.node(
                        session,
                        identifier.entity_kind,
                        identifier.normalized,
                        platform=identifier.platform,
                        seen=when,
                    ),
                    "mentions",
                    obs,
                )
            session.flush()
            new_links = self._notify(session, case) if case is not None else 0
            self.audit.record(
                session, actor, "link.post", record_type="post", record_id=post.post_id
            )
        return IngestResult(identifiers=[_out(i) for i in found], new_links=new_links)

    def _notify(self, session: Session, case: Case) -> int:
        """Record a notice for both sides of every new link of ``case``."""
        mine = self.store.case_nodes(session, case.id)
        new = 0
        for other_id, shared in self.store.cases_touching(session, mine, case.id).items():
            for node_id in shared:
                for a, b in ((case.id, other_id), (other_id, case.id)):
                    exists = session.scalar(
                        select(LinkNotice.id).where(
                            LinkNotice.case_id == a,
                            LinkNotice.other_case_id == b,
                            LinkNotice.node_id == node_id,
                        )
                    )
                    if exists is None:
                        session.add(
                            LinkNotice(
                                case_id=a, other_case_id=b, node_id=node_id, created_at=utcnow()
                            )
                        )
                        new += 1
        session.flush()
        return new

    def forget_case(self, actor: Actor, reference: str, *, reason: str) -> int:
        """Remove a case's traces, notices and node from the graph (consent withdrawn,
        retention ended); traces other cases or public posts still show stay. Returns the
        number of observations removed."""
        self.authorizer.require(actor, Action.CASE_UPDATE, record_type="case")
        self._check_access(actor, reference, "link.forget")
        with self.db.transaction() as session:
            case = self._find_case(session, reference)
            edges = list(session.scalars(select(LinkEdge).where(LinkEdge.case_id == case.id)))
            for edge in edges:
                session.delete(edge)
            for notice in session.scalars(
                select(LinkNotice).where(
                    (LinkNotice.case_id == case.id) | (LinkNotice.other_case_id == case.id)
                )
            ):
                session.delete(notice)
            node = session.scalar(select(LinkNode).where(LinkNode.case_id == case.id))
            if node is not None:
                session.delete(node)
            session.flush()
            # Identifiers no observation refers to any more are personal data without purpose.
            used = select(LinkEdge.src_id).union(select(LinkEdge.dst_id))
            for orphan in session.scalars(select(LinkNode).where(LinkNode.id.not_in(used))):
                session.delete(orphan)
            self.audit.record(
                session,
                actor,
                "link.forget",
                record_type="case",
                record_id=case.reference,
                purpose=reason[:200],
            )
        return len(edges)

    # ---- linked cases ----------------------------------------------------------------------

    def _links(self, session: Session, case: Case) -> list[tuple[Case, CaseLink]]:
        rows = session.execute(
            select(LinkNotice, LinkNode)
            .join(LinkNode, LinkNode.id == LinkNotice.node_id)
            .where(LinkNotice.case_id == case.id)
            .order_by(LinkNotice.created_at)
        ).all()
        by_other: dict[int, list[tuple[LinkNotice, LinkNode]]] = {}
        for notice, node in rows:
            by_other.setdefault(notice.other_case_id, []).append((notice, node))
        links = []
        for other_id, items in by_other.items():
            other = session.get(Case, other_id)
            if other is None:
                continue
            links.append(
                (
                    other,
                    CaseLink(
                        token=self.store.token(case.id, other_id),
                        shared=[SharedTrace(kind=n.kind, value=n.label) for _x, n in items],
                        holder=self._holder(session, other),
                        first_linked=min(x.created_at for x, _n in items),
                    ),
                )
            )
        return links

    def links_for_case(self, actor: Actor, reference: str) -> list[CaseLink]:
        self.authorizer.require(actor, Action.CASE_READ, record_type="case")
        self._check_access(actor, reference, "link.list")
        with self.db.transaction() as session:
            case = self._find_case(session, reference)
            links = [link for _other, link in self._links(session, case)]
            self.audit.record(
                session,
                actor,
                "link.list",
                record_type="case",
                record_id=case.reference,
                purpose=f"{len(links)} links",
            )
            return links

    def notices(self, actor: Actor, *, unseen_only: bool = False) -> list[LinkNoticeOut]:
        """Links of the cases the actor holds, one entry per linked pair."""
        self.authorizer.require(actor, Action.CASE_READ, record_type="case")
        if actor.user_id is None:
            return []
        with self.db.transaction() as session:
            cases = session.scalars(
                select(Case).where(
                    (Case.created_by == actor.user_id) | (Case.assigned_to == actor.user_id)
                )
            )
            out = []
            for case in cases:
                for other, link in self._links(session, case):
                    notices = list(
                        session.scalars(
                            select(LinkNotice).where(
                                LinkNotice.case_id == case.id, LinkNotice.other_case_id == other.id
                            )
                        )
                    )
                    seen = all(n.seen_at is not None for n in notices)
                    if unseen_only and seen:
                        continue
                    out.append(
                        LinkNoticeOut(
                            id=min(n.id for n in notices),
                            case_reference=case.reference,
                            link=link,
                            seen=seen,
                        )
                    )
                    for n in notices:
                        n.seen_at = n.seen_at or utcnow()
            self.audit.record(
                session, actor, "link.notices", record_type="case", purpose=f"{len(out)} notices"
            )
            return out

    def open_link(self, actor: Actor, reference: str, token: str, purpose: str) -> OpenedLink:
        """A supervisor opens the other side of a link: audited, with a purpose."""
        self.authorizer.require(actor, Action.LINK_OPEN_OTHER_CASE, record_type="case")
        purpose = purpose.strip()
        if len(purpose) < MIN_PURPOSE_LENGTH:
            raise InvalidInput(
                "say why you open the linked case (10 characters or more)", field="purpose"
            )
        with self.db.transaction() as session:
            case = self._find_case(session, reference)
            for other, link in self._links(session, case):
                if link.token == token:
                    self.audit.record(
                        session,
                        actor,
                        "link.open_other_case",
                        record_type="case",
                        record_id=other.reference,
                        purpose=f"from {case.reference}: {purpose}",
                    )
                    return OpenedLink(
                        reference=other.reference,
                        title=other.title,
                        status=other.status,
                        created_at=other.created_at,
                        holder=link.holder,
                        shared=link.shared,
                    )
            raise NotFound("no such link for this case")

    # ---- graph and analysis ----------------------------------------------------------------

    @staticmethod
    def _rows(nodes: Iterable[LinkNode]) -> list[graphs.NodeRow]:
        return [
            graphs.NodeRow(n.id, n.kind, n.label, n.platform, n.case_id, n.first_seen, n.last_seen)
            for n in nodes
        ]

    @staticmethod
    def _edge_rows(edges: Iterable[LinkEdge]) -> list[graphs.EdgeRow]:
        return [
            graphs.EdgeRow(e.id, e.src_id, e.dst_id, e.relation, e.source, e.case_id, e.observed_at)
            for e in edges
        ]

    def _full_graph(self, session: Session) -> graphs.EntityGraph:
        nodes = self._rows(session.scalars(select(LinkNode)))
        edges = self._edge_rows(session.scalars(select(LinkEdge)))
        graph = graphs.build_graph(nodes, edges)
        for n in nodes:  # case labels are never case references outside a case's own view
            if n.kind == "case":
                graph.nodes[f"n{n.id}"]["label"] = f"case-{self.store.token('case', n.case_id)[:8]}"
        return graph

    def case_graph(self, actor: Actor, reference: str) -> graphs.EntityGraph:
        """The case, its traces, the public posts around them, and linked cases masked."""
        self.authorizer.require(actor, Action.LINK_READ, record_type="case")
        with self.db.transaction() as session:
            case = self._find_case(session, reference)
            mine = self.store.case_nodes(session, case.id)
            own = session.scalar(select(LinkNode).where(LinkNode.case_id == case.id))
            others = self.store.cases_touching(session, mine, case.id)
            edges = list(session.scalars(select(LinkEdge).where(LinkEdge.case_id == case.id)))
            for other_id, shared in others.items():
                other_node = session.scalar(select(LinkNode.id).where(LinkNode.case_id == other_id))
                edges += [
                    e
                    for e in session.scalars(select(LinkEdge).where(LinkEdge.case_id == other_id))
                    if {e.src_id, e.dst_id} <= shared | {other_node}
                ]
            if mine:
                edges += list(
                    session.scalars(
                        select(LinkEdge).where(
                            LinkEdge.case_id.is_(None),
                            LinkEdge.src_id.in_(mine) | LinkEdge.dst_id.in_(mine),
                        )
                    )
                )
            ids = {n for e in edges for n in (e.src_id, e.dst_id)} | ({own.id} if own else set())
            nodes = self._rows(session.scalars(select(LinkNode).where(LinkNode.id.in_(ids))))
            graph = graphs.build_graph(nodes, self._edge_rows(edges))
            for n in nodes:
                if n.kind != "case":
                    continue
                data = graph.nodes[f"n{n.id}"]
                if n.case_id == case.id:
                    data["label"] = case.reference
                else:
                    other = session.get(Case, n.case_id)
                    holder = self._holder(session, other) if other else Holder(name="?", role="")
                    data["label"] = (
                        other.reference
                        if actor.is_operator and other
                        else f"linked case (ask {holder.name})"
                    )
            self.audit.record(
                session, actor, "link.graph", record_type="case", record_id=case.reference
            )
            return graph

    def export_case_graph(self, actor: Actor, reference: str, fmt: str) -> bytes:
        return export_bytes(self.case_graph(actor, reference), fmt)

    def networks(self, actor: Actor, *, limit: int = 50) -> list[NetworkOut]:
        self.authorizer.require(actor, Action.LINK_READ, record_type="network")
        with self.db.transaction() as session:
            ranked = graphs.rank_networks(self._full_graph(session), limit=limit)
            self.audit.record(
                session,
                actor,
                "link.networks",
                record_type="network",
                purpose=f"{len(ranked)} networks",
            )
        return [NetworkOut(**vars(n)) for n in ranked]

    def repeat_perpetrators(self, actor: Actor) -> list[RepeatPerpetratorOut]:
        self.authorizer.require(actor, Action.LINK_READ, record_type="network")
        with self.db.transaction() as session:
            found = graphs.repeat_perpetrators(self._full_graph(session))
            self.audit.record(
                session,
                actor,
                "link.repeat_perpetrators",
                record_type="network",
                purpose=f"{len(found)} entries",
            )
        return [RepeatPerpetratorOut(**vars(r)) for r in found]


def linking_from_settings(
    settings: VigilSettings, db: Database, audit: AuditLog, authorizer: Authorizer
) -> LinkingService:
    """The service with this install's blind-index key (created on first use, mode 0600)."""
    key = load_or_create_key(settings.keys_dir, LINK_KEY_FILE)
    return LinkingService(db, audit, authorizer, key)
