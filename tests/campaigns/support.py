"""Test support for campaigns: a recording SMTP handler for aiosmtpd, and small helpers."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from crm.models import Campaign
from handlers.campaigns import outbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt: str
    message_id: str
    raw: bytes

    def parsed(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


class Recorder:
    """aiosmtpd handler: accepts everything unless scripted otherwise, and records it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rcpt_replies: dict[str, list[str]] = {}  # address -> replies to give, in order
        self.data_replies: dict[str, list[str]] = {}
        self.data_delay = 0.0
        self.hold_after: int | None = None  # hold the RCPT after this many messages ...
        self.release = threading.Event()  # ... until this is set
        self.holding = threading.Event()  # set while a transaction is held
        self.rcpt_seen: list[str] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        self.rcpt_seen.append(address)
        script = self.rcpt_replies.get(address)
        if script:
            reply = script.pop(0)
            if not reply.startswith("250"):
                return reply
        if self.hold_after is not None and len(self.received) >= self.hold_after and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        for rcpt in envelope.rcpt_tos:
            script = self.data_replies.get(rcpt)
            if script:
                reply = script.pop(0)
                if not reply.startswith("250"):
                    return reply
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(Received(envelope.mail_from, rcpt, str(msg["Message-ID"]), raw))
        return "250 2.0.0 OK queued"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [r.message_id for r in self.received]

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.rcpt == address]


@dataclass
class Seeded:
    campaign_id: int
    agent_id: int
    lead_ids: list[int]
    emails: list[str]


def start_campaign(committed, campaign_id: int) -> int:  # noqa: ANN001
    with committed.begin() as session:
        campaign = session.get(Campaign, campaign_id)
        added = outbox.start(session, campaign, domain="crmbot.test", now=datetime.now(timezone.utc))
        campaign.state = "running"
        campaign.started_at = campaign.started_at or datetime.now(timezone.utc)
        campaign.schedule = {"kind": "once", "at": datetime.now(timezone.utc).isoformat()}
    return added


def wait_until(predicate: Callable[[], bool], *, timeout: float = 60.0, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError("condition not reached in time")
