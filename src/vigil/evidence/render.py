"""Headless Chromium over the DevTools pipe: the rendered DOM and a full-page screenshot.

Chromium's ``--screenshot`` flag only captures the window; the DevTools protocol measures the
whole page and captures beyond the viewport. We talk to it over ``--remote-debugging-pipe``
(file descriptors 3 and 4, NUL-separated JSON), so no port is opened.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil.errors import VigilError

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
VIEWPORT_WIDTH = 1280
VIEWPORT_HEIGHT = 800
#: Chromium refuses textures taller than this; longer pages are cut (and the note says so).
MAX_PAGE_HEIGHT = 16_000
SETTLE_SECONDS = 0.5


class RenderError(VigilError):
    code = "render_failed"


@dataclass
class Rendered:
    html: str
    png: bytes
    page_height: int
    version: str
    truncated: bool


def find_chromium(configured: str | None = None) -> str | None:
    for candidate in (configured,) if configured else CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RenderError("Chromium did not answer in time")
            with selectors.DefaultSelector() as sel:
                sel.register(self.read_fd, selectors.EVENT_READ)
                if not sel.select(remaining):
                    continue
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                raise RenderError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)  # type: ignore[no-any-return]

    def call(
        self, method: str, deadline: float, session: str | None = None, **params: Any
    ) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RenderError(f"Chromium: {method} failed: {reply['error']}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            self.events.append(reply)

    def wait_event(self, name: str, deadline: float) -> None:
        while not any(e.get("method") == name for e in self.events):
            self.events.append(self._read(deadline))


def render(chromium: str, url: str, timeout: float = 30.0) -> Rendered:
    """Load ``url`` in a fresh headless Chromium profile; return its DOM and a screenshot."""
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="vigil-chromium-") as profile:
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()

        def _wire() -> None:  # runs in the child: DevTools expects fds 3 (in) and 4 (out)
            high_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)  # out of the way of 3 and 4 first
            high_w = fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)  # dup2 targets are inheritable: they survive exec
            os.dup2(high_w, 4)

        argv = [
            chromium,
            "--headless",
            "--remote-debugging-pipe",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--hide-scrollbars",
            "--mute-audio",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={Path(profile)}",
            f"--window-size={VIEWPORT_WIDTH},{VIEWPORT_HEIGHT}",
        ]
        if os.geteuid() == 0:
            argv.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
        proc = subprocess.Popen(
            [*argv, "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=_wire,
        )
        os.close(cmd_r)
        os.close(res_w)
        pipe = _Pipe(proc, cmd_w, res_r)
        try:
            return _drive(pipe, url, deadline)
        finally:
            os.close(cmd_w)
            os.close(res_r)
            proc.kill()
            proc.wait()


def _drive(pipe: _Pipe, url: str, deadline: float) -> Rendered:
    version = pipe.call("Browser.getVersion", deadline).get("product", "chromium")
    target = pipe.call("Target.createTarget", deadline, url="about:blank")["targetId"]
    session = pipe.call("Target.attachToTarget", deadline, targetId=target, flatten=True)[
        "sessionId"
    ]
    pipe.call("Page.enable", deadline, session)
    pipe.call("Page.navigate", deadline, session, url=url)
    pipe.wait_event("Page.loadEventFired", deadline)
    time.sleep(SETTLE_SECONDS)  # late scripts and fonts
    html = pipe.call(
        "Runtime.evaluate",
        deadline,
        session,
        expression="document.documentElement.outerHTML",
        returnByValue=True,
    )["result"].get("value", "")
    metrics = pipe.call("Page.getLayoutMetrics", deadline, session)
    content = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
    height = max(VIEWPORT_HEIGHT, int(content.get("height", VIEWPORT_HEIGHT)))
    shot_height = min(height, MAX_PAGE_HEIGHT)
    pipe.call(
        "Emulation.setDeviceMetricsOverride",
        deadline,
        session,
        width=VIEWPORT_WIDTH,
        height=shot_height,
        deviceScaleFactor=1,
        mobile=False,
    )
    shot = pipe.call(
        "Page.captureScreenshot",
        deadline,
        session,
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": VIEWPORT_WIDTH, "height": shot_height, "scale": 1},
    )
    return Rendered(
        html=str(html),
        png=base64.b64decode(shot["data"]),
        page_height=height,
        version=str(version),
        truncated=height > MAX_PAGE_HEIGHT,
    )
