"""The inbox: every message is stored raw before anything else, then handled, and never lost.

``store_raw`` is all a protocol handler (SMTP ``DATA``, an IMAP fetch, ``crmbot inbox add``) does
before it answers: one INSERT that drops a message already seen (de-duplication on Message-ID
comes first, as in Odoo's mail gateway). ``process`` then handles the row in the caller's
transaction; a failure inside rolls back only the pipeline's work (a savepoint) and leaves the
row ``failed`` with the reason, to be listed and retried by an admin.

Rows move: received -> processed | unmatched | ignored | failed; failed and unmatched rows can be
retried. A row is claimed with one conditional UPDATE, so two processes (the web process's queue
and the worker's fallback drain) never handle the same message twice.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from crm.errors import NotFound
from crm.models import InboundMessage
from crm.types import utcnow
from handlers.email_in.threading import message_ids

log = logging.getLogger("crmbot.email_in")

SOURCES = ("smtp", "imap", "cli")
PROCESSABLE = ("received",)
RETRYABLE = ("received", "failed", "unmatched")
MAX_MESSAGE_ID = 998  # RFC 5322 section 2.1.1: no line longer than 998 characters
MAX_ERROR = 500

# Header lines a relay adds or rewrites on the way in. A message without a Message-ID is keyed
# on the rest, so the same message delivered twice (by SMTP and by IMAP, or retried by a relay
# after a lost 250) still counts once.
_TRACE = re.compile(
    rb"^(received|return-path|delivered-to|x-original-to|envelope-to|x-envelope-[a-z-]+|received-spf|"
    rb"authentication-results|arc-[a-z-]+|x-received|x-spam-[a-z-]+|x-virus-[a-z-]+|dkim-signature|"
    rb"x-google-[a-z-]+|x-gm-[a-z-]+|x-forwarded-[a-z-]+|x-uid|status|x-status|x-keywords):",
    re.I,
)
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID_LINE = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)


@dataclass(frozen=True)
class Stored:
    """What ``store`` did: the new row's id (and the row, when asked for), or the id of the row
    already holding this message."""

    inbound_id: int | None
    message: InboundMessage | None = None
    duplicate_of: int | None = None


def split_head(raw: bytes) -> tuple[bytes, bytes]:
    """The header block and the body (RFC 5322 section 2.1: the first empty line separates them)."""
    m = _HEAD_END.search(raw)
    if m is None:
        return raw, b""
    return raw[: m.start()], raw[m.end():]


def message_key(raw: bytes) -> str:
    """The de-duplication key: the Message-ID, or a hash of the message without trace headers."""
    head, body = split_head(raw)
    m = _MESSAGE_ID_LINE.search(head)
    if m:
        value = m.group(1).decode("utf-8", "replace")
        ids = message_ids(value)
        if ids and len(ids[0]) <= MAX_MESSAGE_ID and ids[0] == db_text(ids[0]) and ids[0].isprintable():
            return ids[0]
    digest = hashlib.sha256()
    for line in _logical_lines(head):
        if not _TRACE.match(line):
            digest.update(line.rstrip(b"\r") + b"\n")
    digest.update(b"\n")
    digest.update(body)
    return f"<sha256.{digest.hexdigest()}@no-message-id>"


def db_text(value: str | None) -> str | None:
    """Text any database column takes: PostgreSQL refuses NUL characters and lone surrogates,
    which binary garbage and broken encodings produce."""
    if value is None:
        return None
    value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _logical_lines(head: bytes) -> Iterable[bytes]:
    """Header lines with their folded continuations joined (RFC 5322 section 2.2.3)."""
    current: bytes | None = None
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and current is not None:
            current += b"\n" + line
            continue
        if current is not None:
            yield current
        current = line
    if current is not None:
        yield current


def store_raw(session: Session, raw: bytes, *, source: str, mail_from: str | None,
              rcpt_to: Sequence[str] | str | None, received_at: datetime | None = None) -> InboundMessage | None:
    """Keep ``raw`` as a new ``received`` row; None when a message with its key is already kept."""
    return store(session, raw, source=source, mail_from=mail_from, rcpt_to=rcpt_to, received_at=received_at).message


def store(session: Session, raw: bytes, *, source: str, mail_from: str | None,
          rcpt_to: Sequence[str] | str | None, received_at: datetime | None = None, load: bool = True) -> Stored:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    raw = bytes(raw or b"")
    key = message_key(raw)
    rcpt = db_text(rcpt_to if isinstance(rcpt_to, str) or rcpt_to is None else ", ".join(rcpt_to))
    values = dict(message_id=key, source=source, mail_from=db_text((mail_from or "")[:320]) or None, rcpt_to=rcpt,
                  raw=raw, size=len(raw), state="received", attempts=0)
    values["received_at"] = received_at or utcnow()
    # One statement, no read first: concurrent deliveries of the same message race safely on
    # the unique Message-ID, and SQLite never has to upgrade a read lock to a write lock.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(InboundMessage).values(**values)
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(InboundMessage.id))
    new_id = session.execute(stmt).scalar()
    if new_id is None:
        existing = session.scalar(select(InboundMessage.id).where(InboundMessage.message_id == key))
        log.info("duplicate message dropped", extra={"message_id": key, "source": source, "duplicate_of": existing})
        return Stored(None, None, existing)
    log.info("message stored", extra={"inbound_id": new_id, "source": source, "size": len(raw)})
    return Stored(new_id, session.get(InboundMessage, new_id) if load else None)


def process(session: Session, inbound_id: int, *, understander: object, now: datetime,
            answerer: object | None = None, domains: Sequence[str] = (), timezone: str = "UTC",
            states: Sequence[str] = PROCESSABLE) -> InboundMessage:
    """Handle one stored message in the caller's transaction; returns the row in its new state.

    A row that is not in one of ``states`` (already handled, or taken by another process) is
    returned unchanged. Errors never escape: the row becomes ``failed`` with the reason.
    """
    from handlers.email_in import pipeline

    # Claim and load in one statement (UPDATE ... RETURNING). A write first keeps SQLite from a
    # lock upgrade, and makes a second process wait here and then find the row no longer
    # claimable.
    msg = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.state.in_(list(states)))
        .values(attempts=InboundMessage.attempts + 1)
        .returning(InboundMessage),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).scalar_one_or_none()
    if msg is None:  # not claimable: already handled, taken by another process, or no such row
        msg = session.get(InboundMessage, inbound_id, populate_existing=True)
        if msg is None:
            raise NotFound(f"no inbound message {inbound_id}")
        return msg
    deps = pipeline.Deps(understander=understander, answerer=answerer, domains=tuple(domains), timezone=timezone)
    try:
        with session.begin_nested():
            # One flush at the end instead of one before every query: the pipeline reads only
            # rows it did not change, and the next message must see this one's state.
            with session.no_autoflush:
                pipeline.handle(session, msg, deps=deps, now=now)
            session.flush()
    except Exception as exc:  # any failure keeps the message, marked, for `crmbot inbox retry`
        log.exception("inbound message failed", extra={"inbound_id": inbound_id})
        msg = session.get(InboundMessage, inbound_id)
        msg.state = "failed"
        msg.error = failure_reason(exc)
        msg.processed_at = now
        session.flush()
    return msg


def failure_reason(exc: BaseException) -> str:
    """What an admin sees: the stage and kind of failure (the traceback is in the log)."""
    stage = getattr(exc, "stage", None) or "processing"
    detail = getattr(exc, "reason", None) or type(exc).__name__
    return f"{stage} failed: {detail}"[:MAX_ERROR]


def retry(session: Session, inbound_id: int, *, understander: object, now: datetime, **kw: object) -> InboundMessage:
    """Process a failed, unmatched or still-received message again."""
    return process(session, inbound_id, understander=understander, now=now, states=RETRYABLE, **kw)  # type: ignore[arg-type]


def received_ids(session: Session, *, before: datetime | None = None, limit: int = 100) -> list[int]:
    """Rows still waiting (oldest first), e.g. left behind by a process that stopped."""
    stmt = select(InboundMessage.id).where(InboundMessage.state == "received")
    if before is not None:
        stmt = stmt.where(InboundMessage.received_at <= before)
    return list(session.scalars(stmt.order_by(InboundMessage.id).limit(limit)))


def listing(session: Session, *, states: Sequence[str] | None = None, limit: int = 50) -> list[InboundMessage]:
    """The newest rows first, without their raw bytes."""
    stmt = select(InboundMessage).options(defer(InboundMessage.raw))
    if states:
        stmt = stmt.where(InboundMessage.state.in_(list(states)))
    return list(session.scalars(stmt.order_by(InboundMessage.id.desc()).limit(limit)))


def recent_from(session: Session, address: str, *, since: datetime, exclude_id: int | None = None) -> int:
    """How many messages this sender's address has sent since ``since`` (loop protection)."""
    stmt = select(func.count()).select_from(InboundMessage).where(
        InboundMessage.from_address == address.lower(), InboundMessage.received_at >= since)
    if exclude_id is not None:
        stmt = stmt.where(InboundMessage.id != exclude_id)
    return int(session.scalar(stmt) or 0)


LOOP_WINDOW = timedelta(hours=2)
LOOP_LIMIT = 20
