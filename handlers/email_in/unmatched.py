"""Email from senders who are not leads: kept ``unmatched`` until an admin makes them a lead.

Creating the lead (audited like any import) and handling the kept message again, so the reply
is logged on the new lead and understood like any other.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crm.audit import record
from crm.errors import InvalidInput, NotAllowed, NotFound
from crm.models import Agent, InboundMessage, Lead
from handlers.email_in.parsing import parse_email
from handlers.email_in.threading import lead_by_email

LEAD_FIELDS = ("name", "email", "owner_id", "source")


@dataclass(frozen=True)
class CreatedLead:
    lead: Lead
    existed: bool
    message: InboundMessage


def create_lead_from(session: Session, inbound_id: int, *, actor: Agent, owner: Agent | None = None,
                     understander: Any, now: datetime, **process_kw: Any) -> CreatedLead:
    """An admin makes the sender of an unmatched message a lead (owned by ``owner``, else by the
    admin) and the message is processed again. A sender who became a lead meanwhile is reused."""
    from handlers.email_in.inbox import process

    if not actor.is_admin:
        raise NotAllowed("only an admin handles email from unknown senders")
    msg = session.get(InboundMessage, inbound_id)
    if msg is None:
        raise NotFound(f"no inbound message {inbound_id}")
    if msg.state != "unmatched":
        raise InvalidInput(f"inbound message {inbound_id} is {msg.state}, not unmatched")
    parsed = parse_email(msg.raw or b"")
    address = parsed.from_address
    if not address:
        raise InvalidInput(f"inbound message {inbound_id} has no sender address")
    lead = lead_by_email(session, address)
    existed = lead is not None
    if lead is None:
        lead = Lead(name=_name(parsed.from_name, address), email=address.lower(), status="new",
                    owner_id=(owner or actor).id, source="email", token=secrets.token_urlsafe(16))
        session.add(lead)
        session.flush()
        for field in LEAD_FIELDS:
            record(session, lead, field, None, getattr(lead, field), actor=actor, channel="email")
    processed = process(session, inbound_id, understander=understander, now=now, states=("unmatched",),
                        **process_kw)
    return CreatedLead(lead, existed, processed)


def _name(display: str | None, address: str) -> str:
    display = " ".join((display or "").replace('"', " ").split())
    if display and "@" not in display:
        return display[:200]
    local = address.split("@")[0].split("+")[0]
    words = [w for w in local.replace("_", ".").replace("-", ".").split(".") if w]
    return " ".join(w.capitalize() for w in words)[:200] or address
