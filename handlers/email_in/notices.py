"""Telling agents about leads' replies: notifications and proposals, worded by templates.

A lead's owner hears of the reply; a lead without an owner (or an unknown sender) goes to the
admins. A proposal is a pending plan (``handlers.actions.create_plan``, source ``lead_reply``)
plus a notification carrying its Confirm/Cancel choices, so it reaches the agent in Slack
(buttons) or at the console's next prompt.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import Choice, Reply, Source
from bot.notify import notify
from bot.templating import render, template_env
from crm.models import Agent, InboundMessage, Lead

log = logging.getLogger("crmbot.email_in")

EXCERPT_CHARS = 400
CHOICE_STYLES = {"confirm": "primary", "send": "primary", "create_lead": "primary", "cancel": "danger",
                 "discard": "danger"}


@dataclass
class Proposal:
    plan_id: str | None
    notified: list[int] = field(default_factory=list)


def words(template: str, **ctx: Any) -> str:
    return render(template, **ctx)


def label(name: str) -> str:
    """A button label from templates/email_in/labels.j2 (its top-level ``set`` names)."""
    return str(getattr(template_env().get_template("email_in/labels.j2").module, name))


def choices(*names: str, **action: Any) -> tuple[Choice, ...]:
    """Buttons. With ``action`` keys, each value is a JSON action (plus its decision) that the
    channel hands back as Message.action; without, the value is the bare decision."""
    out = []
    for name in names:
        value = json.dumps({**action, "decision": name}, sort_keys=True) if action else name
        out.append(Choice(label(name), value, CHOICE_STYLES.get(name, "default")))  # type: ignore[arg-type]
    return tuple(out)


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def admins(session: Session) -> list[Agent]:
    return list(session.scalars(select(Agent).where(Agent.role == "admin", Agent.active.is_(True))
                                .order_by(Agent.id)))


def recipients_for(session: Session, lead: Lead | None) -> list[Agent]:
    """Who hears about a lead: its active owner, else the admins."""
    owner = session.get(Agent, lead.owner_id) if lead is not None and lead.owner_id else None
    if owner is not None and owner.active:
        return [owner]
    return admins(session)


def _send(session: Session, agents: Iterable[Agent], template: str, *, kind: str, reply_kind: str,
          inbound_id: int | None, plan_id: str | None = None, choices: Sequence[Choice] = (),
          sources: Sequence[Source] = (), **ctx: Any) -> list[int]:
    ids = []
    for agent in agents:
        reply = Reply(text=render(template, agent=agent, **ctx), kind=reply_kind, plan_id=plan_id,  # type: ignore[arg-type]
                      choices=tuple(choices), sources=tuple(sources))
        ids.append(notify(session, agent_id=agent.id, kind=kind, reply=reply, plan_id=plan_id,
                          inbound_id=inbound_id).id)
    return ids


def tell_owner(session: Session, lead: Lead, template: str, *, kind: str, inbound_id: int | None,
               choices: Sequence[Choice] = (), **ctx: Any) -> list[int]:
    reply_kind = "proposal" if choices else "info"
    return _send(session, recipients_for(session, lead), template, kind=kind, reply_kind=reply_kind,
                 inbound_id=inbound_id, choices=choices, lead=lead, **ctx)


def tell_admins(session: Session, template: str, *, kind: str, inbound_id: int | None,
                choices: Sequence[Choice] = (), **ctx: Any) -> list[int]:
    reply_kind = "proposal" if choices else "info"
    return _send(session, admins(session), template, kind=kind, reply_kind=reply_kind, inbound_id=inbound_id,
                 choices=choices, **ctx)


def propose(session: Session, msg: InboundMessage, lead: Lead, *, template: str,
            actions: list[dict[str, Any]], ttl_minutes: int, **ctx: Any) -> Proposal:
    """A pending plan for the lead's owner (or an admin) and the notification that shows it."""
    from handlers.actions.plans import create_plan

    people = recipients_for(session, lead)
    if not people:
        log.warning("no agent to propose to; reply logged only", extra={"inbound_id": msg.id, "lead_id": lead.id})
        return Proposal(None)
    agent = people[0]
    plan = create_plan(session, actions=[{k: v for k, v in a.items() if v is not None} for a in actions],
                       agent=agent, conversation_key=f"email:{msg.message_id}", channel="email",
                       source="lead_reply", ttl_minutes=ttl_minutes)
    ids = _send(session, [agent], template, kind="proposal", reply_kind="proposal", inbound_id=msg.id,
                plan_id=plan.id, choices=choices("confirm", "cancel", plan_id=plan.id), lead=lead, plan=plan, **ctx)
    return Proposal(plan.id, ids)


def propose_answer(session: Session, msg: InboundMessage, parsed: Any, lead: Lead, *, answer: Any,
                   question: str) -> Proposal:
    """A drafted answer for the agent to send, edit or discard (or, with nothing found in the
    documents, a note that the lead's question waits for an answer)."""
    from handlers.email_in.drafts import create_draft

    people = recipients_for(session, lead)
    draft = create_draft(session, inbound_id=msg.id, parsed=parsed, lead=lead, agent=people[0] if people else None,
                         answer=answer)
    names = ("send", "edit", "discard") if draft.found else ("edit", "discard")
    ids = _send(session, people[:1], "email_in/question_draft.j2", kind="proposal", reply_kind="proposal",
                inbound_id=msg.id, choices=choices(*names, draft_id=draft.id),
                sources=answer.sources if draft.found else (), lead=lead, draft=draft,
                question=excerpt(question))
    return Proposal(None, ids)
