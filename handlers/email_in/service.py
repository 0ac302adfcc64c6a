"""The inbox as a process uses it: store in one transaction, process in another, drain leftovers.

Each way in (the SMTP server in the web process, the IMAP poller and the fallback drain in the
worker, ``crmbot inbox``) holds one ``InboxService``. The understanding model and the document
answerer are built on first use and reused; processing is serialised within a process (one lock),
which keeps SQLite's single writer uncontended and the models free of concurrent use.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from crm.types import utcnow
from handlers.email_in import inbox

log = logging.getLogger("crmbot.email_in")

# The web process's queue normally handles a stored message within a second; the worker's
# drain takes over only rows older than this, left by a web process that stopped.
DRAIN_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class ProcessResult:
    inbound_id: int
    state: str
    classification: str | None


@dataclass
class InboxService:
    sessions: sessionmaker[Session]
    domains: tuple[str, ...] = ()
    timezone: str = "UTC"
    make_understander: Callable[[], Any] | None = None
    make_answerer: Callable[[], Any] | None = None
    _understander: Any = field(default=None, repr=False)
    _answerer: Any = field(default=None, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def from_context(cls, ctx: Any) -> "InboxService":
        s = ctx.settings

        def understander() -> Any:
            from bot.understanding import Understander

            return Understander()

        def answerer() -> Any:
            from handlers.email_in.drafts import answerer_from_settings

            return answerer_from_settings(s)

        return cls(sessions=ctx.sessions, domains=our_domains(s), timezone=s.timezone,
                   make_understander=understander, make_answerer=answerer)

    # -- dependencies, built once -------------------------------------------------------------
    def deps(self) -> dict[str, Any]:
        with self._lock:
            if self._understander is None and self.make_understander is not None:
                self._understander = self.make_understander()
            if self._answerer is None and self.make_answerer is not None:
                try:
                    self._answerer = self.make_answerer()
                except Exception:  # no document store: questions still reach the agent, undrafted
                    log.exception("document answerer unavailable")
                    self.make_answerer = None
        return {"understander": self._understander, "answerer": self._answerer, "domains": self.domains,
                "timezone": self.timezone}

    # -- the two steps ------------------------------------------------------------------------
    def store(self, raw: bytes, *, source: str, mail_from: str | None,
              rcpt_to: Sequence[str] | None) -> int | None:
        """Keep the message (committed before returning); None when it was a duplicate."""
        with self.sessions.begin() as session:
            return inbox.store(session, raw, source=source, mail_from=mail_from, rcpt_to=rcpt_to, load=False).inbound_id

    def store_many(self, items: Sequence[tuple[bytes, str | None, Sequence[str] | None]], *,
                   source: str) -> list[int | None]:
        """Several messages in one transaction (one commit, one fsync): group commit for a busy
        SMTP server. If the batch fails, each is tried alone, so one bad message holds up none."""
        try:
            with self.sessions.begin() as session:
                out = []
                for raw, mail_from, rcpt_to in items:
                    out.append(inbox.store(session, raw, source=source, mail_from=mail_from, rcpt_to=rcpt_to,
                                           load=False).inbound_id)
                return out
        except Exception:
            if len(items) == 1:
                raise
            log.warning("storing a batch failed; storing one by one", exc_info=True)
        return [self.store(raw, source=source, mail_from=mail_from, rcpt_to=rcpt_to)
                for raw, mail_from, rcpt_to in items]

    def process(self, inbound_id: int, *, now: datetime | None = None,
                states: Sequence[str] = inbox.PROCESSABLE) -> ProcessResult:
        return self.process_many([inbound_id], now=now, states=states)[0]

    def process_many(self, inbound_ids: Sequence[int], *, now: datetime | None = None,
                     states: Sequence[str] = inbox.PROCESSABLE) -> list[ProcessResult]:
        """Process several messages in one transaction. Each message's own failure is contained
        (it is marked failed in its savepoint); if the commit itself fails, each is retried alone."""
        deps = self.deps()
        try:
            with self._lock, self.sessions.begin() as session:
                out = []
                for inbound_id in inbound_ids:
                    msg = inbox.process(session, inbound_id, now=now or utcnow(), states=states, **deps)
                    out.append(ProcessResult(msg.id, msg.state, msg.classification))
                return out
        except Exception:
            if len(inbound_ids) == 1:
                raise
            log.warning("processing a batch failed; processing one by one", exc_info=True)
        return [self.process(i, now=now, states=states) for i in inbound_ids]

    def drain(self, *, older_than: timedelta = DRAIN_AFTER, limit: int = 200) -> int:
        """Process rows still ``received`` (a stopped process's leftovers). Returns how many."""
        with self.sessions() as session:
            ids = inbox.received_ids(session, before=utcnow() - older_than, limit=limit)
        done = 0
        for inbound_id in ids:
            try:
                self.process(inbound_id)
                done += 1
            except Exception:  # the database went away: the row stays received for the next run
                log.exception("draining the inbox failed", extra={"inbound_id": inbound_id})
                break
        if done:
            log.info("inbox drained", extra={"processed": done})
        return done


def our_domains(settings: Any) -> tuple[str, ...]:
    """The domains whose reply+token addresses are ours: the accepted ones and the sender's."""
    domains = [d.lower() for d in settings.mail_domains]
    sender_domain = (settings.mail_from or "").rpartition("@")[2].strip("> ").lower()
    if sender_domain and sender_domain not in domains:
        domains.append(sender_domain)
    return tuple(domains)

