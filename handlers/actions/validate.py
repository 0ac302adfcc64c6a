"""Check and complete plan actions before they are shown, and again before they run.

Actions are the JSON shared by the brain, email proposals and Slack (see ``PLAN_ACTION_TYPES``).
Completing means filling in what the agent did not say but must see: the lead's name, its
current status ("from"), and times as ISO strings with an offset.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy.orm import Session

from crm.models import INTERACTION_KINDS, LEAD_STATUSES, Agent, Lead

from handlers.actions.describe import parse_time
from handlers.actions.errors import InvalidAction, LeadNotFound, UnknownKind, UnknownStatus
from handlers.actions.scope import ensure_may_act
from handlers.campaigns.changes import OPS as CAMPAIGN_OPS

PLAN_ACTION_TYPES = ("update_status", "log_interaction", "schedule_follow_up", "opt_out", "campaign")
# Actions about something other than one lead (no ``lead_id``): checked by their own handler.
NOT_ABOUT_A_LEAD = ("campaign",)


def normalise_status(value: object) -> str:
    """'Closed Won', 'closed-won' and 'closed_won' are the same status."""
    return "_".join(str(value or "").strip().lower().replace("-", " ").split())


def _iso(value: object, *, field: str) -> str:
    try:
        dt = parse_time(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidAction(reason="time_without_zone", field=field) from None
    if dt is None:
        raise InvalidAction(reason="missing", field=field)
    return dt.isoformat()


def load_lead(session: Session, lead_id: object) -> Lead:
    try:
        key = int(lead_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise LeadNotFound(lead_id=lead_id) from None
    lead = session.get(Lead, key)
    if lead is None:
        raise LeadNotFound(lead_id=lead_id)
    return lead


def prepare_action(session: Session, action: Mapping[str, Any], *, actor: Agent, now: datetime) -> dict[str, Any]:
    kind = action.get("type")
    if kind not in PLAN_ACTION_TYPES:
        raise InvalidAction(reason="unknown_type", field="type")
    if kind == "campaign":
        return _campaign_action(action)
    lead = load_lead(session, action.get("lead_id"))
    ensure_may_act(actor, lead)
    out: dict[str, Any] = {"type": kind, "lead_id": lead.id, "lead_name": lead.name}
    if kind == "update_status":
        to = normalise_status(action.get("to"))
        if to not in LEAD_STATUSES:
            raise UnknownStatus(status=str(action.get("to") or ""), valid=LEAD_STATUSES)
        out.update({"from": lead.status, "to": to})
    elif kind == "log_interaction":
        k = str(action.get("kind") or "").strip().lower()
        if k not in INTERACTION_KINDS:
            raise UnknownKind(kind=k, valid=INTERACTION_KINDS)
        when = action.get("occurred_at") or now
        out.update({"kind": k, "summary": str(action.get("summary") or "").strip(),
                    "occurred_at": _iso(when, field="occurred_at")})
    elif kind == "schedule_follow_up":
        title = str(action.get("title") or "").strip()
        if not title:
            raise InvalidAction(reason="missing", field="title")
        out.update({"title": title[:300], "due_at": _iso(action.get("due_at"), field="due_at"),
                    "notes": (str(action["notes"]).strip() or None) if action.get("notes") else None})
    if action.get("confidence") is not None:
        out["confidence"] = float(action["confidence"])
    return out


def _campaign_action(action: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign change, already checked by ``handlers.campaigns.changes.preview``."""
    if action.get("op") not in CAMPAIGN_OPS:
        raise InvalidAction(reason="unknown_type", field="op")
    if not str(action.get("campaign") or "").strip():
        raise InvalidAction(reason="missing", field="campaign")
    return {"type": "campaign", "op": action["op"], "campaign": str(action["campaign"]),
            "options": dict(action.get("options") or {}), "preview": dict(action.get("preview") or {})}


def prepare_actions(session: Session, actions: Iterable[Mapping[str, Any]], *, actor: Agent,
                    now: datetime) -> list[dict[str, Any]]:
    prepared = [prepare_action(session, a, actor=actor, now=now) for a in actions]
    if not prepared:
        raise InvalidAction(reason="empty")
    return prepared
