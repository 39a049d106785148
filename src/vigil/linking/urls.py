"""URLs: canonical form (tracking parameters removed), shorteners, and profile URLs → accounts.

Shortened links are noted, never followed: Vigil makes no network requests while linking, and
resolving a perpetrator's short link could warn him.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

#: Query parameters that only track who clicked; dropped from canonical URLs.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "si",
        "feature",
        "share_id",
        "sharer",
        "s_cid",
        "mibextid",
        "rdid",
        "xmt",
        "_hsenc",
        "_hsmi",
        "trk",
        "ttclid",
        "is_from_webapp",
        "sender_device",
        "sender_web_id",
        "tt_from",
        "share_app_id",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "vero_")

#: Link shorteners: the target is unknown until someone follows the link.
SHORTENERS = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "t.co",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "s.id",
        "shorturl.at",
        "rb.gy",
        "t.ly",
        "lnkd.in",
        "tiny.cc",
        "v.gd",
        "bl.ink",
        "short.io",
        "me-qr.com",
        "vm.tiktok.com",
        "vt.tiktok.com",
        "fb.me",
        "youtu.be",
        "amzn.to",
        "han.gl",
        "me2.do",
        "naver.me",
        "url.kr",
    }
)

#: Host prefixes that point at the same site.
_HOST_ALIASES = ("www.", "m.", "mobile.", "mbasic.", "web.", "l.")

#: Canonical host → platform name for profile URLs.
PLATFORM_HOSTS = {
    "instagram.com": "instagram",
    "twitter.com": "x",
    "x.com": "x",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "vk.com": "vk",
    "threads.net": "threads",
    "reddit.com": "reddit",
    "snapchat.com": "snapchat",
    "github.com": "github",
    "twitch.tv": "twitch",
    "onlyfans.com": "onlyfans",
    "linkedin.com": "linkedin",
    "pinterest.com": "pinterest",
    "ok.ru": "ok",
}

#: First path segments that are site pages, not user names.
_RESERVED_PATHS = frozenset(
    {
        "p",
        "reel",
        "reels",
        "stories",
        "explore",
        "share",
        "sharer",
        "sharer.php",
        "watch",
        "status",
        "i",
        "home",
        "search",
        "hashtag",
        "login",
        "signup",
        "about",
        "help",
        "intent",
        "groups",
        "events",
        "pages",
        "photo",
        "photo.php",
        "video",
        "videos",
        "tv",
        "shorts",
        "channel",
        "c",
        "results",
        "joinchat",
        "s",
        "tag",
        "tags",
        "settings",
        "privacy",
        "legal",
        "policies",
        "terms",
        "story.php",
        "permalink.php",
        "messages",
        "notifications",
        "r",
        "wiki",
        "comments",
        "music",
        "feed",
        "playlist",
        "embed",
        "add",
        "in",
        "company",
        "pin",
        "live",
        "discover",
        "foryou",
        "trending",
        "web",
        "accounts",
        "direct",
        "media",
    }
)
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,60}$")


@dataclass(frozen=True)
class CanonicalUrl:
    url: str
    host: str
    shortener: bool
    removed_tracking: bool


def canonical_host(host: str) -> str:
    host = host.lower().rstrip(".")
    changed = True
    while changed:
        changed = False
        for prefix in _HOST_ALIASES:
            if host.startswith(prefix) and host.count(".") > 1:
                host = host[len(prefix) :]
                changed = True
    return host


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize(url: str) -> CanonicalUrl:
    """The canonical form: https, lower-case host without ``www.``/``m.``, no fragment, no
    default port, no tracking parameters, remaining parameters sorted, no trailing slash."""
    raw = url if "://" in url else f"https://{url}"
    parts = urlsplit(raw)
    host = canonical_host(parts.hostname or "")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = sorted((k, v) for k, v in query if not _is_tracking(k))
    path = quote(unquote(parts.path), safe="/@:+~!$&'()*,;=-._%")
    if path.endswith("/") and path != "/":
        path = path.rstrip("/")
    if path == "/":
        path = ""
    canonical = urlunsplit(("https", netloc, path, urlencode(kept), ""))
    return CanonicalUrl(
        url=canonical,
        host=host,
        shortener=host in SHORTENERS,
        removed_tracking=len(kept) != len(query),
    )


def profile_account(canonical: CanonicalUrl) -> tuple[str, str] | None:
    """``(platform, username)`` when the URL is a profile page on a known platform."""
    platform = PLATFORM_HOSTS.get(canonical.host)
    if platform is None:
        return None
    parts = urlsplit(canonical.url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    if platform == "facebook" and segments[:1] == ["profile.php"]:
        ids = [v for k, v in parse_qsl(parts.query) if k == "id"]
        return (platform, ids[0]) if ids and ids[0].isdigit() else None
    if (
        (platform == "reddit" and len(segments) >= 2 and segments[0] in ("user", "u"))
        or (platform == "snapchat" and len(segments) >= 2 and segments[0] == "add")
        or (platform == "linkedin" and len(segments) >= 2 and segments[0] == "in")
    ):
        segments = segments[1:]
    if not segments:
        return None
    first = segments[0]
    if first.startswith("@"):
        first = first[1:]
    elif platform in ("tiktok", "threads", "youtube"):
        return None  # their profiles are always /@name; other paths are videos or pages
    if first.lower() in _RESERVED_PATHS or not _USERNAME.match(first):
        return None
    return platform, first.lower()
