"""Email over SMTP (aiosmtplib): HTML with a plain-text alternative.

``security`` is ``tls`` (implicit TLS, usually port 465), ``starttls`` (upgrade on
port 587, refused if the server does not offer it) or ``none`` (a local relay only).
With ``username`` set the channel authenticates (``password`` is a secret).

Recipients: a message to a person goes to that person's own address (the channel
with ``people = true`` carries those); a group message goes to the channel's ``to``
list. ``Message-ID`` is derived from the idempotency key, so a mail client shows
the rare duplicate of at-least-once delivery as one message.

Errors: SMTP 4xx replies, timeouts and lost connections are transient; 5xx replies
(unknown mailbox, authentication refused) are permanent.

Example::

    [[channels]]
    name = "值班邮箱"
    kind = "email"
    host = "smtp.example.gov.cn"
    port = 465
    security = "tls"
    username = "yuqing@example.gov.cn"
    password = { env = "SMTP_PASSWORD" }
    sender = "舆情值班 <yuqing@example.gov.cn>"
    people = true
"""

from __future__ import annotations

import hashlib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from markupsafe import escape

from ..errors import ChannelError
from ._base import Channel, Message

__all__ = ["Email", "build_email"]

_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{subject}</title></head>
<body><div style="white-space: pre-line; font-family: 'Microsoft YaHei', sans-serif; font-size: 14px">{body}</div></body></html>
"""


def build_email(message: Message, *, sender: str, to: list[str], when: float | None = None) -> EmailMessage:
    """Return the MIME message: plain text first, HTML as the preferred alternative."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = ", ".join(to)
    email["Date"] = formatdate(when, localtime=False)
    digest = hashlib.sha256(message.key.encode("utf-8")).hexdigest()[:32]
    email["Message-ID"] = f"<{digest}@yuqing-watch.invalid>"
    email["X-Yuqing-Key"] = message.key
    email["X-Yuqing-Kind"] = message.kind
    if message.case_id is not None:
        email["X-Yuqing-Case-Id"] = str(message.case_id)
    email.set_content(message.text or message.body)
    if message.html is not None:
        email.add_alternative(_HTML.format(subject=escape(message.subject), body=message.html), subtype="html")
    return email


class Email(Channel):
    kind = "email"
    flavour = "text"

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.config.security == "none":
            return None
        context = ssl.create_default_context(cafile=self.config.ca_file)
        if not self.config.validate_certs:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    async def send(self, message: Message) -> str:
        to = list(message.to) or list(self.config.to)
        if not to:
            raise ChannelError("email: no recipient address (a person without email, or a group channel without `to`)",
                               permanent=True)
        cfg = self.config
        email = build_email(message, sender=cfg.sender, to=to, when=self.wall() if self.wall else None)
        try:
            errors, reply = await aiosmtplib.send(
                email, hostname=cfg.host, port=cfg.port, username=cfg.username,
                password=cfg.password.get_secret_value() if cfg.password else None,
                use_tls=cfg.security == "tls", start_tls=True if cfg.security == "starttls" else False,
                tls_context=self._tls_context(), timeout=cfg.timeout.total_seconds(),
            )
        except aiosmtplib.SMTPRecipientsRefused as e:
            answers = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in e.recipients)
            permanent = all(r.code >= 500 for r in e.recipients)
            raise ChannelError(f"email: every recipient refused: {answers}", permanent=permanent, answer=answers) from e
        except aiosmtplib.SMTPResponseException as e:
            answer = f"{e.code} {e.message}"
            raise ChannelError(f"email: the server answered {answer}", permanent=e.code >= 500, answer=answer) from e
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as e:
            raise ChannelError(f"email: cannot deliver to {cfg.host}:{cfg.port}: {type(e).__name__}: {e}") from e
        refused = "; ".join(f"{addr}: {code} {text}" for addr, (code, text) in errors.items())
        return f"{reply}" + (f" (refused: {refused})" if refused else "")
