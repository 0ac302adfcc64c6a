"""Undo: revert the agent's last executed plan through its audit rows, and audit the revert.

Only the most recent plan can be undone, only within the window, and only while nothing it
changed has been changed again since (otherwise undo would overwrite someone's later work).
The revert is recorded as a plan of its own (source "undo") whose audit rows are the inverse
of the original ones; the original plan's status becomes "undone".
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm.audit import record, set_audited
from crm.models import Agent, AuditEntry, FollowUp, Interaction, Lead, Plan
from crm.types import UTCDateTime, utcnow

UndoStatus = Literal["undone", "nothing", "too_old", "already_undone", "conflict", "not_undoable"]
CREATED = {"interactions": Interaction, "follow_ups": FollowUp}


@dataclass(frozen=True)
class UndoOutcome:
    status: UndoStatus
    plan_id: str | None = None
    summary: str = ""
    undo_plan_id: str | None = None
    audit_rows: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


def _typed(column_field: str, text: str | None) -> Any:
    if text is None:
        return None
    if isinstance(Lead.__table__.c[column_field].type, UTCDateTime):
        return datetime.fromisoformat(text)
    return text


def _same(current: Any, text: str | None) -> bool:
    if current is None or text is None:
        return current is None and text is None
    if isinstance(current, datetime):
        return current == datetime.fromisoformat(text)
    return str(current) == text


def _last_plan(session: Session, actor: Agent) -> Plan | None:
    # Plans decided in the same instant (a fixed clock, a coarse one) are told apart by their audit rows.
    last_row = select(func.max(AuditEntry.id)).where(AuditEntry.plan_id == Plan.id).scalar_subquery()
    stmt = (
        select(Plan)
        .where(Plan.agent_id == actor.id, Plan.source != "undo", Plan.status.in_(("executed", "undone")))
        .order_by(Plan.decided_at.desc(), last_row.desc().nulls_last())
        .limit(1)
    )
    return session.scalars(stmt).first()


def undo_last(session: Session, *, actor: Agent, channel: str, window_minutes: int,
              now: datetime | None = None) -> UndoOutcome:
    """Revert ``actor``'s last executed plan if it is recent and untouched since. The caller commits."""
    now = now or utcnow()
    plan = _last_plan(session, actor)
    if plan is None:
        return UndoOutcome("nothing")
    if plan.status == "undone":
        return UndoOutcome("already_undone", plan.id, plan.summary)
    if plan.source == "campaign":
        # Emails already sent cannot be unsent; a campaign is stopped with pause or cancel instead.
        return UndoOutcome("not_undoable", plan.id, plan.summary)
    if plan.decided_at is None or plan.decided_at < now - timedelta(minutes=window_minutes):
        return UndoOutcome("too_old", plan.id, plan.summary, detail={"minutes": window_minutes})
    rows = list(session.scalars(select(AuditEntry).where(AuditEntry.plan_id == plan.id).order_by(AuditEntry.id)))
    lead_fields: dict[tuple[int, str], list[str | None]] = {}  # (lead, field) -> [first old, last new]
    created: dict[tuple[str, int], list[AuditEntry]] = {}
    for r in rows:
        if r.entity == "leads":
            span = lead_fields.setdefault((r.entity_id, r.field), [r.old_value, r.new_value])
            span[1] = r.new_value
        elif r.entity in CREATED:
            created.setdefault((r.entity, r.entity_id), []).append(r)
    leads: dict[int, Lead] = {}
    for (lead_id, fld), (_old, new) in lead_fields.items():
        lead = session.get(Lead, lead_id)
        if lead is None:
            return UndoOutcome("conflict", plan.id, plan.summary, detail={"reason": "lead_missing"})
        if not _same(getattr(lead, fld), new):
            return UndoOutcome("conflict", plan.id, plan.summary,
                               detail={"reason": "changed_since", "lead": lead.name, "field": fld,
                                       "value": str(getattr(lead, fld) or "")})
        leads[lead_id] = lead
    claimed = session.execute(
        update(Plan).where(Plan.id == plan.id, Plan.status == "executed").values(status="undone")
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        return UndoOutcome("already_undone", plan.id, plan.summary)
    undo = Plan(id=str(uuid.uuid4()), conversation_key=plan.conversation_key, agent_id=actor.id, channel=channel,
                source="undo", actions=[{"type": "undo", "plan_id": plan.id}], summary=plan.summary,
                status="executed", created_at=now, decided_at=now)
    session.add(undo)
    session.flush()
    n = 0
    for (lead_id, fld), (old, _new) in lead_fields.items():
        n += len(set_audited(session, leads[lead_id], {fld: _typed(fld, old)}, actor=actor, channel=channel,
                             plan_id=undo.id))
    for (entity, entity_id), entity_rows in created.items():
        obj = session.get(CREATED[entity], entity_id)
        if obj is None:
            continue
        for r in entity_rows:
            record(session, obj, r.field, getattr(obj, r.field), None, actor=actor, channel=channel,
                   plan_id=undo.id)
            n += 1
        session.delete(obj)
    undo.result = {"audit_rows": n, "undid": plan.id}
    original = session.get(Plan, plan.id, populate_existing=True)
    original.result = {**(original.result or {}), "undone_by": undo.id, "undone_at": now.isoformat()}
    session.flush()
    return UndoOutcome("undone", plan.id, plan.summary, undo.id, n)
