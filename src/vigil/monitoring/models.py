"""The normalised post every source produces, and parsing of loosely shaped records.

Records in the ``vigil scan`` input format (``id``, ``text``, optional ``lang``) plus optional
``platform``, ``author``, ``url``, ``created_at``, ``mentions``, ``reply_to``, ``quote_of`` and
``media`` come from JSONL/CSV files, folders and the webhook; platform sources build posts
themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vigil.clock import utcnow
from vigil.errors import InvalidInput

MAX_TEXT_CHARS = 20_000
MAX_ID_CHARS = 255
DEFAULT_PLATFORM = "import"


@dataclass(frozen=True, slots=True)
class Author:
    handle: str | None = None
    id: str | None = None
    name: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MediaItem:
    """A picture or video attached to a post: where it is and, once known, its hashes."""

    type: str = "image"
    url: str | None = None
    path: str | None = None
    sha256: str | None = None
    pdq: str | None = None

    def key(self) -> str | None:
        """The hash that identifies the same media across posts (perceptual first)."""
        if self.pdq:
            return f"pdq:{self.pdq}"
        if self.sha256:
            return f"sha256:{self.sha256}"
        return None

    def as_json(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("type", self.type),
                ("url", self.url),
                ("path", self.path),
                ("sha256", self.sha256),
                ("pdq", self.pdq),
            )
            if v
        }


@dataclass(slots=True)
class Post:
    platform: str
    post_id: str
    text: str
    created_at: datetime
    url: str | None = None
    author: Author = field(default_factory=Author)
    lang: str | None = None
    reply_to: str | None = None
    reply_to_author: str | None = None
    quote_of: str | None = None
    mentions: tuple[str, ...] = ()
    media: tuple[MediaItem, ...] = ()
    collected_at: datetime = field(default_factory=utcnow)

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.post_id)


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


def parse_time(value: object, *, field_name: str = "created_at") -> datetime:
    """ISO 8601 (``Z`` allowed; naive means UTC) or Unix seconds."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"not a date and time: {text[:40]!r}", field=field_name) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise InvalidInput("missing or empty date", field=field_name)


def _str(value: object, limit: int = MAX_ID_CHARS) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:limit]


def _author(value: object) -> Author:
    if isinstance(value, Mapping):
        created = value.get("created_at")
        return Author(
            handle=_str(value.get("handle") or value.get("username") or value.get("acct")),
            id=_str(value.get("id")),
            name=_str(value.get("name") or value.get("display_name")),
            created_at=parse_time(created, field_name="author.created_at") if created else None,
        )
    return Author(handle=_str(value))


def _mentions(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: list[object] = list(value.replace(";", ",").split(","))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise InvalidInput("mentions must be a list of handles", field="mentions")
    out = []
    for item in items:
        handle = item.get("handle") or item.get("acct") if isinstance(item, Mapping) else item
        if handle and str(handle).strip():
            out.append(normalise_handle(str(handle)))
    return tuple(out)


def _media(value: object) -> tuple[MediaItem, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise InvalidInput("media must be a list", field="media")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(MediaItem(url=item[:1000]))
        elif isinstance(item, Mapping):
            # No "path" from records: a pushed post must never name a file on this machine.
            out.append(
                MediaItem(
                    type=str(item.get("type") or "image")[:16],
                    url=_str(item.get("url"), 1000),
                    sha256=_str(item.get("sha256"), 64),
                    pdq=_str(item.get("pdq"), 64),
                )
            )
    return tuple(out)


def content_id(platform: str, author: str | None, created: str, text: str) -> str:
    """A stable id for records that carry none, so re-reading them stays idempotent."""
    digest = hashlib.sha256(f"{platform}\x1f{author}\x1f{created}\x1f{text}".encode())
    return "h:" + digest.hexdigest()[:32]


def post_from_record(record: Mapping[str, Any], *, platform: str | None = None) -> Post:
    """A post from one JSON/CSV record; ``InvalidInput`` naming the bad field otherwise."""
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("a post needs a non-empty text", field="text")
    text = text[:MAX_TEXT_CHARS]
    plat = _str(record.get("platform"), 32) or platform or DEFAULT_PLATFORM
    author = _author(record.get("author"))
    raw_created = record.get("created_at")
    created = parse_time(raw_created) if raw_created not in (None, "") else utcnow()
    raw_id = record.get("post_id", record.get("id"))
    post_id = _str(raw_id) or content_id(plat, author.handle, str(raw_created), text)
    lang = record.get("lang")
    return Post(
        platform=plat,
        post_id=post_id,
        text=text,
        created_at=created,
        url=_str(record.get("url"), 1000),
        author=author,
        lang=_str(lang, 16) if lang else None,
        reply_to=_str(record.get("reply_to")),
        reply_to_author=normalise_handle(str(record["reply_to_author"]))
        if record.get("reply_to_author")
        else None,
        quote_of=_str(record.get("quote_of")),
        mentions=_mentions(record.get("mentions")),
        media=_media(record.get("media")),
    )


def post_from_json_line(line: str, *, platform: str | None = None) -> Post:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise InvalidInput("not JSON: nested too deeply") from None
    if not isinstance(record, dict):
        raise InvalidInput("each line must be a JSON object")
    return post_from_record(record, platform=platform)
