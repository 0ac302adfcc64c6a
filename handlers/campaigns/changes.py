"""Campaign changes as plan actions: checked when the plan is made, carried out once confirmed.

A chat command that changes a campaign (create, schedule, pause, resume, cancel) becomes one
plan action, plain JSON like every plan action::

    {"type": "campaign", "op": "schedule", "campaign": "Spring launch",
     "options": {"at": "2026-12-01T09:00:00+00:00", ...}, "preview": {...}}

``options`` are complete when the plan is made (sender, time zone and times resolved), so
carrying the action out needs nothing but the database. ``preview`` is what the agent was
shown: the campaign as it would be after the change. Confirming runs the same service
function and writes one audit row per changed campaign field; a change the campaign no
longer allows (it was cancelled meanwhile) raises the service's error and changes nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy.orm import Session

from crm.audit import record
from crm.errors import InvalidInput
from crm.models import Agent, Campaign
from handlers.campaigns import outbox, service
from handlers.campaigns.service import CampaignView

OPS = ("create", "schedule", "pause", "resume", "cancel")
# The campaign fields a change may touch, audited when they do.
AUDITED = ("state", "schedule", "timezone", "pause_reason")
CREATED = ("name", "template", "sender", "audience", "timezone", "state")


def change(session: Session, op: str, name: str, options: Mapping[str, Any], *, actor: Agent | None,
           now: datetime) -> CampaignView:
    """Make the change (the caller commits or rolls back)."""
    if op == "create":
        return service.create_campaign(
            session, name=name, sender=options["sender"], audience=dict(options.get("audience") or {}),
            template=options["template"], timezone_name=options["timezone"], rate_per_second=options.get("rate"),
            max_consecutive_failures=int(options.get("max_failures") or 10),
            options={"passages": int(options.get("passages") or 0),
                     "personal_paragraph": bool(options.get("personal_paragraph"))},
            actor=actor,
        )
    if op == "schedule":
        return service.schedule_campaign(session, name, actor=actor, at=options.get("at"), cron=options.get("cron"),
                                         now=bool(options.get("now")), timezone_name=options.get("timezone"),
                                         clock=lambda: now)
    if op == "pause":
        return service.pause_campaign(session, name, actor=actor)
    if op == "resume":
        return service.resume_campaign(session, name, actor=actor, clock=lambda: now)
    if op == "cancel":
        return service.cancel_campaign(session, name, actor=actor)
    raise InvalidInput(f"unknown campaign change {op!r}")


def preview(session: Session, op: str, name: str, options: Mapping[str, Any], *, actor: Agent | None,
            now: datetime) -> dict[str, Any]:
    """The campaign as it would be after the change, without changing anything.

    Raises the service's typed error when the change is not possible, so the agent hears it
    before being asked to confirm. ``session`` must be one the caller does not commit.
    """
    was, waiting = None, 0
    if op != "create":
        current = service.get_campaign(session, name, actor=actor)
        was = current.state
        by_state = outbox.counts(session, current.id).by_state
        waiting = sum(n for state, n in by_state.items() if state in outbox.OPEN_STATES)
    after = change(session, op, name, options, actor=actor, now=now)
    session.rollback()
    size = after.audience_size
    return {"campaign": after.name, "state": after.state, "was": was,
            "schedule": after.schedule, "timezone": after.timezone, "next_run": after.next_run,
            "audience_size": size, "template": after.template, "sender": after.sender,
            "counts": after.counts, "waiting": waiting}


def apply(session: Session, action: Mapping[str, Any], *, actor: Agent, channel: str, plan_id: str,
          now: datetime) -> dict[str, Any]:
    """Carry out a confirmed campaign action; one audit row per campaign field it changed."""
    op, name, options = action["op"], action["campaign"], action.get("options") or {}
    existing = service.get_campaign(session, name, actor=actor) if op != "create" else None
    before = {f: getattr(existing, f) for f in AUDITED} if existing is not None else None
    result = change(session, op, name, options, actor=actor, now=now)
    campaign = session.get(Campaign, result.id)
    assert campaign is not None
    fields = CREATED if before is None else AUDITED
    n = 0
    for f in fields:
        old = None if before is None else before.get(f)
        new = getattr(campaign, f)
        if old != new:
            record(session, campaign, f, old, new, actor=actor, channel=channel, plan_id=plan_id)
            n += 1
    return {"audit_rows": n, "campaign_id": campaign.id, "state": campaign.state}

