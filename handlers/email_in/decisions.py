"""An agent's answer to an email notification, from any channel: one entry point for the brain.

Notifications about leads' emails carry buttons whose values come back as ``Message.action``:

- ``{"draft_id": N, "decision": "send" | "edit" | "discard", "body"?: text}``: a drafted answer;
- ``{"inbound_id": N, "decision": "create_lead" | "ignore"}``: an email from an unknown sender.

(Plan proposals carry ``{"plan_id", "decision": "confirm" | "cancel"}`` and go to
``handlers.actions.decide_plan`` like any plan.) ``decide`` does the work and returns the Reply
to show; the words come from templates/email_in/decided.j2.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy.orm import Session

from bot.messages import Reply
from bot.templating import render
from crm.errors import CrmError
from crm.models import Agent, InboundMessage
from crm.types import utcnow


def is_email_action(action: Mapping[str, Any] | None) -> bool:
    return bool(action) and ("draft_id" in action or ("inbound_id" in action and "decision" in action))


def decide(session: Session, action: Mapping[str, Any], *, actor: Agent, transport: Any, mail_from: str,
           domain: str, understander: Any = None, now: datetime | None = None, **process_kw: Any) -> Reply:
    """Carry out ``action`` for ``actor`` in the caller's transaction; never raises for bad input."""
    now = now or utcnow()
    decision = str(action.get("decision") or "").strip().lower()
    try:
        if "draft_id" in action:
            from handlers.email_in.drafts import DECISIONS, decide_draft

            if decision not in DECISIONS:
                return _reply("unknown", kind="error")
            body = action.get("body")
            outcome = decide_draft(session, int(action["draft_id"]), decision, actor=actor, transport=transport,
                                   mail_from=mail_from, domain=domain, body=str(body) if body is not None else None,
                                   now=now)
            kind = {"sent": "done", "discarded": "info", "needs_text": "question", "already": "info"}.get(
                outcome.status, "error")
            return _reply(f"draft_{outcome.status}", kind=kind, body=outcome.detail.get("body"))
        if "inbound_id" in action:
            inbound_id = int(action["inbound_id"])
            if decision == "create_lead":
                from handlers.email_in.unmatched import create_lead_from

                if understander is None:
                    return _reply("unknown", kind="error")
                created = create_lead_from(session, inbound_id, actor=actor, understander=understander, now=now,
                                           **process_kw)
                return _reply("lead_created", kind="done", lead=created.lead, existed=created.existed)
            if decision == "ignore":
                return _reply("ignored" if ignore_unmatched(session, inbound_id, actor=actor, now=now)
                              else "already", kind="info")
    except CrmError:
        return _reply("refused", kind="error")
    except (TypeError, ValueError):
        return _reply("unknown", kind="error")
    return _reply("unknown", kind="error")


def ignore_unmatched(session: Session, inbound_id: int, *, actor: Agent, now: datetime) -> bool:
    """An admin says an unknown sender's email needs nothing: it is kept, marked ignored."""
    from crm.errors import NotAllowed

    if not actor.is_admin:
        raise NotAllowed("only an admin handles email from unknown senders")
    msg = session.get(InboundMessage, inbound_id)
    if msg is None or msg.state != "unmatched":
        return False
    msg.state, msg.processed_at = "ignored", now
    return True


def _reply(what: str, *, kind: str, **ctx: Any) -> Reply:
    return Reply(text=render("email_in/decided.j2", what=what, **ctx), kind=kind,  # type: ignore[arg-type]
                 ephemeral=kind == "error")
