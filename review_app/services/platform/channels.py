"""The ways a message leaves the system: e-mail through the SMTP server `SMTP_URL` names, and SMS through an
HTTP gateway (`SMS_GATEWAY_URL`, the text made from `SMS_TEMPLATE`). Each returns nothing or raises
`DeliveryError` with what went wrong; the notification service records it on the channel's delivery.

SMTP_URL reads `smtp://user:password@host:587?from=review@example.org&starttls=1` (or `smtps://` for TLS
from the start). The SMS gateway gets a POST of JSON `{"to": "<mobile>", "text": "<message>"}` (with
`Authorization: Bearer <SMS_GATEWAY_TOKEN>` when a token is set) and answers 2xx when it took the message;
a provider with another protocol is plugged in with a small adapter service at that URL.
"""

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, has_app_context

SMTP_TIMEOUT = 15  # seconds
SMS_TIMEOUT = 10
DEFAULT_SMS_TEMPLATE = "【江苏省创新联合体评审】{subject}：{body}"


class DeliveryError(Exception):
    """A channel could not hand the message over; the text is kept on the delivery."""


def setting(name: str):
    return current_app.config.get(name) if has_app_context() else None


def mail(*, to: str, subject: str, body: str) -> None:
    """Send one plain-text mail through the server SMTP_URL names."""
    url = setting("SMTP_URL")
    if not url:
        raise DeliveryError("SMTP_URL is not set")
    try:
        deliver(url, to=to, subject=subject, body=body)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error


def deliver(url: str, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text mail through the server that `url` names."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    sender = query.get("from", [f"noreply@{parts.hostname or 'localhost'}"])[0]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    client_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    with client_class(parts.hostname or "localhost", port, timeout=SMTP_TIMEOUT) as client:
        if query.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def sms_text(*, subject: str, body: str, name: str = "") -> str:
    """The SMS as SMS_TEMPLATE writes it ({subject}, {body}, {name}); an unknown placeholder stays as is."""
    template = setting("SMS_TEMPLATE") or DEFAULT_SMS_TEMPLATE

    class Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(Keep(subject=subject, body=body, name=name))


def text_message(*, to: str, subject: str, body: str, name: str = "") -> None:
    """Hand one SMS to the gateway SMS_GATEWAY_URL names."""
    url = setting("SMS_GATEWAY_URL")
    if not url:
        raise DeliveryError("SMS_GATEWAY_URL is not set")
    payload = json.dumps({"to": to, "text": sms_text(subject=subject, body=body, name=name)}, ensure_ascii=False)
    request = urllib.request.Request(url, data=payload.encode("utf-8"), method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    if token := setting("SMS_GATEWAY_TOKEN"):
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=SMS_TIMEOUT) as answer:  # noqa: S310 (a configured URL)
            if not 200 <= answer.status < 300:
                raise DeliveryError(f"gateway answered {answer.status}")
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"gateway answered {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
