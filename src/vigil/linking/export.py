"""Graph exports: GraphML and GEXF (Gephi, via networkx) and CSV for Maltego's table import."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx

from vigil.errors import InvalidInput
from vigil.linking.graph import EntityGraph
from vigil.outputs import write_output

FORMATS = ("graphml", "gexf", "csv")

#: Our node kinds → Maltego's standard entity types (pick these in the import wizard).
MALTEGO_TYPES = {
    "account": "maltego.Alias",
    "phone": "maltego.PhoneNumber",
    "email": "maltego.EmailAddress",
    "url": "maltego.URL",
    "iban": "maltego.BankAccount",
    "card": "maltego.BankAccount",
    "btc": "maltego.CryptocurrencyAddress",
    "eth": "maltego.CryptocurrencyAddress",
    "tron": "maltego.CryptocurrencyAddress",
    "media_hash": "maltego.Hash",
    "post": "maltego.Phrase",
    "thread": "maltego.Phrase",
    "case": "maltego.Phrase",
}
CSV_COLUMNS = (
    "source_type",
    "source_value",
    "source_kind",
    "relation",
    "target_type",
    "target_value",
    "target_kind",
    "observed_at",
    "seen_in",
)


def _flat(graph: EntityGraph) -> EntityGraph:
    """A copy whose attributes are all str/int/float (GraphML and GEXF accept nothing else)."""
    flat: EntityGraph = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: "" if v is None else v for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **{k: "" if x is None else x for k, x in data.items()})
    return flat


def to_csv(graph: EntityGraph) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[2]["observed_at"], e[0])):
        src, dst = graph.nodes[u], graph.nodes[v]
        writer.writerow(
            [
                MALTEGO_TYPES.get(src["kind"], "maltego.Phrase"),
                src["label"],
                src["kind"],
                data["relation"],
                MALTEGO_TYPES.get(dst["kind"], "maltego.Phrase"),
                dst["label"],
                dst["kind"],
                data["observed_at"],
                data["seen_in"],
            ]
        )
    return out.getvalue()


def export_graph(graph: EntityGraph, fmt: str, out: Path) -> None:
    """Write ``graph`` to ``out`` in ``fmt`` (graphml, gexf or csv); nothing on a bad format.
    Atomic for a file; ``/dev/stdout`` or a pipe is written in place (``outputs``)."""
    write_output(out, export_bytes(graph, fmt))


def export_bytes(graph: EntityGraph, fmt: str) -> bytes:
    """The export as bytes (for downloads)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r} (use {', '.join(FORMATS)})", field="format")
    if fmt == "csv":
        return to_csv(graph).encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(_flat(graph), buffer)
    else:
        nx.write_gexf(_flat(graph), buffer)
    return buffer.getvalue()
