"""Plans: proposed changes that wait for the agent's yes, then run once, in one transaction.

Deciding is idempotent per plan id, across processes: the plan row is claimed with a
conditional ``UPDATE plans SET status=... WHERE id=:id AND status='pending'`` and only the
transaction whose update matched a row goes on. On PostgreSQL a second confirmer blocks on
the row lock, re-reads the row after the first commits (READ COMMITTED), matches nothing and
reports the plan as already decided; on SQLite writers are serialised by the database lock.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Literal, Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crm.errors import CrmError
from crm.models import Agent, Lead, Plan
from crm.types import utcnow

from handlers.actions.describe import describe, lead_label
from handlers.actions.errors import NotOwner
from handlers.actions.scope import ensure_may_act
from handlers.actions.execute import apply_action
from handlers.actions.validate import load_lead, prepare_actions

OutcomeStatus = Literal["executed", "cancelled", "expired", "already", "not_found", "refused", "failed"]
CONFIRM = ("confirm", "yes")
CANCEL = ("cancel", "no")


@dataclass(frozen=True)
class Outcome:
    """What deciding a plan did. ``plan_status`` is the plan's status afterwards."""

    status: OutcomeStatus
    plan_id: str
    plan_status: str | None = None
    summary: str = ""
    audit_rows: int = 0
    reason: str | None = None  # refused/failed: not_your_plan | not_owner | lead_missing | invalid
    detail: dict[str, Any] = field(default_factory=dict)
    source: str | None = None


def _labels(session: Session, actions: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    out: dict[int, str] = {}
    for a in actions:
        lead = session.get(Lead, a["lead_id"]) if a.get("lead_id") is not None else None
        if lead is not None:
            out[lead.id] = lead_label(lead.name, lead.company)
    return out


def create_plan(
    session: Session,
    *,
    actions: Iterable[Mapping[str, Any]],
    agent: Agent,
    conversation_key: str,
    channel: str,
    source: str | None = None,
    ttl_minutes: int = 30,
    now: datetime | None = None,
    plan_id: str | None = None,
) -> Plan:
    """Check the actions, complete them and store a pending plan. Nothing else changes.

    Raises ``NotOwner``, ``LeadNotFound``, ``UnknownStatus``, ``UnknownKind`` or ``InvalidAction``.
    Given an existing ``plan_id``, returns that plan unchanged (a retried node makes no second plan).
    """
    if plan_id is not None:
        existing = session.get(Plan, plan_id)
        if existing is not None:
            return existing
    now = now or utcnow()
    prepared = prepare_actions(session, actions, actor=agent, now=now)
    if source is None:
        source = "campaign" if all(a["type"] == "campaign" for a in prepared) else "agent"
    plan = Plan(
        id=plan_id or str(uuid.uuid4()),
        conversation_key=conversation_key[:200],
        agent_id=agent.id,
        channel=channel,
        source=source,
        actions=prepared,
        summary=describe(prepared, tz=agent.timezone, now=now, labels=_labels(session, prepared)),
        status="pending",
        created_at=now,
        expires_at=now + timedelta(minutes=ttl_minutes),
    )
    session.add(plan)
    session.flush()
    return plan


def _claim(session: Session, plan: Plan, status: str, now: datetime) -> bool:
    """Move a pending plan to ``status``; False when another transaction decided it first."""
    stmt = update(Plan).where(Plan.id == plan.id, Plan.status == "pending")
    res = session.execute(stmt.values(status=status, decided_at=now).execution_options(synchronize_session=False))
    if res.rowcount != 1:
        return False
    # The row now says what this transaction wrote; tell the loaded object without reading it back.
    set_committed_value(plan, "status", status)
    set_committed_value(plan, "decided_at", now)
    return True


def _outcome(plan: Plan, status: OutcomeStatus, **kw: Any) -> Outcome:
    return Outcome(status=status, plan_id=plan.id, plan_status=plan.status, summary=plan.summary,
                   source=plan.source, **kw)


def decide_plan(session: Session, plan_id: str, decision: str, *, actor: Agent, channel: str,
                now: datetime | None = None) -> Outcome:
    """Confirm (run every action) or cancel a pending plan. The caller commits.

    A plan already decided, expired or unknown changes nothing and says so; only the plan's
    agent or an admin may decide it.
    """
    now = now or utcnow()
    decision = decision.strip().lower()
    if decision not in CONFIRM + CANCEL:
        raise ValueError(f"unknown decision {decision!r}")
    plan = session.get(Plan, plan_id) if plan_id else None
    if plan is None:
        return Outcome(status="not_found", plan_id=str(plan_id))
    if plan.agent_id != actor.id and not actor.is_admin:
        return _outcome(plan, "refused", reason="not_your_plan")
    if plan.status != "pending":
        return _outcome(plan, "already")
    if decision in CANCEL:
        if not _claim(session, plan, "cancelled", now):
            return _outcome(_reload(session, plan.id), "already")
        return _outcome(plan, "cancelled")
    if plan.expires_at is not None and plan.expires_at <= now:
        if _claim(session, plan, "expired", now):
            return _outcome(plan, "expired")
        return _outcome(_reload(session, plan.id), "already")
    # Check again what was checked when the plan was made: the lead may have been deleted or
    # reassigned since. A plan that can no longer run is marked failed and changes nothing.
    try:
        leads = {a["lead_id"]: _lead_for(session, a["lead_id"], actor) for a in plan.actions if "lead_id" in a}
    except NotOwner as exc:
        return _fail(session, plan, now, "not_owner", {"lead": exc.lead_name, "owner": exc.owner_name})
    except CrmError:
        return _fail(session, plan, now, "lead_missing", {})
    if not _claim(session, plan, "executed", now):
        return _outcome(_reload(session, plan.id), "already")
    audit_rows = 0
    results = []
    try:
        with session.begin_nested():
            for action in plan.actions:
                done = apply_action(session, action, lead=leads.get(action.get("lead_id")), actor=actor,
                                    channel=channel, plan_id=plan.id, now=now)
                audit_rows += done["audit_rows"]
                results.append(done)
    except CrmError as exc:
        # The thing changed since the plan was shown (a campaign cancelled meanwhile, say): the
        # savepoint undid whatever the plan had begun, and the plan is marked failed with the reason.
        plan.status = "failed"  # claimed by this transaction above: nobody else writes it
        plan.result = {"error": "invalid", "message": str(exc)}
        session.flush()
        return _outcome(plan, "failed", reason="invalid", detail={"message": str(exc)})
    plan.result = {"audit_rows": audit_rows, "actions": results, "decided_by": actor.id}
    session.flush()
    return _outcome(plan, "executed", audit_rows=audit_rows)


def _lead_for(session: Session, lead_id: object, actor: Agent) -> Lead:
    lead = load_lead(session, lead_id)
    ensure_may_act(actor, lead)
    return lead


def _fail(session: Session, plan: Plan, now: datetime, reason: str, detail: dict[str, Any]) -> Outcome:
    if not _claim(session, plan, "failed", now):
        return _outcome(_reload(session, plan.id), "already")
    plan.result = {"error": reason, **detail}
    session.flush()
    return _outcome(plan, "failed", reason=reason, detail=detail)


def _reload(session: Session, plan_id: str) -> Plan:
    return session.get(Plan, plan_id, populate_existing=True)  # type: ignore[return-value]


def pending_plan(session: Session, *, agent: Agent, conversation_key: str | None = None) -> Plan | None:
    """The agent's newest pending plan (in one conversation, when given)."""
    stmt = select(Plan).where(Plan.agent_id == agent.id, Plan.status == "pending")
    if conversation_key is not None:
        stmt = stmt.where(Plan.conversation_key == conversation_key)
    return session.scalars(stmt.order_by(Plan.created_at.desc()).limit(1)).first()
