"""The entity graph in networkx: loading, networks of accounts, repeat perpetrators.

Nodes carry ``kind``, ``label``, ``platform``, ``first_seen``/``last_seen``; edges carry
``relation``, ``seen_in`` (where it was observed), ``observed_at`` (ISO strings, so GraphML and
GEXF keep them).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations
from typing import TypeAlias

import networkx as nx

from vigil.linking.lookalike import lookalike_pairs

#: How much each kind of shared trace says that two accounts act together.
NETWORK_WEIGHTS = {
    "shared_identifier": 3.0,
    "lookalike": 2.5,
    "shared_media": 2.0,
    "same_case": 1.5,
    "co_posting": 1.0,
    "reply_pattern": 1.0,
}
#: Accounts posting in the same thread within this window are co-posting.
CO_POSTING_WINDOW = timedelta(hours=1)
#: Accounts replying to the same target this many times or more form a reply pattern.
REPLY_PATTERN_MIN = 2
#: Identifier kinds that, shared, tie accounts to one person (URLs are too common to count).
TYING_KINDS = frozenset({"phone", "email", "iban", "card", "btc", "eth", "tron"})
#: The entity graph: node ids are strings ("n12"), data as described above.
EntityGraph: TypeAlias = "nx.MultiDiGraph[str]"
AccountGraph: TypeAlias = "nx.Graph[str]"

#: Seed for community detection, so the same graph always gives the same networks.
COMMUNITY_SEED = 7


@dataclass(frozen=True)
class NodeRow:
    id: int
    kind: str
    label: str
    platform: str | None
    case_id: int | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class EdgeRow:
    id: int
    src: int
    dst: int
    relation: str
    source: str
    case_id: int | None
    observed_at: datetime


def build_graph(nodes: Iterable[NodeRow], edges: Iterable[EdgeRow]) -> EntityGraph:
    graph: EntityGraph = nx.MultiDiGraph()
    for n in nodes:
        graph.add_node(
            f"n{n.id}",
            kind=n.kind,
            label=n.label,
            platform=n.platform or "",
            first_seen=n.first_seen.isoformat(),
            last_seen=n.last_seen.isoformat(),
        )
    for e in edges:
        if f"n{e.src}" in graph and f"n{e.dst}" in graph:
            graph.add_edge(
                f"n{e.src}",
                f"n{e.dst}",
                key=f"e{e.id}",
                relation=e.relation,
                seen_in=e.source,
                observed_at=e.observed_at.isoformat(),
                case=f"n-case-{e.case_id}" if e.case_id is not None else "",
            )
    return graph


@dataclass
class Network:
    rank: int
    score: float
    accounts: list[str]
    evidence: dict[str, int]
    cases: int
    first_seen: str
    last_seen: str


@dataclass
class RepeatPerpetrator:
    label: str
    kind: str
    platform: str
    cases: int
    aliases: list[str] = field(default_factory=list)
    first_seen: str = ""
    last_seen: str = ""


def _cases_of(graph: EntityGraph, node: str) -> set[str]:
    found = set()
    for _u, _v, data in graph.in_edges(node, data=True):
        if data.get("case"):
            found.add(str(data["case"]))
    for _u, _v, data in graph.out_edges(node, data=True):
        if data.get("case"):
            found.add(str(data["case"]))
    return found


def account_projection(graph: EntityGraph) -> AccountGraph:
    """Accounts joined by weighted evidence of acting together."""
    accounts = [n for n, d in graph.nodes(data=True) if d["kind"] == "account"]
    proj: AccountGraph = nx.Graph()
    proj.add_nodes_from(accounts)

    def tie(a: str, b: str, why: str) -> None:
        if a == b:
            return
        if not proj.has_edge(a, b):
            proj.add_edge(a, b, weight=0.0, evidence=Counter())
        proj[a][b]["weight"] += NETWORK_WEIGHTS[why]
        proj[a][b]["evidence"][why] += 1

    undirected = graph.to_undirected(as_view=True)
    author_of: dict[str, str] = {}
    for u, v, data in graph.edges(data=True):
        if data["relation"] == "posted":
            author_of[v] = u
    for node, data in graph.nodes(data=True):
        kind = data["kind"]
        if kind in TYING_KINDS or kind == "media_hash":
            # Accounts reach an identifier directly or through a post of theirs.
            near = set()
            for nb in undirected.neighbors(node):
                if graph.nodes[nb]["kind"] == "account":
                    near.add(nb)
                elif nb in author_of:
                    near.add(author_of[nb])
            why = "shared_media" if kind == "media_hash" else "shared_identifier"
            for a, b in combinations(sorted(near), 2):
                tie(a, b, why)
        elif kind == "case":
            named = sorted(
                nb for nb in undirected.neighbors(node) if graph.nodes[nb]["kind"] == "account"
            )
            for a, b in combinations(named, 2):
                tie(a, b, "same_case")
        elif kind == "thread":
            posts = []
            for post in undirected.neighbors(node):
                if post in author_of:
                    when = datetime.fromisoformat(graph.nodes[post]["first_seen"])
                    posts.append((when, author_of[post]))
            posts.sort()
            for i, (when, author) in enumerate(posts):
                for later, other in posts[i + 1 :]:
                    if later - when > CO_POSTING_WINDOW:
                        break
                    tie(author, other, "co_posting")
    replies: dict[str, Counter[str]] = defaultdict(Counter)
    for u, v, data in graph.edges(data=True):
        if data["relation"] == "replied_to" and graph.nodes[u]["kind"] == "account":
            replies[v][u] += 1
    for repliers in replies.values():
        frequent = sorted(a for a, n in repliers.items() if n >= REPLY_PATTERN_MIN)
        for a, b in combinations(frequent, 2):
            tie(a, b, "reply_pattern")
    labels = {a: str(graph.nodes[a]["label"]) for a in accounts}
    for pair in lookalike_pairs(list(labels.values())):
        by_label = [a for a in accounts if labels[a] in (pair.a, pair.b)]
        for a, b in combinations(by_label, 2):
            tie(a, b, "lookalike")
    return proj


def rank_networks(graph: EntityGraph, *, limit: int = 50) -> list[Network]:
    """Clusters of accounts that act together, strongest first."""
    proj = account_projection(graph)
    proj.remove_nodes_from([n for n in list(proj) if proj.degree(n) == 0])
    if proj.number_of_nodes() == 0:
        return []
    communities = nx.community.louvain_communities(proj, weight="weight", seed=COMMUNITY_SEED)
    networks = []
    for members in communities:
        if len(members) < 2:
            continue
        sub = proj.subgraph(members)
        evidence: Counter[str] = Counter()
        for _a, _b, data in sub.edges(data=True):
            evidence.update(data["evidence"])
        weight = sum(d["weight"] for _a, _b, d in sub.edges(data=True))
        cases = set().union(*(_cases_of(graph, m) for m in members))
        score = round(weight * math.log2(1 + len(members)) + 2.0 * len(cases), 2)
        seen = sorted(graph.nodes[m]["first_seen"] for m in members)
        last = sorted(graph.nodes[m]["last_seen"] for m in members)
        networks.append(
            Network(
                0,
                score,
                sorted(str(graph.nodes[m]["label"]) for m in members),
                dict(evidence),
                len(cases),
                seen[0],
                last[-1],
            )
        )
    networks.sort(key=lambda n: (-n.score, n.accounts))
    for i, network in enumerate(networks, start=1):
        network.rank = i
    return networks[:limit]


def repeat_perpetrators(graph: EntityGraph, *, min_cases: int = 2) -> list[RepeatPerpetrator]:
    """Accounts and tying identifiers seen in ``min_cases`` or more cases; look-alike accounts
    count together (one person, several accounts)."""
    candidates = [
        n for n, d in graph.nodes(data=True) if d["kind"] == "account" or d["kind"] in TYING_KINDS
    ]
    groups = nx.utils.UnionFind(candidates)
    accounts = {
        n: str(graph.nodes[n]["label"]) for n in candidates if graph.nodes[n]["kind"] == "account"
    }
    for pair in lookalike_pairs(list(accounts.values())):
        same = [n for n, label in accounts.items() if label in (pair.a, pair.b)]
        groups.union(*same)
    results = []
    for group in groups.to_sets():
        cases = set().union(*(_cases_of(graph, n) for n in group))
        if len(cases) < min_cases:
            continue
        ordered = sorted(group, key=lambda n: (-len(_cases_of(graph, n)), graph.nodes[n]["label"]))
        head = graph.nodes[ordered[0]]
        results.append(
            RepeatPerpetrator(
                label=str(head["label"]),
                kind=str(head["kind"]),
                platform=str(head["platform"]),
                cases=len(cases),
                aliases=[str(graph.nodes[n]["label"]) for n in ordered[1:]],
                first_seen=min(graph.nodes[n]["first_seen"] for n in group),
                last_seen=max(graph.nodes[n]["last_seen"] for n in group),
            )
        )
    return sorted(results, key=lambda r: (-r.cases, r.label))
