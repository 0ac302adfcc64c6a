"""Carry out one plan action: the change itself plus one audit row per changed field.

Called only by ``decide_plan`` inside its transaction, after the plan was claimed, so each
action runs once per plan.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy.orm import Session

from crm.audit import record, set_audited
from crm.models import Agent, FollowUp, Interaction, Lead

from handlers.actions.describe import parse_time
from handlers.campaigns import changes as campaign_changes

# The fields of a created row that the audit trail records (and undo removes again).
INTERACTION_FIELDS = ("lead_id", "kind", "summary", "occurred_at")
FOLLOW_UP_FIELDS = ("lead_id", "title", "due_at", "notes")


def audit_created(session: Session, obj: Interaction | FollowUp, fields: tuple[str, ...], *, actor: Agent,
                  channel: str, plan_id: str, confidence: float | None) -> int:
    session.flush([obj])
    n = 0
    for f in fields:
        value = getattr(obj, f)
        if value is None:
            continue
        record(session, obj, f, None, value, actor=actor, channel=channel, plan_id=plan_id, confidence=confidence)
        n += 1
    return n


def apply_action(session: Session, action: Mapping[str, Any], *, lead: Lead | None, actor: Agent, channel: str,
                 plan_id: str, now: datetime) -> dict[str, Any]:
    """Apply ``action`` to ``lead``; returns what was done ({"audit_rows": n, ...})."""
    conf = action.get("confidence")
    kind = action["type"]
    if kind == "campaign":
        return campaign_changes.apply(session, action, actor=actor, channel=channel, plan_id=plan_id, now=now)
    assert lead is not None
    if kind == "update_status":
        rows = set_audited(session, lead, {"status": action["to"]}, actor=actor, channel=channel,
                           plan_id=plan_id, confidence=conf)
        return {"audit_rows": len(rows)}
    if kind == "log_interaction":
        at = parse_time(action.get("occurred_at")) or now
        inter = Interaction(lead_id=lead.id, agent_id=actor.id, kind=action["kind"],
                            summary=action.get("summary") or "", occurred_at=at, channel=channel, plan_id=plan_id)
        session.add(inter)
        n = audit_created(session, inter, INTERACTION_FIELDS, actor=actor, channel=channel, plan_id=plan_id,
                          confidence=conf)
        if lead.last_contacted_at is None or at > lead.last_contacted_at:
            n += len(set_audited(session, lead, {"last_contacted_at": at}, actor=actor, channel=channel,
                                 plan_id=plan_id, confidence=conf))
        return {"audit_rows": n, "interaction_id": inter.id}
    if kind == "schedule_follow_up":
        fu = FollowUp(lead_id=lead.id, agent_id=actor.id, title=action["title"], notes=action.get("notes"),
                      due_at=parse_time(action["due_at"]), plan_id=plan_id)
        session.add(fu)
        n = audit_created(session, fu, FOLLOW_UP_FIELDS, actor=actor, channel=channel, plan_id=plan_id,
                          confidence=conf)
        return {"audit_rows": n, "follow_up_id": fu.id}
    if kind == "opt_out":
        if lead.opted_out_at is not None:
            return {"audit_rows": 0}
        rows = set_audited(session, lead, {"opted_out_at": now}, actor=actor, channel=channel, plan_id=plan_id,
                           confidence=conf)
        return {"audit_rows": len(rows)}
    raise ValueError(f"unknown action type {kind}")
