"""Who may change a lead: its owner, or an admin. Nobody else, whatever the channel."""
from __future__ import annotations

from crm.models import Agent, Lead

from handlers.actions.errors import NotOwner


def may_act(actor: Agent, lead: Lead) -> bool:
    return actor.is_admin or (lead.owner_id is not None and lead.owner_id == actor.id)


def ensure_may_act(actor: Agent, lead: Lead) -> None:
    if not may_act(actor, lead):
        raise NotOwner(lead_id=lead.id, lead_name=lead.name, owner_name=lead.owner.name if lead.owner else None)
