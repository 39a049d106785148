"""Alert delivery beyond the console: a webhook (JSON POST) and e-mail (SMTP).

Messages carry no personal data: the kind of alert, its size and a console link. Whoever
follows the link signs in and is audited.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

import httpx

from vigil.monitoring.schemas import AlertPublic
from vigil.monitoring.settings import MonitorSettings

log = logging.getLogger(__name__)
HTTP_TIMEOUT_S = 10.0
SMTP_TIMEOUT_S = 10.0


def alert_payload(alert: AlertPublic, console_url: str) -> dict[str, Any]:
    return {
        "type": "vigil.monitoring.alert",
        "id": alert.id,
        "kind": alert.kind,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "count": alert.count,
        "score": round(alert.score, 2),
        "link": f"{console_url.rstrip('/')}/console/monitoring/alerts#alert-{alert.id}",
    }


def _subject(alert: AlertPublic) -> str:
    what = (
        "Pile-on against a watched person" if alert.kind == "pile_on" else ("Coordinated posting")
    )
    return f"[Vigil] {what}: {alert.count} posts"


class Notifier:
    def __init__(self, settings: MonitorSettings) -> None:
        self.settings = settings

    def send(self, alert: AlertPublic) -> bool:
        """Deliver through every configured channel; True if all succeeded."""
        payload = alert_payload(alert, self.settings.console_url)
        ok = True
        if self.settings.alert_webhook_url:
            ok &= self._webhook(payload)
        if self.settings.smtp_host and self.settings.alert_email_to:
            ok &= self._email(alert, payload)
        return ok

    def send_notice(self, subject: str, payload: dict[str, Any]) -> bool:
        """Another service's notice through the same channels (``payload["link"]`` is a
        console path; it is made absolute here). The caller keeps personal data out."""
        payload = {**payload, "link": f"{self.settings.console_url.rstrip('/')}{payload['link']}"}
        ok = True
        if self.settings.alert_webhook_url:
            ok &= self._webhook(payload)
        if self.settings.smtp_host and self.settings.alert_email_to:
            ok &= self._send_mail(f"[Vigil] {subject}", f"{subject}\n\nOpen: {payload['link']}\n")
        return ok

    def _webhook(self, payload: dict[str, Any]) -> bool:
        try:
            response = httpx.post(
                str(self.settings.alert_webhook_url), json=payload, timeout=HTTP_TIMEOUT_S
            )
        except httpx.HTTPError as exc:
            log.warning("alert webhook failed", extra={"event": type(exc).__name__})
            return False
        return response.is_success

    def _email(self, alert: AlertPublic, payload: dict[str, Any]) -> bool:
        return self._send_mail(
            _subject(alert),
            f"{_subject(alert)}\n\nWindow: {payload['window_start']} to {payload['window_end']}\n"
            f"Score: {payload['score']}\n\nOpen the console to review: {payload['link']}\n",
        )

    def _send_mail(self, subject: str, body: str) -> bool:
        message = EmailMessage()
        message["From"] = self.settings.alert_email_from
        message["To"] = str(self.settings.alert_email_to)
        message["Subject"] = subject
        message.set_content(body)
        try:
            with smtplib.SMTP(
                str(self.settings.smtp_host), self.settings.smtp_port, timeout=SMTP_TIMEOUT_S
            ) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("alert e-mail failed", extra={"event": type(exc).__name__})
            return False
        return True
