"""Takedown request timing: draft → approve → sent through a local SMTP server.

Korea's support centre cut a takedown from about 3 hours to 6 minutes with drafted letters and
one approval. This measures the system's own share of that path (no human reading time): the
service calls for drafting from a template, a second person's approval, and SMTP delivery.

    python benchmarks/takedown.py [--runs 50] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import secrets
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from vigil.cases.intake import Upload
from vigil.cases.mail import SmtpSender
from vigil.cases.schemas import ReportCreate
from vigil.cases.takedown import TakedownDraft
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.security.schemas import UserCreate
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def _staff(services: Services, name: str, role: Role) -> Actor:
    user = services.accounts.create_user(
        Actor.operator("bench"),
        UserCreate(username=name, display_name=name, role=role, password=secrets.token_urlsafe(18)),
    )
    return Actor(user_id=user.id, label=user.username, role=role)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    home = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    settings = VigilSettings(
        home=home,
        database_url=args.database_url,
        smtp_port=port,
        portal_rate_limit="100000/minute",
        log_json=False,
    )
    services = Services.from_settings(settings)
    upgrade(services.db)
    services.cases.takedowns.mailer = SmtpSender("127.0.0.1", port, sender="bench@vigil.test")
    worker = _staff(services, "bench-worker", Role.CASEWORKER)
    boss = _staff(services, "bench-boss", Role.SUPERVISOR)
    draft_s, approve_s, send_s, total_s = [], [], [], []
    try:
        for i in range(args.runs):
            reference, _ = services.cases.intake.submit(
                ReportCreate(
                    description="bench",
                    category="ncii",
                    anonymous=True,
                    links=[f"https://social.example/p/{i}"],
                    consents=["takedown"],
                ),
                client="bench",
                files=[Upload("a.png", PNG)],
            )
            t0 = time.perf_counter()
            draft = services.cases.takedowns.draft(
                worker,
                reference,
                TakedownDraft(
                    platform="x",
                    language=("en", "ko", "id", "fr")[i % 4],
                    basis="intimate_images",
                    recipient="abuse@platform.test",
                    urls=[f"https://social.example/p/{i}"],
                ),
            )
            t1 = time.perf_counter()
            services.cases.takedowns.approve(boss, reference, draft.id)
            t2 = time.perf_counter()
            services.cases.takedowns.send(worker, reference, draft.id)
            t3 = time.perf_counter()
            draft_s.append(t1 - t0)
            approve_s.append(t2 - t1)
            send_s.append(t3 - t2)
            total_s.append(t3 - t0)
    finally:
        services.close()
        controller.stop()
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"takedown path on {backend}, {args.runs} requests, {sink.count} e-mails received")
    print("| step | median ms | p95 ms |")
    print("| --- | --- | --- |")
    for name, values in (
        ("draft", draft_s),
        ("approve", approve_s),
        ("send (SMTP)", send_s),
        ("draft→sent", total_s),
    ):
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"| {name} | {statistics.median(values) * 1000:.1f} | {p95 * 1000:.1f} |")


if __name__ == "__main__":
    main()
