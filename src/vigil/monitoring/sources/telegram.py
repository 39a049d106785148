"""Telegram channel exports made with Telegram Desktop ("Export chat history", JSON).

The export is one ``result.json`` per chat (photos beside it). The checkpoint is the last
message id read, so exporting the channel again later and re-running adds only new messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vigil.errors import InvalidInput
from vigil.monitoring.base import Fetched, Source
from vigil.monitoring.models import Author, MediaItem, Post, normalise_handle, parse_time

MAX_EXPORT_BYTES = 2 * 1024 * 1024 * 1024


def _text(value: Any) -> str:
    # "text" is a string, or a list of strings and {"type": ..., "text": ...} entities.
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", "")) for part in value
        )
    return ""


class TelegramExportSource(Source):
    name = "telegram"
    description = "A Telegram Desktop JSON export (result.json, or the folder holding it)."
    required = ("path",)

    def _file(self) -> Path:
        path = Path(str(self.config["path"])).expanduser()
        if path.is_dir():
            path = path / "result.json"
        if not path.is_file():
            raise InvalidInput("no Telegram export (result.json) at that path", field="path")
        if path.stat().st_size > MAX_EXPORT_BYTES:
            raise InvalidInput("export larger than 2 GiB: split it by date", field="path")
        return path

    def fetch(self) -> Iterator[Fetched]:
        path = self._file()
        try:
            export = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput("result.json is not valid JSON", field="path") from None
        chats = export.get("chats", {}).get("list") if "chats" in export else [export]
        last = self._checkpoint.setdefault("last_ids", {})
        for chat in chats or []:
            chat_id = str(chat.get("id"))
            chat_name = chat.get("name")
            done = int(last.get(chat_id, 0))
            for message in chat.get("messages") or []:
                try:
                    mid = int(message["id"])
                except (KeyError, TypeError, ValueError):
                    continue
                if mid <= done or message.get("type") != "message":
                    continue
                last[chat_id] = mid
                try:
                    post = message_to_post(message, chat_id, chat_name, path.parent)
                except (KeyError, TypeError, ValueError, InvalidInput) as exc:
                    yield Fetched(
                        error=f"malformed message: {type(exc).__name__}", item=f"{chat_id}/{mid}"
                    )
                    continue
                if post is not None:
                    yield Fetched(post=post)

    def checkpoint(self) -> dict[str, Any]:
        return {"last_ids": dict(self._checkpoint.get("last_ids", {}))}


def message_to_post(
    message: dict[str, Any], chat_id: str, chat_name: str | None, folder: Path
) -> Post | None:
    text = _text(message.get("text"))
    mentions = tuple(
        normalise_handle(str(e.get("text", "")))
        for e in message.get("text_entities") or []
        if e.get("type") == "mention"
    )
    media = []
    for key in ("photo", "file"):
        rel = message.get(key)
        if isinstance(rel, str) and not rel.startswith("(File not included"):
            candidate = (folder / rel).resolve()
            # Only files inside the export folder: a crafted export cannot point elsewhere.
            if candidate.is_relative_to(folder.resolve()) and candidate.is_file():
                media.append(
                    MediaItem(type="image" if key == "photo" else "file", path=str(candidate))
                )
    if not text.strip() and not media:
        return None
    when = message.get("date_unixtime") or message["date"]
    reply = message.get("reply_to_message_id")
    return Post(
        platform="telegram",
        post_id=f"{chat_id}/{message['id']}",
        text=text or "(media only)",
        created_at=parse_time(when),
        author=Author(
            handle=str(message.get("from_id") or chat_id),
            id=str(message.get("from_id") or chat_id),
            name=message.get("from") or chat_name,
        ),
        reply_to=f"{chat_id}/{reply}" if reply else None,
        mentions=mentions,
        media=tuple(media),
    )
