"""Answering a lead's question: a draft from the documents that the agent sends, edits or discards.

The draft is a row (``EmailDraft``) so that the agent's decision may come later, from another
process, exactly once: the row is claimed with a conditional UPDATE like plans are. Sending
builds a plain reply that threads under the lead's message (In-Reply-To and References,
RFC 5322 section 3.6.4) and carries our own Message-ID and reply address, so the lead's next
answer threads back too.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any, Callable, Protocol, Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.messages import Source
from bot.templating import render
from crm.audit import set_audited
from crm.models import Agent, EmailDraft, Interaction, Lead
from crm.types import utcnow
from handlers.email_in.parsing import ParsedEmail
from handlers.email_in.threading import make_message_id, reply_address

log = logging.getLogger("crmbot.email_in")

DECISIONS = ("send", "edit", "discard")
MAX_REFERENCES = 20


@dataclass(frozen=True)
class DraftText:
    """What the documents say to a question: the answer (empty when not found) and its sources."""

    found: bool
    text: str
    sources: tuple[Source, ...] = ()


class Answerer(Protocol):
    def draft(self, question: str, *, lead: Lead) -> DraftText: ...


class DocumentAnswerer:
    """Drafts from the team's documents (``handlers.documents``); the store opens on first use."""

    def __init__(self, *, open_store: Callable[[], Any], llm: Any = None) -> None:
        self._open_store = open_store
        self._store: Any = None
        self.llm = llm

    def draft(self, question: str, *, lead: Lead) -> DraftText:
        from handlers.documents.answer import answer_from_documents

        if self._store is None:
            self._store = self._open_store()
        answer = None
        if lead.project:
            answer = answer_from_documents(question, store=self._store, llm=self.llm, project=lead.project)
        if answer is None or not answer.found:
            answer = answer_from_documents(question, store=self._store, llm=self.llm)
        if not answer.found:
            return DraftText(False, "")
        sources = tuple(
            Source(title=c.title, ref=c.doc_id, detail=(f"p. {c.page}" if c.page else c.heading or ""),
                   excerpt=c.passage[:200])
            for c in answer.citations[:3]
        )
        return DraftText(True, answer.text, sources)


def answerer_from_settings(settings: Any) -> DocumentAnswerer:
    from handlers.documents.store import store_from_settings

    return DocumentAnswerer(open_store=lambda: store_from_settings(settings))


def create_draft(session: Session, *, inbound_id: int | None, parsed: ParsedEmail, lead: Lead, agent: Agent | None,
                 answer: DraftText | None) -> EmailDraft:
    """A pending draft answering ``parsed`` (the body is empty when the documents had nothing)."""
    found = bool(answer and answer.found)
    subject = parsed.subject or ""
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}".strip() if subject else render("email_in/draft_subject.j2", lead=lead)
    refs = [*parsed.references, *([parsed.message_id] if parsed.message_id else [])][-MAX_REFERENCES:]
    draft = EmailDraft(
        inbound_id=inbound_id, lead_id=lead.id, agent_id=agent.id if agent else None,
        to_address=(parsed.reply_to[0] if parsed.reply_to else None) or parsed.from_address or lead.email or "",
        subject=subject[:500],
        body=render("email_in/draft_email.j2", lead=lead, agent=agent, answer=answer) if found else "",
        found=found,
        sources=[s.__dict__ for s in (answer.sources if answer else ())],
        in_reply_to=parsed.message_id, references=" ".join(refs) or None, status="pending",
    )
    session.add(draft)
    session.flush()
    return draft


@dataclass
class DraftOutcome:
    status: str  # sent | discarded | needs_text | already | not_found | refused | failed
    draft_id: int
    message_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class Transport(Protocol):
    """handlers.campaigns.transport: returns once the server accepted the message, else raises."""

    def send(self, raw: bytes, *, mail_from: str, rcpt: str) -> None: ...


def decide_draft(session: Session, draft_id: int, decision: str, *, actor: Agent, transport: Transport,
                 mail_from: str, domain: str, body: str | None = None, now: datetime | None = None) -> DraftOutcome:
    """Send (optionally with the agent's ``body``), or discard, a pending draft. Once per draft.

    ``edit`` without a body answers ``needs_text`` with the draft's text for the channel to show
    in an editor; the edited text comes back as ``send`` with ``body``.
    """
    from handlers.actions.scope import may_act

    now = now or utcnow()
    decision = decision.strip().lower()
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    draft = session.get(EmailDraft, draft_id)
    if draft is None:
        return DraftOutcome("not_found", draft_id)
    lead = session.get(Lead, draft.lead_id)
    if lead is None or not may_act(actor, lead):
        return DraftOutcome("refused", draft_id)
    if draft.status != "pending":
        return DraftOutcome("already", draft_id, detail={"status": draft.status})
    text = (body if body is not None else draft.body or "").strip()
    if (decision == "edit" and body is None) or (decision == "send" and not text):
        return DraftOutcome("needs_text", draft_id, detail={"body": draft.body})
    target = "discarded" if decision == "discard" else "sent"
    claimed = session.execute(
        update(EmailDraft).where(EmailDraft.id == draft_id, EmailDraft.status == "pending")
        .values(status=target, decided_at=now).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(draft)
    if not claimed:
        return DraftOutcome("already", draft_id, detail={"status": draft.status})
    if target == "discarded":
        return DraftOutcome("discarded", draft_id)
    message_id = make_message_id(domain, lead.token) if lead.token else None
    raw = build_reply(draft, body=text, agent=actor, mail_from=mail_from, domain=domain, lead=lead,
                      message_id=message_id, now=now)
    try:
        transport.send(raw, mail_from=mail_from, rcpt=draft.to_address)
    except Exception as exc:  # the draft stays for another try; the agent hears it failed, not why
        log.warning("sending a drafted answer failed", extra={"draft_id": draft_id, "error": type(exc).__name__})
        draft.status, draft.decided_at, draft.error = "pending", None, type(exc).__name__
        session.flush()
        return DraftOutcome("failed", draft_id)
    draft.body, draft.message_id = text, message_id
    session.add(Interaction(lead_id=lead.id, agent_id=actor.id, kind="email", channel="email", occurred_at=now,
                            summary=render("email_in/sent_answer_summary.j2", subject=draft.subject,
                                           body=" ".join(text.split())[:1000])))
    if lead.last_contacted_at is None or lead.last_contacted_at < now:
        set_audited(session, lead, {"last_contacted_at": now}, actor=actor, channel="email")
    session.flush()
    return DraftOutcome("sent", draft_id, message_id=message_id)


def build_reply(draft: EmailDraft, *, body: str, agent: Agent, mail_from: str, domain: str, lead: Lead,
                message_id: str | None, now: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr((agent.name, mail_from))
    msg["To"] = draft.to_address
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(now)
    if message_id:
        msg["Message-ID"] = message_id
    if lead.token:
        msg["Reply-To"] = reply_address(domain, lead.token)
    if draft.in_reply_to:
        msg["In-Reply-To"] = draft.in_reply_to
    if draft.references:
        msg["References"] = draft.references
    msg.set_content(body)
    return msg.as_bytes()


def draft_sources(draft: EmailDraft) -> Sequence[Source]:
    return tuple(Source(**s) for s in (draft.sources or ()))
