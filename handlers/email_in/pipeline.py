"""What happens to a stored message: parsed, checked, threaded to a lead, understood, acted on.

The order follows the mail gateways that get it right (Odoo, Chatwoot):

1. parse (never raises; a message with no headers at all is not an email and fails here);
2. mail from a mail system before anything else: a bounce marks the lead's address as bouncing,
   a spam complaint (RFC 5965) opts the lead out, delivery reports and read receipts are kept
   and ignored;
3. loop protection: a sender with ``loop_limit`` messages in ``loop_window`` is ignored
   (Odoo's 20 in 120 minutes), so an auto-responder war cannot flood the agents;
4. threading to a lead (``handlers.email_in.threading``); an unknown sender is kept
   ``unmatched`` and the admins get a create-lead proposal;
5. auto-replies (RFC 3834) are logged on the lead and nothing is ever sent back;
6. the lead's intent from the visible text, and what follows from it: unsubscribe acts at once,
   everything else that changes the CRM is a proposal the owning agent confirms.

Every reply a person wrote is logged as an email interaction and moves last-contacted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.audit import set_audited
from crm.models import Agent, InboundMessage, Interaction, Lead, OutboxMessage
from handlers.email_in import bounces, notices
from handlers.email_in.inbox import LOOP_LIMIT, LOOP_WINDOW, db_text, recent_from
from handlers.email_in.parsing import ParsedEmail, parse_email
from handlers.email_in.threading import Route, addresses, lead_by_email, route, token_of_message_id
from handlers.unsubscribe import opt_out

log = logging.getLogger("crmbot.email_in")

MAX_VISIBLE = 20_000
MAX_SUBJECT = 500
# Below this the understanding is not sure enough to opt a lead out unasked: the owner confirms.
UNSUBSCRIBE_MIN_CONFIDENCE = 0.55
# Lead-reply proposals wait for the agent far longer than a chat plan: they may see it tomorrow.
PROPOSAL_TTL_MINUTES = 7 * 24 * 60
MEETING_DEFAULT = time(10, 0)  # a requested meeting without a time: the project's day default
# A Date header further off than this is not trusted for when the reply was written.
DATE_TRUST = timedelta(days=30)
# Reasons a permanent failure is about our sending, not the address (sisimai's names).
_NOT_ADDRESS_REASONS = frozenset({"blocked", "spamdetected", "policyviolation", "securityerror", "rejected",
                                  "mesgtoobig", "filtered", "toomanyconn", "networkerror", "systemerror", "expired",
                                  "syntaxerror"})
# What a reply is about, strongest first: one message may carry several intents.
INTENT_ORDER = ("unsubscribe", "not_interested", "meeting_request", "question", "interested", "other")


class Understands(Protocol):
    def understand(self, text: str, *, channel: str, speaker: Any = None, now: datetime, tz: str,
                   session: Session | None = None, context: Any = None) -> Any: ...


@dataclass
class Deps:
    """What the pipeline needs besides the session; built once per process and passed down."""

    understander: Understands
    answerer: Any = None  # handlers.email_in.drafts.Answerer, or None
    domains: tuple[str, ...] = ()
    timezone: str = "UTC"
    loop_limit: int = LOOP_LIMIT
    loop_window: timedelta = LOOP_WINDOW
    proposal_ttl_minutes: int = PROPOSAL_TTL_MINUTES


@dataclass
class Outcome:
    """What happened to one message, for logs, the CLI and tests."""

    state: str
    classification: str
    lead_id: int | None = None
    plan_ids: list[str] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)


class StageError(Exception):
    """A failure tagged with the pipeline stage it happened in (shown to admins as the reason)."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"{stage}: {type(cause).__name__}")
        self.stage = stage
        self.reason = type(cause).__name__


def handle(session: Session, msg: InboundMessage, *, deps: Deps, now: datetime) -> Outcome:
    stage = "parsing"
    try:
        parsed = _storable(parse_email(msg.raw or b""))
        _remember(msg, parsed)
        if not parsed.headers:
            return _finish(msg, now, "failed", "unreadable", error="parsing failed: no email headers")
        stage = "classification"
        kind = bounces.classify(parsed)
        if kind.kind == bounces.BOUNCE:
            stage = "bounce"
            return _bounce(session, msg, parsed, kind, deps=deps, now=now)
        if kind.kind == bounces.COMPLAINT:
            stage = "complaint"
            return _complaint(session, msg, parsed, kind, deps=deps, now=now)
        if kind.kind in (bounces.DELIVERY_REPORT, bounces.RECEIPT):
            return _finish(msg, now, "ignored", kind.kind)
        stage = "loop protection"
        if parsed.from_address and recent_from(session, parsed.from_address, since=now - deps.loop_window,
                                                exclude_id=msg.id) >= deps.loop_limit:
            log.warning("sender over the loop limit; message ignored", extra={"inbound_id": msg.id})
            return _finish(msg, now, "ignored", "loop")
        stage = "threading"
        found = _route(session, msg, parsed, deps=deps)
        msg.lead_id = found.lead.id if found.lead else None
        msg.outbox_id = found.outbox_id
        if kind.kind == bounces.AUTO_REPLY:
            return _auto_reply(session, msg, parsed, found.lead, now=now)
        if found.lead is None:
            stage = "unmatched"
            return _unmatched(session, msg, parsed, now=now)
        stage = "understanding"
        return _reply(session, msg, parsed, found.lead, deps=deps, now=now)
    except StageError:
        raise
    except Exception as exc:
        raise StageError(stage, exc) from exc


# --- the steps ------------------------------------------------------------------------------

def _storable(parsed: ParsedEmail) -> ParsedEmail:
    """The parsed fields that reach the database, made storable (see ``inbox.db_text``)."""
    return replace(parsed, subject=db_text(parsed.subject) or "", visible_text=db_text(parsed.visible_text) or "",
                   from_name=db_text(parsed.from_name), from_address=db_text(parsed.from_address),
                   message_id=db_text(parsed.message_id),
                   reply_to=tuple(db_text(a) or "" for a in parsed.reply_to),
                   references=tuple(db_text(r) or "" for r in parsed.references),
                   in_reply_to=tuple(db_text(r) or "" for r in parsed.in_reply_to))


def _remember(msg: InboundMessage, parsed: ParsedEmail) -> None:
    msg.from_address = (parsed.from_address or "")[:320] or None
    msg.subject = (parsed.subject or "")[:MAX_SUBJECT] or None
    msg.visible_text = (parsed.visible_text or "")[:MAX_VISIBLE]
    msg.error = None


def _finish(msg: InboundMessage, now: datetime, state: str, classification: str, *, error: str | None = None,
            lead: Lead | None = None, plan_ids: list[str] | None = None,
            notified: list[int] | None = None) -> Outcome:
    msg.state = state
    msg.classification = classification
    msg.error = error
    msg.processed_at = now
    if lead is not None:
        msg.lead_id = lead.id
    log.info("inbound message handled", extra={"inbound_id": msg.id, "state": state,
                                                "classification": classification, "lead_id": msg.lead_id})
    return Outcome(state, classification, msg.lead_id, plan_ids or [], notified or [])


def _route(session: Session, msg: InboundMessage, parsed: ParsedEmail, *, deps: Deps) -> Route:
    envelope = [a.strip() for a in (msg.rcpt_to or "").split(",") if a.strip()]
    recipients = addresses(*envelope, *parsed.to, *parsed.cc, *parsed.delivered_to)
    return route(session, in_reply_to=" ".join(parsed.in_reply_to), references=list(parsed.references),
                 recipients=recipients, sender=parsed.from_address, domains=deps.domains)


def _bounce(session: Session, msg: InboundMessage, parsed: ParsedEmail, kind: bounces.Classification, *,
            deps: Deps, now: datetime) -> Outcome:
    lead = _bounced_lead(session, msg, parsed, kind, deps=deps)
    if lead is None:
        return _finish(msg, now, "ignored", "bounce")
    mine = [r for r in kind.recipients if r.address and lead.email and r.address.lower() == lead.email.lower()]
    permanent = [r for r in (mine or kind.recipients) if r.action == "failed" and
                 (r.hard or (r.status.startswith("5") and r.reason not in _NOT_ADDRESS_REASONS))]
    notified: list[int] = []
    if permanent:
        set_audited(session, lead, {"email_bouncing": True}, actor=None, channel="email")
        reason = permanent[0]
        notified = notices.tell_owner(session, lead, "email_in/bounced.j2", kind="info", inbound_id=msg.id,
                                      status=reason.status, reason=reason.reason,
                                      diagnostic=(reason.diagnostic or "")[:300])
    return _finish(msg, now, "processed", "bounce", lead=lead, notified=notified)


def _bounced_lead(session: Session, msg: InboundMessage, parsed: ParsedEmail, kind: bounces.Classification, *,
                  deps: Deps) -> Lead | None:
    if kind.original_message_id:
        row = session.execute(select(OutboxMessage.id, OutboxMessage.lead_id).where(
            OutboxMessage.message_id.in_([kind.original_message_id, kind.original_message_id.strip("<>")]))).first()
        if row is not None and row.lead_id is not None:
            msg.outbox_id = row.id
            return session.get(Lead, row.lead_id)
        token = token_of_message_id(kind.original_message_id)
        if token:
            lead = session.scalar(select(Lead).where(Lead.token == token))
            if lead is not None:
                return lead
    for address in kind.bounced_addresses or tuple(r.address for r in kind.recipients if r.address):
        lead = lead_by_email(session, address)
        if lead is not None:
            return lead
    # A bounce sent to our VERP-style reply address, or one quoting our In-Reply-To.
    found = _route(session, msg, parsed, deps=deps)
    return found.lead if found.matched_on in ("in_reply_to", "references", "reply_address") else None


def _complaint(session: Session, msg: InboundMessage, parsed: ParsedEmail, kind: bounces.Classification, *,
               deps: Deps, now: datetime) -> Outcome:
    """A spam complaint means the person wants no more mail: opt them out (RFC 6449 section 3.6)."""
    lead = _bounced_lead(session, msg, parsed, kind, deps=deps)
    if lead is None:
        return _finish(msg, now, "ignored", "complaint")
    result = opt_out(session, lead=lead, channel="email")
    _skip_pending_outbox(session, lead)
    notified = [] if result.already else notices.tell_owner(
        session, lead, "email_in/complaint.j2", kind="info", inbound_id=msg.id)
    return _finish(msg, now, "processed", "complaint", lead=lead, notified=notified)


def _auto_reply(session: Session, msg: InboundMessage, parsed: ParsedEmail, lead: Lead | None, *,
                now: datetime) -> Outcome:
    """Logged on the lead (it says when they are back); never answered, never notified (RFC 3834)."""
    if lead is None:
        return _finish(msg, now, "ignored", "auto_reply")
    _log_interaction(session, msg, parsed, lead, now=now, automatic=True)
    return _finish(msg, now, "processed", "auto_reply", lead=lead)


def _unmatched(session: Session, msg: InboundMessage, parsed: ParsedEmail, *, now: datetime) -> Outcome:
    """Kept for an admin; the admins hear of a sender once, not for every message they send."""
    notified: list[int] = []
    earlier = None
    if parsed.from_address:
        earlier = session.scalar(select(InboundMessage.id).where(
            InboundMessage.from_address == parsed.from_address, InboundMessage.state == "unmatched",
            InboundMessage.id != msg.id).limit(1))
    if earlier is None:
        notified = notices.tell_admins(session, "email_in/unmatched.j2", kind="proposal", inbound_id=msg.id,
                                       choices=notices.choices("create_lead", "ignore", inbound_id=msg.id),
                                       inbound=msg, sender=parsed.from_address, sender_name=parsed.from_name,
                                       subject=parsed.subject, excerpt=notices.excerpt(parsed.visible_text))
    return _finish(msg, now, "unmatched", "unmatched", notified=notified)


def _reply(session: Session, msg: InboundMessage, parsed: ParsedEmail, lead: Lead, *, deps: Deps,
           now: datetime) -> Outcome:
    owner = session.get(Agent, lead.owner_id) if lead.owner_id else None
    tz = (owner.timezone if owner else None) or deps.timezone
    text = parsed.visible_text or ""
    if not text.strip():
        intents: dict[str, Any] = {"other": None}
        classification = "empty"
    else:
        understanding = deps.understander.understand(text, channel="lead", speaker=None, now=now, tz=tz,
                                                     session=session)
        intents = {}
        for action in understanding.actions:
            intents.setdefault(action.intent, action)
        if not intents:
            intents = {"other": None}
        if "auto_reply" in intents:
            return _auto_reply(session, msg, parsed, lead, now=now)
        classification = next((i for i in INTENT_ORDER if i in intents), "other")

    _log_interaction(session, msg, parsed, lead, now=now, automatic=False, intent=classification)
    plan_ids: list[str] = []
    notified: list[int] = []
    ttl = deps.proposal_ttl_minutes
    short = notices.excerpt(text)

    def proposed(p: notices.Proposal) -> None:
        if p.plan_id:
            plan_ids.append(p.plan_id)
        notified.extend(p.notified)

    if "unsubscribe" in intents:
        confidence = _confidence(intents["unsubscribe"])
        if confidence >= UNSUBSCRIBE_MIN_CONFIDENCE:
            result = opt_out(session, lead=lead, channel="email", confidence=confidence)
            _skip_pending_outbox(session, lead)
            notified += notices.tell_owner(session, lead, "email_in/unsubscribed.j2", kind="info",
                                           inbound_id=msg.id, already=result.already, excerpt=short)
        else:
            proposed(notices.propose(session, msg, lead, template="email_in/proposal_opt_out.j2", ttl_minutes=ttl,
                                     actions=[{"type": "opt_out", "lead_id": lead.id, "confidence": confidence}],
                                     excerpt=short))
    if "not_interested" in intents:
        if lead.status != "closed_lost":
            proposed(notices.propose(
                session, msg, lead, template="email_in/proposal_not_interested.j2", ttl_minutes=ttl,
                actions=[{"type": "update_status", "lead_id": lead.id, "to": "closed_lost",
                          "confidence": _confidence(intents["not_interested"])}],
                excerpt=short))
        else:
            notified += notices.tell_owner(session, lead, "email_in/lead_reply.j2", kind="lead_reply",
                                           inbound_id=msg.id, intent="not_interested",
                                           subject=parsed.subject, excerpt=short, attachments=0)
    if "meeting_request" in intents:
        action = intents["meeting_request"]
        fields = getattr(action, "fields", None) or {}
        due = fields.get("due")
        asked = isinstance(due, datetime) and due.tzinfo is not None and not fields.get("due_past")
        if not asked:
            due = _default_meeting_time(now, tz)
        proposed(notices.propose(
            session, msg, lead, template="email_in/proposal_meeting.j2", ttl_minutes=ttl,
            actions=[{"type": "schedule_follow_up", "lead_id": lead.id,
                      "title": notices.words("email_in/follow_up_title.j2", lead=lead),
                      "due_at": due.isoformat(),
                      "notes": notices.words("email_in/follow_up_notes.j2", lead=lead, subject=parsed.subject,
                                             excerpt=short, asked=asked),
                      "confidence": _confidence(action)}],
            excerpt=short, asked=asked))
    if "question" in intents:
        proposed(notices.propose_answer(session, msg, parsed, lead, answer=_draft(deps, text, lead), question=text))
    if not (intents.keys() & {"unsubscribe", "not_interested", "meeting_request", "question"}):
        notified += notices.tell_owner(session, lead, "email_in/lead_reply.j2", kind="lead_reply",
                                       inbound_id=msg.id, intent=classification, subject=parsed.subject,
                                       excerpt=short, attachments=len(parsed.attachments))
    return _finish(msg, now, "processed", classification, lead=lead, plan_ids=plan_ids, notified=notified)


def _confidence(action: Any) -> float:
    value = getattr(action, "confidence", None)
    return 1.0 if value is None else float(value)


def _draft(deps: Deps, question: str, lead: Lead) -> Any:
    if deps.answerer is None:
        return None
    try:
        return deps.answerer.draft(question, lead=lead)
    except Exception:  # a failing document store must not lose the reply: the agent still hears of it
        log.exception("drafting an answer failed")
        return None


def _log_interaction(session: Session, msg: InboundMessage, parsed: ParsedEmail, lead: Lead, *, now: datetime,
                     automatic: bool, intent: str | None = None) -> Interaction:
    when = _written_at(parsed, now)
    template = "email_in/auto_reply_summary.j2" if automatic else "email_in/interaction_summary.j2"
    interaction = Interaction(
        lead_id=lead.id, agent_id=None, kind="email", channel="email", inbound_id=msg.id, occurred_at=when,
        summary=notices.words(template, subject=parsed.subject, excerpt=notices.excerpt(parsed.visible_text, 1000),
                              intent=intent, attachments=[db_text(a.filename) for a in parsed.attachments if a.filename]),
    )
    session.add(interaction)
    if not automatic and (lead.last_contacted_at is None or lead.last_contacted_at < when):
        set_audited(session, lead, {"last_contacted_at": when}, actor=None, channel="email")
    return interaction


def _written_at(parsed: ParsedEmail, now: datetime) -> datetime:
    date = parsed.date
    if date is not None and now - DATE_TRUST <= date <= now + timedelta(minutes=5):
        return date
    return now


def _default_meeting_time(now: datetime, tz: str) -> datetime:
    """No usable time asked for: propose the next working day at 10:00 for the agent to adjust."""
    try:
        local = now.astimezone(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        local = now.astimezone(ZoneInfo("UTC"))
    day = local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, MEETING_DEFAULT, tzinfo=local.tzinfo)


def _skip_pending_outbox(session: Session, lead: Lead) -> None:
    """No further campaign email to an opted-out lead, even one already queued."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.lead_id == lead.id, OutboxMessage.state.in_(["pending", "retry"]))
        .values(state="skipped", last_error="lead opted out")
    )
