"""Handing a message to the SMTP server from config (``MAIL_SMTP_*``), for ``engage send-mail``."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from engage.services.mail_outbox import Send, SendError

SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect: ``security`` is ``starttls`` (upgrade a plain connection,
    port 587), ``ssl`` (implicit TLS, port 465) or ``none`` (loopback relays, tests);
    ``user`` empty means no AUTH; ``timeout_s`` bounds connect and each reply."""

    host: str
    port: int
    user: str
    password: str
    security: str
    timeout_s: float


def smtp_sender(settings: SmtpSettings) -> Send:
    """A ``send`` for :func:`engage.services.mail_outbox.send_due`: one connection per message.

    An SMTP 5xx answer (recipient refused, message refused) is permanent; a refused
    connection, a timeout or a 4xx is retried later.
    """

    def send(message: EmailMessage) -> SendError | None:
        context = ssl.create_default_context()
        try:
            if settings.security == "ssl":
                client = smtplib.SMTP_SSL(settings.host, settings.port,
                                          timeout=settings.timeout_s, context=context)
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
            with client:
                if settings.security == "starttls":
                    client.starttls(context=context)
                if settings.user:
                    client.login(settings.user, settings.password)
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            return SendError(f"recipients refused: {codes}", permanent=all(c >= 500 for c in codes))
        except smtplib.SMTPAuthenticationError as err:  # a setting to fix: keep the mail
            return SendError(f"SMTP auth {err.smtp_code}")
        except smtplib.SMTPResponseException as err:
            return SendError(f"SMTP {err.smtp_code}: {err.smtp_error!r}",
                             permanent=err.smtp_code >= 500)
        except (smtplib.SMTPException, OSError) as err:
            return SendError(f"{type(err).__name__}: {err}")
        return None

    return send
