"""E-mail out through SMTP (``smtplib``), to the server named in the settings."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from vigil.cases.base import MailSender, OutgoingMail
from vigil.errors import ConfigurationError


class SmtpSender(MailSender):
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: object) -> SmtpSender:
        from vigil.settings import VigilSettings

        assert isinstance(settings, VigilSettings)
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.mail_from,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )

    def send(self, mail: OutgoingMail) -> str:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        domain = self.sender.rpartition("@")[2] or "vigil.invalid"
        message_id = make_msgid(domain=domain)
        message["Message-ID"] = message_id
        message.set_content(mail.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ConfigurationError(
                f"could not send through the mail server ({type(exc).__name__})"
            ) from None
        return message_id
