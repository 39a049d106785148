"""Every built-in source, against files or servers on 127.0.0.1 speaking the real protocol."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.sync.server import ServerConnection, serve

from vigil.errors import InvalidInput
from vigil.monitoring.base import Fetched, Source
from vigil.monitoring.sources import BUILTIN_SOURCES, source_registry
from vigil.monitoring.sources.bluesky import JetstreamSource
from vigil.monitoring.sources.files import CsvFileSource, FolderSource, JsonlFileSource
from vigil.monitoring.sources.mastodon import MastodonSource
from vigil.monitoring.sources.rss import FeedSource
from vigil.monitoring.sources.telegram import TelegramExportSource

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def drain(source: Source) -> list[Fetched]:
    return list(source.fetch())


def resume(
    cls: type[Source], config: dict[str, Any], checkpoint: dict[str, Any] | None
) -> tuple[list[Fetched], dict[str, Any]]:
    source = cls(config)
    source.start(checkpoint)
    items = drain(source)
    return items, source.checkpoint()


def post_ids(items: list[Fetched]) -> list[str]:
    return [i.post.post_id for i in items if i.post is not None]


class TestConformance:
    """What every built-in source promises."""

    @pytest.mark.parametrize("cls", BUILTIN_SOURCES, ids=lambda c: c.name)
    def test_named_and_registered(self, cls: type[Source]) -> None:
        assert source_registry().get(cls.name) is cls
        assert cls.description

    @pytest.mark.parametrize(
        "cls", [c for c in BUILTIN_SOURCES if c.required], ids=lambda c: c.name
    )
    def test_refuses_missing_and_unknown_options(self, cls: type[Source]) -> None:
        with pytest.raises(InvalidInput):
            cls({})
        with pytest.raises(InvalidInput):
            cls(dict.fromkeys(cls.required, "x") | {"bogus": 1})


# ---- files ----------------------------------------------------------------------------------


def test_jsonl_resumes_and_waits_for_unfinished_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "1", "text": "one"}\n{"id": "2", "text": "two"}\n{"id": "3", "te')
    items, cp = resume(JsonlFileSource, {"path": str(path)}, None)
    assert post_ids(items) == ["1", "2"]
    with path.open("a") as handle:
        handle.write('xt": "three"}\n')
    items, cp = resume(JsonlFileSource, {"path": str(path)}, cp)
    assert post_ids(items) == ["3"] and cp["line"] == 3
    assert resume(JsonlFileSource, {"path": str(path)}, cp)[0] == []


def test_csv_with_author_columns_and_multiline_text(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "id,text,author_handle,author_created_at,mentions,created_at\n"
        '1,"two\nlines",ana,2026-01-01T00:00:00Z,"bo,cy",2026-04-01T09:00:00Z\n'
        "2,plain,bo,,,\n",
        encoding="utf-8",
    )
    items, cp = resume(CsvFileSource, {"path": str(path), "platform": "forum"}, None)
    first = items[0].post
    assert first is not None and first.text == "two\nlines" and first.platform == "forum"
    assert first.author.handle == "ana" and first.mentions == ("bo", "cy")
    assert first.author.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert cp == {"rows": 2}
    with path.open("a") as handle:
        handle.write("3,third,cy,,,\n")
    assert post_ids(resume(CsvFileSource, {"path": str(path)}, cp)[0]) == ["3"]


def test_folder_picks_up_new_files_and_new_lines(tmp_path: Path) -> None:
    (tmp_path / "1.jsonl").write_text('{"id": "a", "text": "x"}\n')
    (tmp_path / "notes.txt").write_text("ignored")
    items, cp = resume(FolderSource, {"path": str(tmp_path)}, None)
    assert post_ids(items) == ["a"]
    (tmp_path / "2.csv").write_text("id,text\nb,y\n")
    with (tmp_path / "1.jsonl").open("a") as handle:
        handle.write('{"id": "c", "text": "z"}\n')
    items, cp = resume(FolderSource, {"path": str(tmp_path)}, cp)
    assert post_ids(items) == ["c", "b"]
    assert set(cp["files"]) == {"1.jsonl", "2.csv"}


def test_telegram_desktop_export(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8synthetic")
    export = {
        "name": "Channel",
        "type": "public_channel",
        "id": 1001,
        "messages": [
            {"id": 1, "type": "service", "date": "2026-04-01T09:00:00", "action": "create_channel"},
            {
                "id": 2,
                "type": "message",
                "date": "2026-04-01T09:05:00",
                "date_unixtime": "1775034300",
                "from": "Channel",
                "from_id": "channel1001",
                "text": ["hey ", {"type": "mention", "text": "@Ana_K"}, " look"],
                "text_entities": [
                    {"type": "plain", "text": "hey "},
                    {"type": "mention", "text": "@Ana_K"},
                    {"type": "plain", "text": " look"},
                ],
                "photo": "photos/photo_1.jpg",
            },
            {
                "id": 3,
                "type": "message",
                "date": "2026-04-01T09:06:00",
                "from": "Channel",
                "from_id": "channel1001",
                "text": "a reply",
                "reply_to_message_id": 2,
                "photo": "../../etc/passwd",
            },
        ],
    }
    (tmp_path / "result.json").write_text(json.dumps(export), encoding="utf-8")
    items, cp = resume(TelegramExportSource, {"path": str(tmp_path)}, None)
    first, second = (i.post for i in items)
    assert first is not None and second is not None
    assert first.post_id == "1001/2" and first.text == "hey @Ana_K look"
    assert first.mentions == ("ana_k",) and first.created_at == datetime.fromtimestamp(
        1775034300, UTC
    )
    assert first.media[0].path and first.media[0].path.endswith("photo_1.jpg")
    assert second.reply_to == "1001/2" and second.media == ()  # outside the export: ignored
    assert cp == {"last_ids": {"1001": 3}}
    assert resume(TelegramExportSource, {"path": str(tmp_path)}, cp)[0] == []


# ---- HTTP servers on loopback -------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A loopback server whose routes the test fills in: path -> handler(query, headers)."""
    routes: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            handler = routes.get(parts.path)
            if handler is None:
                self.send_response(404)
                self.end_headers()
                return
            status, headers, body = handler(parse_qs(parts.query), self.headers)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()


def rss(items: list[tuple[str, datetime, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<guid>{guid}</guid><pubDate>{format_datetime(when)}</pubDate>"
        f"<description>&lt;p&gt;body of {guid}&lt;/p&gt;</description></item>"
        for guid, when, title in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<language>en-us</language>{entries}</channel></rss>"
    ).encode()


def test_rss_feed_with_etag(http_server: tuple[str, dict[str, Any]]) -> None:
    base, routes = http_server
    feed = [("n1", T0, "First"), ("n2", T0 + timedelta(hours=1), "Second")]
    hits: list[str | None] = []

    def handler(query: dict[str, Any], headers: Any) -> tuple[int, dict[str, str], bytes]:
        hits.append(headers.get("If-None-Match"))
        etag = f'"v{len(feed)}"'
        if headers.get("If-None-Match") == etag:
            return 304, {}, b""
        return 200, {"ETag": etag, "Content-Type": "application/rss+xml"}, rss(feed)

    routes["/feed.xml"] = handler
    config = {"url": f"{base}/feed.xml"}
    items, cp = resume(FeedSource, config, None)
    assert post_ids(items) == ["n1", "n2"]
    first = items[0].post
    assert first is not None and first.text == "First\nbody of n1" and first.lang == "en"
    assert resume(FeedSource, config, cp)[0] == []  # 304 Not Modified
    feed.append(("n3", T0 + timedelta(hours=2), "Third"))
    items, cp = resume(FeedSource, config, cp)
    assert "n3" in post_ids(items) and "n1" not in post_ids(items)
    assert hits == [None, '"v2"', '"v2"']


def status(n: int, *, acct: str = "troll", reblog: bool = False) -> dict[str, Any]:
    return {
        "id": str(100 + n),
        "uri": f"https://masto.example/users/{acct}/statuses/{100 + n}",
        "url": f"https://masto.example/@{acct}/{100 + n}",
        "created_at": (T0 + timedelta(minutes=n)).isoformat().replace("+00:00", ".000Z"),
        "content": f'<p>post {n} <span class="h-card"><a href="x">@<span>ana</span></a></span></p>',
        "language": "en",
        "spoiler_text": "",
        "in_reply_to_id": "100" if n == 3 else None,
        "in_reply_to_account_id": "9" if n == 3 else None,
        "reblog": status(n - 1) if reblog else None,
        "account": {
            "id": "7",
            "username": acct,
            "acct": acct,
            "display_name": "T",
            "created_at": "2026-03-30T00:00:00.000Z",
        },
        "mentions": [
            {
                "id": "9",
                "username": "ana",
                "acct": "ana@other.example",
                "url": "https://other.example/@ana",
            }
        ],
        "media_attachments": [{"id": "m", "type": "image", "url": "https://files.example/m.png"}]
        if n == 2
        else [],
    }


def test_mastodon_timelines_page_with_min_id(http_server: tuple[str, dict[str, Any]]) -> None:
    base, routes = http_server
    statuses = [status(n) for n in range(1, 6)] + [status(6, reblog=True)]
    seen: list[dict[str, Any]] = []

    def timeline(query: dict[str, Any], headers: Any) -> tuple[int, dict[str, str], bytes]:
        """Mastodon's semantics: newest first; min_id returns the statuses just after it."""
        seen.append({k: v[0] for k, v in query.items()})
        limit = int(query.get("limit", ["20"])[0])
        newer = sorted(statuses, key=lambda s: int(s["id"]))
        if "min_id" in query:
            newer = [s for s in newer if int(s["id"]) > int(query["min_id"][0])][:limit]
        else:
            newer = newer[-limit:]
        body = json.dumps(sorted(newer, key=lambda s: -int(s["id"]))).encode()
        return 200, {"Content-Type": "application/json"}, body

    routes["/api/v1/timelines/tag/election"] = timeline
    routes["/api/v1/accounts/lookup"] = lambda q, h: (200, {}, json.dumps({"id": "7"}).encode())
    routes["/api/v1/accounts/7/statuses"] = timeline
    config = {"base_url": base, "timeline": "hashtag", "tag": "#election"}
    # A first poll starts from the newest page; later polls follow since_id.
    items, cp = resume(MastodonSource, config, {"since_id": "101"})
    posts = [i.post for i in items if i.post is not None]
    assert [p.post_id.rsplit("/", 1)[1] for p in posts] == ["102", "103", "104", "105"]
    assert cp == {"since_id": "106"}  # the boost moved the checkpoint but is not a post
    reply = posts[1]
    assert reply.author.handle == "troll@127.0.0.1" and reply.text == "post 3 @ana"
    assert reply.reply_to_author == "ana@other.example" and reply.mentions == ("ana@other.example",)
    assert posts[0].media[0].url == "https://files.example/m.png"
    assert reply.author.created_at == datetime(2026, 3, 30, tzinfo=UTC)
    statuses.append(status(7))
    items, cp = resume(MastodonSource, config, cp)
    assert [p.rsplit("/", 1)[1] for p in post_ids(items)] == ["107"]
    assert seen[-1]["min_id"] == "107" and seen[-1]["limit"] == "40"
    account = {"base_url": base, "timeline": "account", "account": "@troll"}
    assert len(resume(MastodonSource, account, None)[0]) == 6  # first poll: newest page


def test_mastodon_errors_are_clear(http_server: tuple[str, dict[str, Any]]) -> None:
    base, _ = http_server
    with pytest.raises(InvalidInput, match="HTTP 404"):
        resume(MastodonSource, {"base_url": base}, None)
    with pytest.raises(InvalidInput, match="needs the option tag"):
        MastodonSource({"base_url": base, "timeline": "hashtag"})


# ---- Jetstream over a loopback websocket ----------------------------------------------------


def jet_event(n: int, did: str = "did:plc:troll") -> dict[str, Any]:
    return {
        "did": did,
        "time_us": 1_775_000_000_000_000 + n,
        "kind": "commit",
        "commit": {
            "rev": f"rev{n}",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"3k{n}",
            "cid": f"bafy{n}",
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": "2026-04-01T09:00:00.000Z",
                "langs": ["en"],
                "text": f"@ana.bsky.social post {n}",
                "facets": [
                    {
                        "index": {"byteStart": 0, "byteEnd": 16},
                        "features": [
                            {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ana"}
                        ],
                    }
                ],
                "reply": {
                    "root": {"uri": "at://did:plc:ana/app.bsky.feed.post/r", "cid": "c"},
                    "parent": {"uri": "at://did:plc:ana/app.bsky.feed.post/p", "cid": "c"},
                }
                if n == 2
                else None,
                "embed": {
                    "$type": "app.bsky.embed.images",
                    "images": [
                        {
                            "alt": "",
                            "image": {
                                "$type": "blob",
                                "ref": {"$link": "bafkimg"},
                                "mimeType": "image/jpeg",
                                "size": 10,
                            },
                        }
                    ],
                }
                if n == 3
                else None,
            },
        },
    }


@pytest.fixture
def jetstream() -> Iterator[tuple[str, list[dict[str, Any]], list[str]]]:
    events: list[dict[str, Any]] = []
    requests: list[str] = []

    def handler(connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        requests.append(path)
        query = parse_qs(urlsplit(path).query)
        cursor = int(query.get("cursor", ["0"])[0])
        for event in events:
            if event["time_us"] > cursor:
                connection.send(json.dumps(event))
        with contextlib.suppress(Exception):  # the client closes; nothing to do
            connection.recv(timeout=2)

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        yield f"ws://127.0.0.1:{port}/subscribe", events, requests
        server.shutdown()


def test_jetstream_cursor_resume(jetstream: tuple[str, list[dict[str, Any]], list[str]]) -> None:
    url, events, requests = jetstream
    events.append(
        {
            "did": "did:plc:ana",
            "time_us": 1_775_000_000_000_000,
            "kind": "identity",
            "identity": {
                "did": "did:plc:ana",
                "handle": "ana.bsky.social",
                "seq": 1,
                "time": "2026-04-01T09:00:00Z",
            },
        }
    )
    events.extend(jet_event(n) for n in (1, 2, 3))
    events.append(
        {
            "did": "did:plc:x",
            "time_us": 1_775_000_000_000_004,
            "kind": "commit",
            "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "old"},
        }
    )
    config = {"url": url, "idle_seconds": 0.5}
    items, cp = resume(JetstreamSource, config, None)
    posts = [i.post for i in items if i.post is not None]
    assert [p.post_id for p in posts] == [
        f"at://did:plc:troll/app.bsky.feed.post/3k{n}" for n in (1, 2, 3)
    ]
    assert posts[0].mentions == ("ana.bsky.social",) and posts[0].lang == "en"
    assert posts[1].reply_to_author == "ana.bsky.social"
    assert posts[2].media[0].url and "bafkimg" in posts[2].media[0].url
    assert cp == {"cursor": 1_775_000_000_000_004}
    assert "wantedCollections=app.bsky.feed.post" in requests[0]
    events.append(jet_event(5))
    items, cp = resume(JetstreamSource, config, cp)
    assert post_ids(items) == ["at://did:plc:troll/app.bsky.feed.post/3k5"]
    assert f"cursor={1_775_000_000_000_004}" in requests[1]


def test_jetstream_unreachable_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="Jetstream not reachable"):
        resume(JetstreamSource, {"url": "ws://127.0.0.1:9/subscribe", "idle_seconds": 0.2}, None)


def test_numeric_options_are_checked() -> None:
    with pytest.raises(InvalidInput, match="idle_seconds must be a positive number"):
        JetstreamSource({"url": "ws://127.0.0.1:9/subscribe", "idle_seconds": "soon"})
    with pytest.raises(InvalidInput, match="max_pages"):
        MastodonSource({"base_url": "http://127.0.0.1:9", "max_pages": "-1"})
