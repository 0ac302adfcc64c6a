"""A lead at a glance: status, owner, last contact, open follow-ups, the last three interactions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Agent, FollowUp, Interaction

from handlers.actions.scope import ensure_may_act
from handlers.actions.validate import load_lead


@dataclass(frozen=True)
class FollowUpLine:
    id: int
    title: str
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class InteractionLine:
    kind: str
    summary: str
    occurred_at: datetime
    agent_name: str | None


@dataclass(frozen=True)
class LeadCard:
    lead_id: int
    name: str
    company: str | None
    email: str | None
    phone: str | None
    status: str
    owner_name: str | None
    project: str | None
    unit_type: str | None
    budget_min: int | None
    budget_max: int | None
    last_contacted_at: datetime | None
    opted_out: bool
    follow_ups: tuple[FollowUpLine, ...]
    interactions: tuple[InteractionLine, ...]


def lead_card(session: Session, lead_id: int, *, actor: Agent, now: datetime, interactions: int = 3) -> LeadCard:
    """Raises ``LeadNotFound``, or ``NotOwner`` for another agent's lead (admins see all)."""
    lead = load_lead(session, lead_id)
    ensure_may_act(actor, lead)
    fus = session.scalars(
        select(FollowUp).where(FollowUp.lead_id == lead.id, FollowUp.status == "open").order_by(FollowUp.due_at)
    )
    inters = session.scalars(
        select(Interaction).where(Interaction.lead_id == lead.id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(interactions)
    )
    return LeadCard(
        lead_id=lead.id, name=lead.name, company=lead.company, email=lead.email, phone=lead.phone,
        status=lead.status, owner_name=lead.owner.name if lead.owner else None, project=lead.project,
        unit_type=lead.unit_type, budget_min=lead.budget_min, budget_max=lead.budget_max,
        last_contacted_at=lead.last_contacted_at, opted_out=lead.opted_out_at is not None,
        follow_ups=tuple(FollowUpLine(f.id, f.title, f.due_at, f.due_at < now) for f in fus),
        interactions=tuple(InteractionLine(i.kind, i.summary, i.occurred_at, i.agent.name if i.agent else None)
                           for i in inters),
    )
