"""Shared helpers for the inbound email tests: fixtures with placeholders, leads with outbox rows."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from crm.models import Lead, OutboxMessage
from handlers.email_in.threading import make_message_id

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email_in"
DOMAINS = ("crmbot.local",)
NOW = datetime(2026, 11, 18, 15, 30, tzinfo=timezone.utc)


def fixture(name: str, *, lead: Lead | None = None, msgid: str | None = None, **extra: str) -> bytes:
    """A fixture message with its %%PLACEHOLDERS%% filled in for ``lead`` and ``msgid``."""
    raw = (FIXTURES / name).read_bytes()
    values = {
        "LEAD_EMAIL": lead.email if lead else "nobody@example.com",
        "LEAD_TOKEN": lead.token if lead else "no-such-token-000",
        "OUTBOX_MSGID": msgid or "<unrelated-0001@example.com>",
        **extra,
    }
    for key, value in values.items():
        raw = raw.replace(f"%%{key}%%".encode(), value.encode())
    return raw


def sent_to(session: Session, lead: Lead, *, subject: str = "New homes at Harbour View") -> OutboxMessage:
    """An outbox row for an email the campaign sent to ``lead`` (what a reply threads to)."""
    row = OutboxMessage(lead_id=lead.id, to_address=lead.email, message_id=make_message_id(DOMAINS[0], lead.token),
                        subject=subject, state="sent", sent_at=NOW)
    session.add(row)
    session.flush()
    return row


@lru_cache(maxsize=1)
def understander():  # noqa: ANN201 - built once per test run: it loads spaCy and a word list
    from bot.understanding import Understander

    return Understander()


def big_message(sender: str, *, megabytes: int = 30, message_id: str = "<big-0001@example.com>") -> bytes:
    """A reply with a base64 attachment that makes the whole message ``megabytes`` MB or more."""
    line = b"QUJDRA" * 12 + b"\r\n"  # 76 characters of base64 per line (RFC 2045 section 6.8)
    lines = line * (megabytes * 1024 * 1024 // len(line) + 1)
    head = (f"From: {sender}\r\nTo: crmbot@crmbot.local\r\nSubject: Re: plans\r\nMessage-ID: {message_id}\r\n"
            "Date: Wed, 18 Nov 2026 15:05:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=big-boundary\r\n\r\n").encode()
    return (head + b"--big-boundary\r\nContent-Type: text/plain\r\n\r\nPlease see the plans attached.\r\n"
            b"--big-boundary\r\nContent-Type: application/pdf; name=plans.pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + lines + b"--big-boundary--\r\n")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float = 20.0, what: str = "condition"):  # noqa: ANN001, ANN201
    """Poll until ``predicate()`` is truthy (work handed to another thread or process)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def inbox_service(sessions, **kw):  # noqa: ANN001, ANN201
    from handlers.email_in.service import InboxService

    kw.setdefault("make_understander", understander)
    return InboxService(sessions=sessions, domains=DOMAINS, timezone="Europe/London", **kw)
