"""What an agent can do with a reminder: mark the follow-up done, or snooze it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from crm.audit import set_audited
from crm.models import Agent, FollowUp
from crm.types import utcnow

from handlers.actions.scope import may_act

SNOOZE_MINUTES = 60


@dataclass(frozen=True)
class FollowUpOutcome:
    status: Literal["done", "snoozed", "already_done", "not_found", "refused"]
    title: str = ""
    lead_name: str = ""
    until: datetime | None = None


def _load(session: Session, follow_up_id: object, actor: Agent) -> FollowUp | FollowUpOutcome:
    try:
        fu = session.get(FollowUp, int(follow_up_id))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        fu = None
    if fu is None:
        return FollowUpOutcome("not_found")
    if fu.agent_id != actor.id and not may_act(actor, fu.lead):
        return FollowUpOutcome("refused", fu.title, fu.lead.name)
    return fu


def complete_follow_up(session: Session, follow_up_id: object, *, actor: Agent, channel: str,
                       now: datetime | None = None) -> FollowUpOutcome:
    fu = _load(session, follow_up_id, actor)
    if isinstance(fu, FollowUpOutcome):
        return fu
    if fu.status != "open":
        return FollowUpOutcome("already_done", fu.title, fu.lead.name)
    set_audited(session, fu, {"status": "done", "completed_at": now or utcnow()}, actor=actor, channel=channel)
    return FollowUpOutcome("done", fu.title, fu.lead.name)


def snooze_follow_up(session: Session, follow_up_id: object, *, actor: Agent, channel: str,
                     minutes: int = SNOOZE_MINUTES, now: datetime | None = None) -> FollowUpOutcome:
    """Remind again after ``minutes``: the reminder job picks it up once ``snoozed_until`` passes."""
    fu = _load(session, follow_up_id, actor)
    if isinstance(fu, FollowUpOutcome):
        return fu
    if fu.status != "open":
        return FollowUpOutcome("already_done", fu.title, fu.lead.name)
    until = (now or utcnow()) + timedelta(minutes=minutes)
    set_audited(session, fu, {"snoozed_until": until, "reminded_at": None}, actor=actor, channel=channel)
    return FollowUpOutcome("snoozed", fu.title, fu.lead.name, until)
