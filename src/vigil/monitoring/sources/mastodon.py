"""Mastodon (and compatible ActivityPub servers): public, hashtag and account timelines.

Uses the Mastodon REST API. The checkpoint keeps the newest status id read (``since_id``);
each poll asks for the statuses just after it with ``min_id``, page by page, oldest first.
Posts are keyed by the status URI, which is the same on every federated server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from vigil.errors import InvalidInput
from vigil.monitoring.base import Fetched, Source
from vigil.monitoring.models import Author, MediaItem, Post, parse_time
from vigil.monitoring.sources.html import html_to_text

PAGE_LIMIT = 40  # the API's maximum
DEFAULT_MAX_PAGES = 50
HTTP_TIMEOUT_S = 20.0
TIMELINES = ("public", "hashtag", "account")


def _flag(value: object) -> bool:
    """Options from the command line are strings: "false" and "0" mean no."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)


def _id_key(status_id: str) -> tuple[int, str]:
    return (int(status_id), "") if status_id.isdigit() else (0, status_id)


class MastodonSource(Source):
    name = "mastodon"
    description = "A Mastodon timeline: public, hashtag (option tag) or account (option account)."
    required = ("base_url",)
    optional = ("timeline", "tag", "account", "access_token", "local", "max_pages")
    numeric = ("max_pages",)

    @classmethod
    def validate_config(cls, config: Any) -> dict[str, Any]:
        data = super().validate_config(config)
        timeline = data.setdefault("timeline", "public")
        if timeline not in TIMELINES:
            raise InvalidInput(f"timeline must be one of {', '.join(TIMELINES)}", field="timeline")
        if timeline == "hashtag" and not data.get("tag"):
            raise InvalidInput("a hashtag timeline needs the option tag", field="tag")
        if timeline == "account" and not data.get("account"):
            raise InvalidInput("an account timeline needs the option account", field="account")
        return data

    def _client(self) -> httpx.Client:
        headers = {"User-Agent": "Vigil monitor"}
        if self.config.get("access_token"):
            headers["Authorization"] = f"Bearer {self.config['access_token']}"
        return httpx.Client(
            base_url=str(self.config["base_url"]).rstrip("/"),
            headers=headers,
            timeout=HTTP_TIMEOUT_S,
        )

    def _get(self, client: httpx.Client, path: str, params: dict[str, Any]) -> Any:
        try:
            response = client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise InvalidInput(
                f"server not reachable: {type(exc).__name__}", field="base_url"
            ) from None
        if response.status_code != 200:
            raise InvalidInput(f"server answered HTTP {response.status_code}", field="base_url")
        return response.json()

    def _path(self, client: httpx.Client) -> str:
        timeline = self.config["timeline"]
        if timeline == "public":
            return "/api/v1/timelines/public"
        if timeline == "hashtag":
            return f"/api/v1/timelines/tag/{quote(str(self.config['tag']).lstrip('#'))}"
        account = str(self.config["account"])
        if not account.isdigit():
            found = self._get(client, "/api/v1/accounts/lookup", {"acct": account.lstrip("@")})
            account = str(found["id"])
        return f"/api/v1/accounts/{account}/statuses"

    def fetch(self) -> Iterator[Fetched]:
        host = urlsplit(str(self.config["base_url"])).hostname or ""
        max_pages = int(self.config.get("max_pages") or DEFAULT_MAX_PAGES)
        with self._client() as client:
            path = self._path(client)
            for _ in range(max_pages):
                params: dict[str, Any] = {"limit": PAGE_LIMIT}
                if _flag(self.config.get("local")) and self.config["timeline"] != "account":
                    params["local"] = "true"
                since = self._checkpoint.get("since_id")
                if since:
                    params["min_id"] = since
                page = self._get(client, path, params)
                if not isinstance(page, list) or not page:
                    return
                page.sort(key=lambda s: _id_key(str(s.get("id", ""))))
                for status in page:
                    self._checkpoint["since_id"] = str(status.get("id"))
                    if status.get("reblog"):
                        continue  # a boost carries no new words; its original is read itself
                    try:
                        yield Fetched(post=status_to_post(status, host))
                    except (KeyError, TypeError, ValueError, InvalidInput) as exc:
                        yield Fetched(
                            error=f"malformed status: {type(exc).__name__}",
                            item=str(status.get("id")),
                        )
                if not since:
                    return  # a first poll starts from now, not from the beginning of time


def _acct(account: dict[str, Any], host: str) -> str:
    acct = str(account.get("acct") or account.get("username"))
    return (acct if "@" in acct else f"{acct}@{host}").casefold()


def status_to_post(status: dict[str, Any], host: str) -> Post:
    account = status["account"]
    mentions = status.get("mentions") or []
    reply_author = None
    if status.get("in_reply_to_account_id"):
        for m in mentions:
            if str(m.get("id")) == str(status["in_reply_to_account_id"]):
                reply_author = _acct(m, host)
        if reply_author is None and str(status["in_reply_to_account_id"]) == str(account["id"]):
            reply_author = _acct(account, host)
    text = html_to_text(str(status.get("content") or ""))
    if status.get("spoiler_text"):
        text = f"{status['spoiler_text']}\n{text}"
    media = tuple(
        MediaItem(type=str(m.get("type") or "image"), url=m.get("url"))
        for m in status.get("media_attachments") or []
    )
    if not text.strip() and not media:
        raise InvalidInput("status without text or media")
    return Post(
        platform="mastodon",
        post_id=str(status.get("uri") or status["id"])[:255],
        text=text or "(media only)",
        created_at=parse_time(status["created_at"]),
        url=status.get("url"),
        author=Author(
            handle=_acct(account, host),
            id=str(account.get("id")),
            name=account.get("display_name") or None,
            created_at=parse_time(account["created_at"]) if account.get("created_at") else None,
        ),
        lang=status.get("language"),
        reply_to=str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
        reply_to_author=reply_author,
        mentions=tuple(_acct(m, host) for m in mentions),
        media=media,
    )
